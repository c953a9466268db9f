"""The grounded composer: the default answer path, with no LLM.

It leads with the direct answer (a plain Yes or No where the question asks for one and the
best passage settles it), then two or three sentences taken word for word from the best
passages, each followed by its [n]. Nothing is written that a passage does not say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.text import sentences, stem, terms, words
from assistant.types import Citation, Passage

DISCLAIMER = "This is general information, not legal advice."
MAX_SENTENCES = 3
PER_PASSAGE = 2
CANDIDATE_PASSAGES = 8
CONTEXT_WEIGHT = 0.25
LEXICAL_WEIGHT = 0.6
DENSE_WEIGHT = 1.0
#: passage id -> sentence text -> its unit vector, stored at ingest.
SentenceVectors = Mapping[str, Mapping[str, "np.ndarray"]]

_YES_NO = re.compile(
    r"^\s*(?:is|are|can|could|does|do|did|must|should|has|have|will|would|may|am|was|were|"
    r"isn'?t|aren'?t|doesn'?t|don'?t|can'?t|won'?t|shouldn'?t|need)\b|"
    r"\b(?:true|right|correct|allowed|legal|lawful|a myth)\s*\??\s*$|"
    r"\bis (?:that|this|it) (?:true|right|correct|allowed|legal|lawful)\b",
    re.I,
)
_CLAIM = re.compile(r"\b(?:says?|said|saying|told|tells|claims?|heard|true|right|correct|myth|"
                    r"allowed|legal|lawful|insist\w*)\b", re.I)
_HEDGE = re.compile(r"\b(?:only if|only when|unless|except|depends|in some cases)\b", re.I)
_QUANTITY = re.compile(r"\b(\d+)\s*(?:calendar |working )?(week|day|month|year)s?\b", re.I)
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|cant|don't|dont|doesn't|doesnt|isn't|isnt|aren't|"
    r"without|nothing|neither|nor|unlawful|none)\b|n't\b",
    re.I,
)
_WHEN = re.compile(r"\b(?:how long|when|how many|how soon|deadline|time ?limit|timescale|"
                   r"by when|weeks?|days?|months?)\b", re.I)
_TIME = re.compile(r"\b\d+\s*(?:calendar |working )?(?:weeks?|days?|months?|years?)\b|"
                   r"\b\d{1,2} (?:February|March|April|September)\b", re.I)
_DANGLING = re.compile(r"^(?:it|this|that|they|these|those|he|she|such|also|however|but|"
                       r"and|or|so)\b", re.I)


@dataclass(frozen=True)
class Scored:
    sentence: str
    passage: Passage
    score: float
    overlap: frozenset[str]


@dataclass(frozen=True)
class Composition:
    text: str
    citations: list[Citation]
    coverage: float  # how much of the question's weight the chosen sentences cover (0..1)


def is_yes_no(question: str) -> bool:
    return bool(_YES_NO.search(question))


def _weights(question: str, idf: Mapping[str, float], default: float) -> dict[str, float]:
    return {t: idf.get(t, default) for t in set(terms(question))}


def score_sentences(
    question: str,
    context: str,
    passages: Sequence[Passage],
    idf: Mapping[str, float],
    default_idf: float,
    vectors: SentenceVectors | None = None,
    query_vector: Sequence[float] | None = None,
) -> list[Scored]:
    """Every sentence of the best passages, scored for how well it answers the question.

    The score adds the sentence's meaning-similarity to the question (when sentence vectors
    were stored at ingest), the weighted share of the question's words it contains, and a
    prior for the rank of its passage.
    """
    q = np.asarray(query_vector, dtype=np.float32) if query_vector else None
    own = _weights(question, idf, default_idf)
    # Words from the conversation and the vocabulary's expansions help, but less than the
    # question's own words, and do not dilute them.
    extra = {t: CONTEXT_WEIGHT * w for t, w in _weights(context, idf, default_idf).items()
             if t not in own}
    weights = {**extra, **own}
    total = sum(own.values()) or 1.0
    wants_time = bool(_WHEN.search(question))
    out: list[Scored] = []
    for p in passages[:CANDIDATE_PASSAGES]:
        prior = 0.3 / p.rank
        for s in sentences(p.chunk.text):
            if re.fullmatch(r"(?:yes|no)[.!]?", s.strip(), re.I):
                continue
            words = s.split()
            s_terms = set(terms(s))
            overlap = frozenset(t for t in weights if t in s_terms)
            score = LEXICAL_WEIGHT * sum(weights[t] for t in overlap) / total + prior
            vec = vectors.get(p.chunk.id, {}).get(s) if vectors and q is not None else None
            if vec is not None:
                score += DENSE_WEIGHT * float(vec @ q)
            if wants_time and _TIME.search(s):
                score += 0.15
            if len(words) < 6:
                score -= 0.2
            elif len(words) > 70:
                score -= 0.1
            if _DANGLING.match(s):
                score -= 0.1
            out.append(Scored(s, p, score, overlap))
    out.sort(key=lambda x: -x.score)
    return out


def _similar(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def select(scored: Sequence[Scored]) -> list[Scored]:
    if not scored:
        return []
    best = scored[0]
    chosen = [best]
    per_passage = {best.passage.chunk.id: 1}
    for s in scored[1:]:
        if len(chosen) >= MAX_SENTENCES:
            break
        if s.score < 0.55 * best.score or not s.overlap:
            continue
        if per_passage.get(s.passage.chunk.id, 0) >= PER_PASSAGE:
            continue
        if any(_similar(s.sentence, c.sentence) for c in chosen):
            continue
        chosen.append(s)
        per_passage[s.passage.chunk.id] = per_passage.get(s.passage.chunk.id, 0) + 1
    return chosen


def _negates(text: str, targets: set[str]) -> bool:
    """Whether a negation in `text` governs one of `targets` (within the next five words)."""
    toks = words(text)
    for i, tok in enumerate(toks):
        if _NEGATION.fullmatch(tok) and any(stem(w) in targets for w in toks[i + 1 : i + 9]):
            return True
    return False


def polarity(question: str, sentence: str) -> str | None:
    """'Yes.' or 'No.' when the sentence clearly settles a yes/no question, else None.

    The sentence answers No when a negation in it governs a word of the question ("cannot
    charge", "not working days"), or when it gives another figure for what the question asks about ("12 months", asked
    "6 months?"). A hedged sentence ("only if") or a negated question settles nothing.
    """
    q_terms = set(terms(question))
    if len(q_terms & set(terms(sentence))) < 2 or _HEDGE.search(sentence):
        return None
    if _NEGATION.search(question):
        return None  # "shouldn't they…?", "can I… without…?": too easy to answer backwards
    # "Every 6 months?" answered by "every 12 months": a different figure for the same unit.
    asked = {(u.lower(), n) for n, u in _QUANTITY.findall(question)}
    given = {(u.lower(), n) for n, u in _QUANTITY.findall(sentence)}
    if asked and given and not asked & given and {u for u, _ in asked} & {u for u, _ in given}:
        return "No." if _CLAIM.search(question) else None
    return "No." if _negates(sentence, q_terms) else "Yes."


def myth_verdict(
    question: str, passages: Sequence[Passage], idf: Mapping[str, float], default: float
) -> tuple[Passage, str] | None:
    """When the question repeats a claim that a retrieved myth note corrects: (that passage, "No.").

    Only a question that reports a claim ("the school says…", "is that true?") can repeat a
    myth, and it must share at least two content words with the myth as the note states it.
    People check the myths they have been told, so the verdict is always No; the note's
    opening sentence then says what the law does say.
    """
    if not _CLAIM.search(question):
        return None
    q_terms = set(terms(question))
    for p in passages[:3]:
        if p.chunk.myth and len(q_terms & set(terms(p.chunk.myth))) >= 2:
            return p, "No."
    return None


def compose(
    question: str,
    context: str,
    passages: Sequence[Passage],
    idf: Mapping[str, float],
    default_idf: float,
    verdict: str | None = None,
    vectors: SentenceVectors | None = None,
    query_vector: Sequence[float] | None = None,
) -> Composition:
    """Build the answer text and its citations from the passages.

    `verdict` ("Yes." or "No.") is the direct answer when it is already known (a myth).
    """
    chosen = select(score_sentences(question, context, passages, idf, default_idf, vectors,
                                    query_vector))
    if not chosen:
        return Composition("", [], 0.0)
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    for s in chosen:
        c = s.passage.chunk
        if c.id not in numbers:
            numbers[c.id] = len(numbers) + 1
            citations.append(
                Citation(
                    n=numbers[c.id],
                    doc_id=c.doc_id,
                    title=c.title,
                    section=c.section,
                    authorities=list(c.authorities),
                    url=c.url,
                    quote=c.text,
                )
            )
        parts.append(f"{s.sentence} [{numbers[c.id]}]")
    lead = verdict or (polarity(question, chosen[0].sentence) if is_yes_no(question) else None)
    body = " ".join(parts)
    text = f"{lead} {body}" if lead else body
    weights = _weights(question, idf, default_idf)
    covered = set().union(*(s.overlap for s in chosen)) & set(weights)
    coverage = sum(weights[t] for t in covered) / (sum(weights.values()) or 1.0)
    return Composition(f"{text}\n\n{DISCLAIMER}", citations, coverage)
