"""The shapes that pass between stages: chunks in the index, passages retrieved, answers given."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from assistant.deadlines import Deadline
    from assistant.letters import Letter

AnswerKind = Literal["answer", "not_found", "out_of_scope", "safeguarding"]
ANSWER_KINDS: tuple[str, ...] = ("answer", "not_found", "out_of_scope", "safeguarding")
AUTHORITY_SEPARATOR = " | "


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed, stamped with where it came from."""

    id: str
    text: str
    doc_id: str
    title: str
    section: str = ""
    publisher: str = ""
    authorities: tuple[str, ...] = ()
    url: str = ""
    position: int = 0
    doc_hash: str = ""
    source_path: str = ""
    topics: tuple[str, ...] = ()
    #: passage: embedded and searched; question: a note's front-matter question, pointing to the
    #: note; card: one wording of an answer card (`parent` is the card id, `payload` the card).
    kind: Literal["passage", "question", "card"] = "passage"
    myth: str = ""  # for a note that corrects a myth, the false claim it corrects
    parent: str = ""
    payload: str = ""

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for the vector store (scalars only)."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "section": self.section,
            "publisher": self.publisher,
            "authorities": AUTHORITY_SEPARATOR.join(self.authorities),
            "url": self.url,
            "position": self.position,
            "doc_hash": self.doc_hash,
            "source_path": self.source_path,
            "topics": ",".join(self.topics),
            "kind": self.kind,
            "myth": self.myth,
            "parent": self.parent,
            "payload": self.payload,
        }

    @classmethod
    def from_record(cls, id: str, text: str, meta: dict[str, Any]) -> Chunk:
        def split(value: Any, sep: str) -> tuple[str, ...]:
            return tuple(s for s in str(value or "").split(sep) if s)

        return cls(
            id=id,
            text=text,
            doc_id=str(meta.get("doc_id", "")),
            title=str(meta.get("title", "")),
            section=str(meta.get("section", "")),
            publisher=str(meta.get("publisher", "")),
            authorities=split(meta.get("authorities"), AUTHORITY_SEPARATOR),
            url=str(meta.get("url", "")),
            position=int(meta.get("position", 0) or 0),
            doc_hash=str(meta.get("doc_hash", "")),
            source_path=str(meta.get("source_path", "")),
            topics=split(meta.get("topics"), ","),
            kind=meta.get("kind") if meta.get("kind") in ("question", "card")
            else "passage",  # type: ignore[arg-type]
            myth=str(meta.get("myth", "") or ""),
            parent=str(meta.get("parent", "") or ""),
            payload=str(meta.get("payload", "") or ""),
        )


@dataclass(frozen=True)
class Point:
    """One supporting statement of an answer card, with the authority its note states it by."""

    text: str
    authority: str


@dataclass(frozen=True)
class Card:
    """A curated answer to one need, written in a note's front matter (`answers:`).

    `q` is the canonical question, `also` other wordings of the same need, `answer` the direct
    answer (opening Yes or No when `q` asks for one), `points` its support, `next` the ids of
    the cards a person usually asks about next.
    """

    id: str
    doc_id: str
    q: str
    also: tuple[str, ...]
    answer: str
    points: tuple[Point, ...] = ()
    next: tuple[str, ...] = ()

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.q, *self.also)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score and the rank it came at (1 = best)."""

    chunk: Chunk
    score: float
    rank: int


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    section: str
    authorities: list[str]
    url: str
    quote: str  # the sentence of the passage that states what the answer says
    passage: str = ""  # the whole passage
    passage_id: str = ""

    def label(self) -> str:
        """A one-line citation helpline staff can paste: authority — title."""
        if self.authorities:
            return f"{self.authorities[0]} — {self.title}"
        return self.title

    def full(self) -> str:
        """The citation an adviser pastes: authority, title and section, link, quoted sentence."""
        where = f"{self.title} ({self.section})" if self.section else self.title
        head = f"{self.authorities[0]} — {where}" if self.authorities else where
        return "\n".join(x for x in (head, self.url, f"\u201c{self.quote}\u201d" if self.quote
                                     else "") if x)


@dataclass(frozen=True)
class Suggestion:
    """A follow-up question offered under an answer: the card it leads to."""

    card: str
    q: str


@dataclass(frozen=True)
class Signpost:
    id: str
    name: str
    purpose: str
    contact: str
    url: str = ""


@dataclass
class Answer:
    kind: AnswerKind
    text: str
    citations: list[Citation] = field(default_factory=list)
    signposts: list[Signpost] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list, repr=False)
    #: Which deterministic tool made or added to the answer: "deadline" or "letter".
    tool: str | None = None
    deadlines: list[Deadline] = field(default_factory=list, repr=False)
    letter: Letter | None = field(default=None, repr=False)
    #: The answer card that answered, and its canonical question ("Answering: …").
    card: str | None = None
    answering: str | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    #: The scores behind the route taken, for evaluation sweeps (not shown to users).
    trace: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self, include_passages: bool = False, include_trace: bool = False
                ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "text": self.text,
            "citations": [asdict(c) for c in self.citations],
            "signposts": [asdict(s) for s in self.signposts],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
        if self.tool:
            out["tool"] = self.tool
        if self.deadlines:
            out["deadlines"] = [d.to_dict() for d in self.deadlines]
        if self.letter is not None:
            out["letter"] = self.letter.to_dict()
        out["card"] = self.card
        out["answering"] = self.answering
        out["suggestions"] = [asdict(s) for s in self.suggestions]
        if include_trace:
            out["trace"] = self.trace
        if include_passages:
            out["passages"] = [
                {
                    "rank": p.rank,
                    "score": round(p.score, 5),
                    "id": p.chunk.id,
                    "doc_id": p.chunk.doc_id,
                    "title": p.chunk.title,
                    "section": p.chunk.section,
                    "authorities": list(p.chunk.authorities),
                    "url": p.chunk.url,
                    "text": p.chunk.text,
                }
                for p in self.passages
            ]
        return out
