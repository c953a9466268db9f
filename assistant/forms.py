"""The form of a question: whether it asks for a Yes or a No, which way round it is put, and
what it asks about whom (word lists in `data/question_forms.yaml`).

Used when a question is read (to decide whether a card's Yes or No may open the reply) and at
ingest (a card whose canonical question is yes/no must open its answer with Yes or No).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

_YES_NO = re.compile(
    r"^\s*(?:is|are|can|could|does|do|did|must|should|has|have|will|would|may|am|was|were|"
    r"isn'?t|aren'?t|doesn'?t|don'?t|can'?t|won'?t|shouldn'?t|need|shall)\b|"
    r"\b(?:true|right|correct|allowed|legal|lawful|a myth|ok|okay)\s*\??\s*$|"
    r"\bis (?:that|this|it) (?:true|right|correct|allowed|legal|lawful|ok|okay)\b",
    re.I,
)
_OPENS_YES_NO = re.compile(r"^(?:Yes|No)\b[.,]?", re.I)
#: "…, or did that end?": a second question offered as the alternative to the first.
#: Only after a comma, or "or not" at the end: "…because we get DLA or have a car?" is one
#: question about two things.
_ALTERNATIVE = re.compile(
    r",\s*or\s+(?:is|are|can|could|does|do|did|must|should|has|have|will|would|was|were|"
    r"had|isn'?t|doesn'?t|don'?t|can'?t|won'?t)\b|\bor not\s*\??\s*$", re.I)


def is_yes_no(question: str) -> bool:
    """Whether the question, as written, asks for a Yes or a No. An alternative question
    ("Can they still…, or did that end?") asks which, so a Yes or No would answer neither."""
    text = question.strip()
    return bool(_YES_NO.search(text)) and not _ALTERNATIVE.search(text)


def opening_word(answer: str) -> str | None:
    """'yes' or 'no' when the text opens with that word, else None."""
    m = _OPENS_YES_NO.match(answer.strip())
    return m.group(0).rstrip(".,").lower() if m else None


def without_opening(answer: str) -> str:
    """The text with a leading Yes or No (and its full stop or comma) taken off; "Yes, but
    only if…" becomes "Only if…"."""
    rest = _OPENS_YES_NO.sub("", answer.strip(), count=1).strip()
    rest = re.sub(r"^but\s+", "", rest, count=1, flags=re.I)
    return rest[:1].upper() + rest[1:] if rest else answer.strip()


@lru_cache(maxsize=1)
def _conditional() -> re.Pattern[str]:
    words = "|".join(re.escape(str(w)) for w in forms()["conditional_after_opening"])
    return re.compile(rf"^(?:Yes|No)\b[,;]?\s+(?:but\s+)?(?:{words})\b", re.I)


def is_conditional(answer: str) -> bool:
    """Whether a Yes or No opening holds only on a condition ("Yes, but only if…", "No, not
    automatically…"): which word fits a question then depends on facts the card cannot see."""
    return bool(_conditional().match(answer.strip()))


@lru_cache(maxsize=1)
def forms() -> dict[str, Any]:
    text = resources.files("assistant").joinpath("data/question_forms.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text))


def phrase_pattern(items: Sequence[str]) -> re.Pattern[str]:
    """Any of the phrases, as whole words, case-insensitive (spaces match any run of space)."""
    alts = "|".join(re.escape(str(i)).replace(r"\ ", r"\s+")
                    for i in sorted(items, key=lambda x: len(str(x)), reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alts})(?![\w'])", re.I)


_WORD = re.compile(r"[a-z']+")


@lru_cache(maxsize=1)
def _negation_words() -> frozenset[str]:
    return frozenset(str(n).lower() for n in forms()["negations"])


@lru_cache(maxsize=1)
def _classes(key: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((name, phrase_pattern(words)) for name, words in forms()[key].items())


def negations(text: str) -> int:
    """How many words in the text turn a question round ("not", "refuse", "without")."""
    low = text.lower().replace("\u2019", "'")
    return sum(1 for w in _WORD.findall(low) if w in _negation_words() or w.endswith("n't"))


@dataclass(frozen=True)
class Frame:
    """Which way round a question is put, what it asks (a right or a duty) and about whom."""

    negations: int
    modality: frozenset[str]
    agent: str | None

    def filled_from(self, other: Frame) -> Frame:
        """This frame, with what it does not say (the asker, the modality) taken from `other`."""
        return Frame(self.negations, self.modality or other.modality, self.agent or other.agent)

    def agrees(self, other: Frame) -> bool:
        """Whether a Yes or No that answers one answers the other the same way."""
        if self.negations != other.negations:
            return False
        if self.modality and other.modality and not self.modality & other.modality:
            return False
        return not (self.agent and other.agent and self.agent != other.agent)


def frame(text: str) -> Frame:
    modality = frozenset(name for name, rx in _classes("modality") if rx.search(text))
    found = [(m.start(), name) for name, rx in _classes("agents") for m in rx.finditer(text)]
    return Frame(negations(text), modality, min(found)[1] if found else None)
