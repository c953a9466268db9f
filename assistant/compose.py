"""The grounded composer: the default answer path, with no LLM.

A matched card's reply is the card's own direct answer, then its points, each cited [n] to the
passage of its note that states it, then the question the card answers ("Answering: …") so a
near miss shows. With no confident card, the reply says so and shows the closest one or two
passages whole (lists and tables intact). Nothing is stitched from sentences of different notes,
and a Yes or No is only ever a card's own word.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.cards import CardMatch
from assistant.forms import without_opening
from assistant.query import ANSWERING
from assistant.text import sentences, terms
from assistant.types import Card, Chunk, Citation, Passage, Point

DISCLAIMER = "This is general information, not legal advice."
NO_DIRECT_ANSWER = ("I don't have a direct answer to that question. These are the closest "
                    "passages in the guidance I hold:")
ALSO_ASKED = "You also asked: "


@dataclass
class Composition:
    text: str  # without the closing disclaimer (the finishing stage adds it)
    citations: list[Citation]


class Citer:
    """Numbers citations in the order they are first used, one per passage."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []

    def cite(self, chunk: Chunk, quote: str, authority: str = "") -> int:
        for c in self.citations:
            if c.passage_id == chunk.id:
                return c.n
        authorities = [authority] if authority else []
        authorities += [a for a in chunk.authorities if a != authority]
        n = len(self.citations) + 1
        self.citations.append(Citation(n, chunk.doc_id, chunk.title, chunk.section,
                                       authorities, chunk.url, quote, chunk.text, chunk.id))
        return n


def _overlap(a: str, b: str) -> float:
    own = set(terms(a))
    return len(own & set(terms(b))) / len(own) if own else 0.0


def point_source(point: Point, chunks: Sequence[Chunk]) -> tuple[Chunk, str] | None:
    """The passage of the note that states the point (it cites the point's authority, or its
    section does), and the sentence in it closest to the point."""
    citing = [c for c in chunks if point.authority in c.text] or \
        [c for c in chunks if point.authority in c.authorities]
    if not citing:
        return None
    best = max(citing, key=lambda c: (_overlap(point.text, c.text), -c.position))
    quote = max(sentences(best.text) or [best.text], key=lambda s: _overlap(point.text, s))
    return best, quote


def card_lines(card: Card, chunks: Sequence[Chunk], citer: Citer, keep_yes_no: bool
               ) -> list[str]:
    """The card's direct answer and its cited points."""
    lead = card.answer if keep_yes_no else without_opening(card.answer)
    lines = [lead]
    for p in card.points:
        found = point_source(p, chunks)
        if found is None:
            continue  # the ingest checks every point; an edited index may lack its passage
        chunk, quote = found
        lines.append(f"- {p.text} [{citer.cite(chunk, quote, p.authority)}]")
    return lines


def card_reply(match: CardMatch, keep_yes_no: bool,
               doc_passages: Mapping[str, Sequence[Chunk]],
               second: CardMatch | None = None) -> Composition:
    """The reply for a matched card (and a second question's card, when there is one)."""
    citer = Citer()
    card = match.card
    lines = card_lines(card, doc_passages.get(card.doc_id, ()), citer, keep_yes_no)
    lines.append(f"{ANSWERING}{card.q}")
    if second is not None:
        lines += ["", f"{ALSO_ASKED}{second.card.q}"]
        lines += card_lines(second.card, doc_passages.get(second.card.doc_id, ()), citer,
                            keep_yes_no=False)
    return Composition("\n".join(lines), citer.citations)


def closest_reply(passages: Sequence[Passage], most: int = 2, notes: int = 2) -> Composition:
    """No direct answer: the closest passages, whole, from at most `notes` notes."""
    citer = Citer()
    shown: list[Chunk] = []
    for p in passages:
        docs = {c.doc_id for c in shown}
        if len(shown) >= most:
            break
        if p.chunk.doc_id in docs or len(docs) < notes:
            shown.append(p.chunk)
    parts = [NO_DIRECT_ANSWER]
    for c in shown:
        n = citer.cite(c, (sentences(c.text) or [c.text])[0])
        heading = f"{c.title} — {c.section}" if c.section and c.section != c.title else c.title
        parts.append(f"{heading} [{n}]\n{c.text}")
    return Composition("\n\n".join(parts), citer.citations)
