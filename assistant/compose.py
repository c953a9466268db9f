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

from assistant.authorities import references
from assistant.text import sentences, stem, terms, words
from assistant.types import Citation, Passage

DISCLAIMER = "This is general information, not legal advice."
MAX_SENTENCES = 6  # the direct answer and up to five supporting sentences
PER_PASSAGE = 3
CANDIDATE_PASSAGES = 8
CONTEXT_WEIGHT = 0.25
LEXICAL_WEIGHT = 1.5
RANK_PRIOR = 0.15
DOC_PRIOR = 0.0
KEEP_RATIO = 0.55
SECTION_RATIO = 0.5
#: Worth of the question words a supporting sentence adds, and cost of repeating a chosen one.
NOVELTY = 0.25
REDUNDANCY = 0.0
#: A "how long / by when" question wants a sentence that states a period or a date.
TIME_BONUS = 0.4
DENSE_WEIGHT = 1.0
MAX_LIST_ITEMS = 8
#: Share of the question's words a sentence must contain before it can answer it Yes.
YES_SHARE = 0.6
#: A sentence citing the very provision the question names ("reg 18", "CoP 9.14").
REFERENCE_BONUS = 0.3
#: passage id -> sentence text -> its unit vector, stored at ingest.
SentenceVectors = Mapping[str, Mapping[str, "np.ndarray"]]

_YES_NO = re.compile(
    r"^\s*(?:is|are|can|could|does|do|did|must|should|has|have|will|would|may|am|was|were|"
    r"isn'?t|aren'?t|doesn'?t|don'?t|can'?t|won'?t|shouldn'?t|need)\b|"
    r"\b(?:true|right|correct|allowed|legal|lawful|a myth)\s*\??\s*$|"
    r"\bis (?:that|this|it) (?:true|right|correct|allowed|legal|lawful)\b",
    re.I,
)
#: A reported claim ("school says…", "is that true?"). "Shouldn't they have told me?" is not one.
_CLAIM = re.compile(r"\b(?:says?|(?<!have )(?<!has )(?:said|told)|saying|tells|claims?|heard|true|"
                    r"right|correct|myth|allowed|legal|lawful|insist\w*)\b", re.I)
_CHOICE = re.compile(r"\bor\b", re.I)
_HEDGE = re.compile(r"\b(?:only if|only when|unless|except|depends|in some cases)\b", re.I)
_QUANTITY = re.compile(r"\b(\d+)\s*(?:calendar |working )?(week|day|month|year)s?\b", re.I)
_NEGATION = re.compile(
    r"\b(?:not|no|never|cannot|can't|cant|don't|dont|doesn't|doesnt|isn't|isnt|aren't|"
    r"without|nothing|neither|nor|unlawful|none)\b|n't\b",
    re.I,
)
_WHEN = re.compile(r"\b(?:how long|how many|how soon|deadline|time ?limit|timescale|by when|"
                   r"weeks?|days?|months?)\b|^\s*when\b|\bwhen (?:will|do|does|did|must|"
                   r"should|can|is|are|has|have|would|could)\b", re.I)
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
    similarity: float | None = None
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Composition:
    text: str
    citations: list[Citation]
    coverage: float  # how much of the question's weight the chosen sentences cover (0..1)
    similarity: float = 1.0  # the highest meaning-similarity of any candidate sentence


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
    doc_rank: dict[str, int] = {}
    for p in passages:
        doc_rank.setdefault(p.chunk.doc_id, len(doc_rank) + 1)
    own = _weights(question, idf, default_idf)
    # Words from the conversation and the vocabulary's expansions help, but less than the
    # question's own words, and do not dilute them.
    extra = {t: CONTEXT_WEIGHT * w for t, w in _weights(context, idf, default_idf).items()
             if t not in own}
    weights = {**extra, **own}
    total = sum(own.values()) or 1.0
    wants_time = bool(_WHEN.search(question))
    named = references(question)
    out: list[Scored] = []
    for p in passages[:CANDIDATE_PASSAGES]:
        prior = RANK_PRIOR / p.rank + DOC_PRIOR / doc_rank[p.chunk.doc_id]
        for s in sentences(p.chunk.text):
            if re.fullmatch(r"(?:yes|no)[.!]?", s.strip(), re.I):
                continue
            words = s.split()
            s_terms = set(terms(s))
            overlap = frozenset(t for t in weights if t in s_terms)
            score = LEXICAL_WEIGHT * sum(weights[t] for t in overlap) / total + prior
            vec = vectors.get(p.chunk.id, {}).get(s) if vectors and q is not None else None
            similarity = float(vec @ q) if vec is not None else None
            if similarity is not None:
                score += DENSE_WEIGHT * similarity
            if wants_time and _TIME.search(s):
                score += TIME_BONUS
            if named and named & references(s):
                score += REFERENCE_BONUS
            if len(words) < 6:
                score -= 0.2
            elif len(words) > 70:
                score -= 0.1
            if _DANGLING.match(s):
                score -= 0.1
            out.append(Scored(s, p, score, overlap, similarity, vec))
    out.sort(key=lambda x: -x.score)
    return out


