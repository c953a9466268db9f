"""Small text helpers shared by retrieval and answer composition: words, stems, sentences."""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves s t don now whether get got also im ive id dont cant wont isnt arent
    doesnt didnt wasnt hi hello please thanks thank really just still even tell told say
    said says know want wants wanted one us let lets may might shall must""".split()
)
_WORD = re.compile(r"£?\d+(?:[,.]\d+)*|[a-z]+(?:'[a-z]+)?", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])[\"'”)]?\s+(?=[A-Z0-9£(\"“])")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to match week/weeks, assess/assessment, request/ed."""
    w = word.lower().replace("'", "")
    if w.startswith("£") or w[:1].isdigit():
        return w.replace(",", "")
    for suffix, keep in (("ments", 3), ("ment", 3), ("ings", 3), ("ing", 3), ("ies", 3),
                         ("ied", 3), ("ed", 3), ("es", 3), ("s", 3), ("ly", 4)):
        if w.endswith(suffix) and len(w) - len(suffix) >= keep and not (
            suffix in ("s", "es") and w.endswith("ss")
        ):
            w = w[: -len(suffix)]
            if suffix in ("ies", "ied"):
                w += "y"
            break
    if w.endswith("ision"):  # decision -> decide, revision -> revise
        w = w[:-5] + ("ide" if w.endswith("cision") else "ise")
    if len(w) > 4 and w.endswith("e"):  # decide/decided, issue/issued, charge/charged
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    return [m.group(0).lower() for m in _WORD.finditer(text)]


def terms(text: str) -> list[str]:
    """Stemmed content words, in order (stop words dropped)."""
    return list(_terms(text))


# Answers read the same passages' sentences again and again: remember their terms.
@lru_cache(maxsize=32768)
def _terms(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text)
                 if w not in STOPWORDS and (len(w) > 1 or w.isdigit()))


def sentences(text: str) -> list[str]:
    """Sentences of a passage; list items count as sentences of their own."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)", text):
        block = " ".join(block.split())
        block = re.sub(r"^(?:[-*•]|\d+[.)])\s+", "", block)
        if not block or block.startswith(("#", "|")):
            continue  # headings and table rows are not sentences
        out.extend(s.strip() for s in _SENTENCE.split(block) if s.strip())
    return out
