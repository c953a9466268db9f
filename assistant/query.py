"""Read a question once: `Reader.read(text, history) -> Query`, which every later stage reads.

A parent's message can be a long story ending in the question, two questions in one, a typo-
ridden line, or a follow-up ("and how long do they have?"). Reading finds the asking sentences
(the focus), corrects spelling against the guidance's words, takes the previous answer's card
from the conversation, and records every verdict the later stages need: risk to a child, the
nation, steering text, the form of the question, dates for the deadline calculator and the
model letter wanted. Nothing after this stage runs a regex over the raw text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from assistant import deadlines as dl
from assistant import tools
from assistant.cards import CardIndex
from assistant.embeddings import Embedder
from assistant.forms import Frame, forms, frame, is_yes_no, phrase_pattern
from assistant.gates import is_steering, strip_hostile
from assistant.letters import Letter, LetterTemplate
from assistant.nations import NationFinder
from assistant.safeguarding import RiskBank, RiskVerdict, pieces
from assistant.spelling import Speller
from assistant.text import terms
from assistant.vocab import Vocabulary

History = Sequence[Mapping[str, str]]
#: The line an answer carries to name the card it answers; a follow-up reads it back.
ANSWERING = "Answering: "
#: An asking sentence with this few words of its own leans on the sentence before it.
THIN_TERMS = 6
_SENTENCE = re.compile(r"(?<=[.?!])[\"')\]]?\s+|\n+")


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    f = forms()
    openers = phrase_pattern(f["asking_openers"])
    return (re.compile(rf"^\W*(?:{openers.pattern})", re.I), phrase_pattern(f["asking_phrases"]),
            re.compile(rf"^\W*(?:{phrase_pattern(f['follow_up_openers']).pattern})", re.I))


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def is_asking(sentence: str) -> bool:
    opener, phrase, _ = _patterns()
    s = sentence.strip()
    return s.endswith("?") or bool(opener.search(s)) or bool(phrase.search(s))


def focus_of(text: str, keep: int = 2) -> list[str]:
    """The asking sentences (the last `keep` of them), or the message's last sentence."""
    found = sentences_of(text)
    asking = [s for s in found if is_asking(s)]
    if asking:
        return asking[-keep:]
    return found[-1:] if found else [text]


@dataclass(frozen=True)
class FollowUp:
    """A message that leans on the previous turn: its card (named by the previous answer's
    "Answering:" line, when the history carries it) and the question asked before."""

    card: str | None
    question: str
    #: the previous question's vector, to find its card when the history does not name it
    vector: tuple[float, ...] = ()