def _similar(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def select(scored: Sequence[Scored], weights: Mapping[str, float] | None = None
           ) -> list[Scored]:
    """The lead sentence, then the supporting sentences that add most to it.

    A candidate is worth its own score, plus a share for question words no chosen sentence
    covers yet (so each part of a two-part question gets its answer), minus how close in
    meaning it is to a sentence already chosen (so the answer does not say one thing twice).
    Sentences from the lead's own passage are kept at a lower score: a section reads as a whole.
    """
    if not scored:
        return []
    lead = scored[0]
    total = sum((weights or {}).values()) or 1.0
    pool = [
        s for s in scored[1:]
        if s.overlap and s.score >= (
            SECTION_RATIO if s.passage.chunk.id == lead.passage.chunk.id else KEEP_RATIO
        ) * lead.score
    ]
    chosen = [lead]
    covered = set(lead.overlap)
    per_passage = {lead.passage.chunk.id: 1}

    def value(s: Scored) -> float:
        v = s.score
        if weights:
            v += NOVELTY * sum(weights.get(t, 0.0) for t in s.overlap - covered) / total
        if s.vector is not None:
            v -= REDUNDANCY * max(
                (float(s.vector @ c.vector) for c in chosen if c.vector is not None), default=0.0
            )
        return v

    while pool and len(chosen) < MAX_SENTENCES:
        best = max(pool, key=value)
        pool.remove(best)
        if per_passage.get(best.passage.chunk.id, 0) >= PER_PASSAGE:
            continue
        if any(_similar(best.sentence, c.sentence) for c in chosen):
            continue
        chosen.append(best)
        covered |= best.overlap
        per_passage[best.passage.chunk.id] = per_passage.get(best.passage.chunk.id, 0) + 1
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
    charge", "not working days"), or when it gives another figure for what the question asks
    about ("12 months", asked "6 months?"). A hedged sentence ("only if") or a negated question
    settles nothing.
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
    if _negates(sentence, q_terms):
        return "No."
    # Yes is said only to a plain question ("can I…?"), never to a reported claim ("they say…,
    # is that true?") or a choice ("from when they agreed or from when I asked?"), and only
    # when the sentence is a whole one.
    if _CLAIM.search(question) or _CHOICE.search(question) or not sentence[:1].isupper():
        return None
    # …and only when the sentence restates most of the question: "is there a cap on requests?"
    # is not answered Yes by a sentence about who can make a request.
    if len(q_terms & set(terms(sentence))) < YES_SHARE * len(q_terms):
        return None
    return "Yes."


def myth_verdict(
    question: str, passages: Sequence[Passage], idf: Mapping[str, float], default: float,
    expanded: str = "",
) -> tuple[Passage, str] | None:
    """When the question repeats a claim that a retrieved myth note corrects: (that passage, "No.").

    A question that reports a claim ("the school says…", "is that true?") repeats a myth when
    it shares at least two content words with the myth as the note states it: people check
    the myths they have been told, so the verdict is No. A plain yes/no question ("do we have
    to wait until…?") repeats it only when it is also put the same way round: "can I ask
    again after a refusal?" asks the opposite of "after a refusal you cannot ask again".
    `expanded` is the question with its abbreviations spelt out ("EP", "LA").
    """
    claim = bool(_CLAIM.search(question))
    if not claim and not is_yes_no(question):
        return None
    own = set(terms(question))
    spelt = set(terms(expanded)) - own
    best: tuple[float, Passage] | None = None
    for p in passages[: 3 if claim else 2]:
        myth = set(terms(p.chunk.myth))
        if not myth or len((own | spelt) & myth) < 2:
            continue
        if not claim and bool(_NEGATION.search(question)) != bool(_NEGATION.search(p.chunk.myth)):
            continue
        # The question's own words count fully, its spelt-out abbreviations half.
        match = len(own & myth) + 0.5 * len(spelt & myth)
        if best is None or match > best[0]:
            best = (match, p)
    return (best[1], "No.") if best else None


def with_list(sentence: str, passage_text: str) -> str:
    """A sentence that introduces a list (ends with ':') with its items, and a list item with
    the sentence that introduces it: half a list misleads, and an item alone reads as a
    fragment."""
    sents = sentences(passage_text)
    try:
        start = sents.index(sentence)
    except ValueError:
        return sentence
    while start > 0 and sents[start][:1].islower():
        start -= 1
    if not sents[start].endswith(":"):
        return sentence
    items: list[str] = []
    for item in sents[start + 1 :]:
        if not item[:1].islower() or len(items) >= MAX_LIST_ITEMS:
            break
        items.append(item)
    return " ".join([sents[start], *items]) if items else sentence


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
    scored = score_sentences(question, context, passages, idf, default_idf, vectors,
                             query_vector)
    weights = _weights(question, idf, default_idf)
    chosen = select(scored, weights)
    if not chosen:
        return Composition("", [], 0.0, 0.0)
    sims = [s.similarity for s in scored if s.similarity is not None]
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    shown: set[str] = set()
    for s in chosen:
        c = s.passage.chunk
        rendered = with_list(s.sentence, c.text)
        if rendered in shown or any(rendered in r for r in shown):
            continue
        shown.add(rendered)
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
        parts.append(f"{rendered} [{numbers[c.id]}]")
    lead = verdict or (polarity(question, chosen[0].sentence) if is_yes_no(question) else None)
    body = " ".join(parts)
    text = f"{lead} {body}" if lead else body
    covered = set().union(*(s.overlap for s in chosen)) & set(weights)
    coverage = sum(weights[t] for t in covered) / (sum(weights.values()) or 1.0)
    return Composition(f"{text}\n\n{DISCLAIMER}", citations, coverage,
                       max(sims) if sims else 1.0)
