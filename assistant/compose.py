"""The grounded composer: the default answer path, with no LLM.

It leads with the direct answer (a plain Yes or No where the question asks for one and the
best passage settles it), then two or three sentences taken word for word from the best
passages, each followed by its [n]. Nothing is written that a passage does not say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.text import sentences, stem, terms, words
from assistant.types import Citation, Passage

DISCLAIMER = "This is general information, not legal advice."
MAX_SENTENCES = 3
PER_PASSAGE = 2
CANDIDATE_PASSAGES = 5

_YES_NO = re.compile(
    r"^\s*(?:is|are|can|could|does|do|did|must|should|has|have|will|would|may|am|was|were|"
    r"isn'?t|aren'?t|doesn'?t|don'?t|can'?t|won'?t|shouldn'?t|need)\b|"
    r"\b(?:true|right|correct|allowed|legal|lawful|a myth)\s*\??\s*$|"
    r"\bis (?:that|this|it) (?:true|right|correct|allowed|legal|lawful)\b",
    re.I,
)
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
) -> list[Scored]:
    """Every sentence of the best passages, scored for how well it answers the question."""
    own = _weights(question, idf, default_idf)
    extra = {t: 0.5 * w for t, w in _weights(context, idf, default_idf).items() if t not in own}
    weights = {**extra, **own}
    total = sum(weights.values()) or 1.0
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
            score = sum(weights[t] for t in overlap) / total + prior
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
        if _NEGATION.fullmatch(tok) and any(stem(w) in targets for w in toks[i + 1 : i + 6]):
            return True
    return False


def polarity(question: str, sentence: str) -> str | None:
    """'Yes.' or 'No.' when the sentence clearly settles a yes/no question, else None.

    The sentence answers No when a negation in it governs a word of the question ("cannot
    charge", "not working days"), unless the question is itself negated ("without", "not").
    """
    q_terms = set(terms(question))
    if len(q_terms & set(terms(sentence))) < 2:
        return None
    q_negated = bool(_NEGATION.search(question))
    negated = _negates(sentence, q_terms)
    return "No." if negated != q_negated else "Yes."


def myth_verdict(
    question: str, passages: Sequence[Passage], idf: Mapping[str, float], default: float
) -> tuple[Passage, str] | None:
    """When the question repeats a myth that a retrieved note corrects: (that passage, verdict).

    The verdict is "No." when the question asserts the myth, "Yes." when it asserts the
    opposite (its negation differs from the myth's: "can I ask *without* the school agreeing").
    """
    if not (is_yes_no(question) or re.search(r"\b(?:says?|said|told|claims?|heard)\b", question,
                                               re.I)):
        return None
    weights = _weights(question, idf, default)
    total = sum(weights.values()) or 1.0
    for p in passages[:3]:
        if not p.chunk.myth:
            continue
        claim = set(terms(p.chunk.myth))
        shared = [t for t in weights if t in claim]
        if len(shared) >= 2 and sum(weights[t] for t in shared) / total >= 0.3:
            flipped = bool(_NEGATION.search(question)) != bool(_NEGATION.search(p.chunk.myth))
            return p, ("Yes." if flipped else "No.")
    return None


def compose(
    question: str,
    context: str,
    passages: Sequence[Passage],
    idf: Mapping[str, float],
    default_idf: float,
    verdict: str | None = None,
) -> Composition:
    """Build the answer text and its citations from the passages.

    `verdict` ("Yes." or "No.") is the direct answer when it is already known (a myth).
    """
    chosen = select(score_sentences(question, context, passages, idf, default_idf))
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