@dataclass
class Query:
    raw: str  # as typed (after the input checks)
    text: str  # steering phrases and markup removed
    corrected: str  # `text` with spelling corrected against the guidance
    focus: list[str]  # the asking sentences (corrected), at most two
    views: list[str]  # the texts cards are matched on (focus, with context where it is thin)
    vectors: list[list[float]]  # one per view
    view_focus: list[int]  # for each view, the focus sentence it reads
    search: str  # what passages are searched with
    search_vector: list[float]
    yes_no: bool  # the first focus asks for a Yes or a No
    frames: list[Frame]  # for each view: which way round it is put, what it asks, of whom
    focus_yes_no: list[bool]  # for each focus sentence: does it ask for a Yes or a No
    focus_frames: list[Frame]  # for each focus sentence, its frame (thin: with the one before)
    risk: RiskVerdict
    nation: str | None
    hostile: bool
    send_words: int  # how many SEND terms the message uses
    follow_up: FollowUp | None = None
    deadline_kind: str | None = None
    start: dl.ParsedDate | None = None
    certificate: dl.ParsedDate | None = None
    date_problem: str = ""  # a date that cannot be (31 April), to say so in the reply
    letter: Letter | None = None
    history: list[dict[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing left to answer once steering text is removed."""
        return self.hostile and len(terms(self.text)) == 0


class Reader:
    def __init__(self, embedder: Embedder, speller: Speller, vocabulary: Vocabulary,
                 nations: NationFinder, risk: RiskBank, cards: CardIndex,
                 letters: Mapping[str, LetterTemplate],
                 today: Callable[[], date] = date.today) -> None:
        self.embedder = embedder
        self.speller = speller
        self.vocabulary = vocabulary
        self.nations = nations
        self.risk = risk
        self.cards = cards
        self.letters = letters
        self.today = today

    def read(self, raw: str, history: History = ()) -> Query:
        turns = [dict(t) for t in history if isinstance(t, Mapping)][-6:]
        hostile = is_steering(raw)
        text = strip_hostile(raw) if hostile else raw
        corrected = self.speller.correct(text)
        focus = focus_of(corrected)
        follow = self._follow_up(corrected, turns)
        views, view_focus, full = self._views(corrected, focus, follow)
        primary = focus[0] if focus else corrected
        search = f"{follow.question} {primary}" if follow else (full[0] if full else corrected)
        risk_pieces = pieces(corrected)
        before = [follow.question] if follow and not follow.card else []
        unique = list(dict.fromkeys([*views, search, *risk_pieces, *before]))
        vectors = dict(zip(unique, self.embedder.embed_documents(unique), strict=True))
        search_vector = vectors[search]
        if follow and before:
            follow = replace(follow, vector=tuple(vectors[follow.question]))
        query = Query(
            raw=raw, text=text, corrected=corrected, focus=focus, views=views,
            vectors=[vectors[v] for v in views], view_focus=view_focus, search=search,
            search_vector=search_vector, yes_no=is_yes_no(primary),
            frames=[frame(v) for v in views],
            focus_yes_no=[is_yes_no(f) for f in focus],
            # A thin asking sentence ("Is that right?") asks about the sentence before it,
            # so that sentence says which way round the question is put.
            focus_frames=[frame(w) for w in full],
            risk=self.risk.assess(raw + "\n" + corrected, [vectors[p] for p in risk_pieces]),
            nation=self.nations.find(raw), hostile=hostile,
            send_words=self.vocabulary.mentions(corrected), follow_up=follow, history=turns,
        )
        self._tools(query)
        return query

    def _views(self, text: str, focus: list[str], follow: FollowUp | None
               ) -> tuple[list[str], list[int], list[str]]:
        """The texts cards are matched on, which focus sentence each reads, and each focus
        sentence in full.

        A thin asking sentence ("Is that right?", "Can they do that?") is read with the
        sentence before it, which says what "that" is; it is matched alone too only when it
        has words of its own. A follow-up is also read with the question it follows, and a
        short message whole.
        """
        found = sentences_of(text)
        views: list[str] = []
        owner: list[int] = []
        full: list[str] = []

        def add(view: str, i: int) -> None:
            if view and view not in views:
                views.append(view)
                owner.append(i)

        for i, f in enumerate(focus):
            at = found.index(f) if f in found else -1
            n = len(terms(f))
            whole = f"{found[at - 1]} {f}" if at > 0 and n <= THIN_TERMS else f
            full.append(whole)
            if whole != f and n >= 3 or whole == f:
                add(f, i)
            add(whole, i)
            if follow:
                add(f"{follow.question} {f}", i)
        if 1 < len(found) <= 3:
            add(" ".join(found), 0)
        return views, owner, full

    def _follow_up(self, text: str, history: list[dict[str, str]]) -> FollowUp | None:
        """The previous turn's card and question, when this message leans on them."""
        if not history:
            return None
        asked = next((t.get("content", "") for t in reversed(history)
                      if t.get("role") == "user"), "")
        said = next((t.get("content", "") for t in reversed(history)
                     if t.get("role") == "assistant"), "")
        if not asked:
            return None
        card = None
        for line in said.splitlines():
            if line.startswith(ANSWERING):
                found = self.cards.by_question.get(line[len(ANSWERING):].strip())
                card = found.id if found else None
        _, _, opener = _patterns()
        thin = len(terms(text)) <= int(forms()["follow_up_max_terms"])
        if not (thin or opener.search(text)):
            return None
        return FollowUp(card, focus_of(self.speller.correct(asked), keep=1)[0])

    def _tools(self, q: Query) -> None:
        """Dates for the deadline calculator, and the model letter the message asks for."""
        today = self.today()
        q.deadline_kind = tools.deadline_kind(q.text, q.history, today)
        if q.deadline_kind:
            try:
                q.start, q.certificate = tools.find_start(q.text, q.history, today)
            except dl.DeadlineError as exc:  # a date that cannot be: say so, answer anyway
                q.date_problem = str(exc)
        q.letter = tools.letter_for(q.text, q.history, today, self.letters)
