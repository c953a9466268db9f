"""Matching a question to the answer cards: meaning first, words second.

Every wording of a card (its `q` and each `also`) is embedded at ingest. A view of the question
(an asking sentence, or that sentence with the one before it) scores a card by the closest of
its wordings in meaning, mixed with the weighted share of the view's words that wording
contains. The mix and the threshold for a confident match are knobs (`data/knobs.yaml`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.forms import Frame, frame
from assistant.text import terms
from assistant.types import Card, Chunk, Point


@dataclass(frozen=True)
class CardMatch:
    card: Card
    score: float
    dense: float
    wording: str  # the wording of the card that matched best
    view: int  # which view of the question matched it
    frame: Frame  # the matched wording's frame (which way round, what it asks, of whom)


def card_payload(card: Card) -> str:
    """The card as stored with each of its wording records."""
    return json.dumps({"id": card.id, "q": card.q, "also": list(card.also),
                       "answer": card.answer,
                       "points": [{"text": p.text, "authority": p.authority}
                                  for p in card.points],
                       "next": list(card.next)}, ensure_ascii=False, sort_keys=True)


def card_from_payload(doc_id: str, payload: str) -> Card:
    d = json.loads(payload)
    return Card(d["id"], doc_id, d["q"], tuple(d.get("also", ())), d["answer"],
                tuple(Point(p["text"], p["authority"]) for p in d.get("points", ())),
                tuple(d.get("next", ())))


class CardIndex:
    """The cards of the live index, their wordings' vectors, and the words of each wording."""

    def __init__(self, records: Iterable[tuple[Chunk, Sequence[float]]]) -> None:
        cards: dict[str, Card] = {}
        rows: list[tuple[str, str, Sequence[float]]] = []
        for chunk, vector in sorted(records, key=lambda r: (r[0].parent, r[0].position)):
            if chunk.parent not in cards:
                cards[chunk.parent] = card_from_payload(chunk.doc_id, chunk.payload)
            rows.append((chunk.parent, chunk.text, vector))
        self.cards = cards
        self.by_question = {c.q: c for c in cards.values()}
        self._owner = [cid for cid, _, _ in rows]
        self._wording = [text for _, text, _ in rows]
        m = np.asarray([v for _, _, v in rows], dtype=np.float32).reshape(len(rows), -1)
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        self._matrix = m / np.where(norms == 0, 1.0, norms) if len(rows) else m
        self._terms = [frozenset(terms(t)) for t in self._wording]
        self._frames = [frame(t) for t in self._wording]
        # Which wordings use each word, so the lexical share costs the query's words only.
        self._postings: dict[str, np.ndarray] = {}
        grouped: dict[str, list[int]] = defaultdict(list)
        for i, ts in enumerate(self._terms):
            for t in ts:
                grouped[t].append(i)
        self._postings = {t: np.asarray(ix, dtype=np.int64) for t, ix in grouped.items()}
        self._card_terms: dict[str, set[str]] = defaultdict(set)
        for cid, ts in zip(self._owner, self._terms, strict=True):
            self._card_terms[cid] |= ts
        # Each card's centre: the mean of its wordings, steadier than any one of them.
        self._card_ids = sorted(cards)
        self._card_row = {cid: i for i, cid in enumerate(self._card_ids)}
        centres = np.zeros((len(self._card_ids), self._matrix.shape[1]), dtype=np.float32)
        for cid, v in zip(self._owner, self._matrix, strict=True):
            centres[self._card_row[cid]] += v
        norms = np.linalg.norm(centres, axis=1, keepdims=True)
        self._centres = centres / np.where(norms == 0, 1.0, norms)
        self._centre_of = np.asarray([self._card_row[o] for o in self._owner], dtype=np.int64)
        df: dict[str, int] = defaultdict(int)
        for ts in self._terms:
            for t in ts:
                df[t] += 1
        n = max(len(rows), 1)
        self.idf = {t: float(np.log((n + 1) / (d + 0.5))) for t, d in df.items()}
        self._default_idf = float(np.log((n + 1) / 0.5))

    @property
    def matrix(self) -> np.ndarray:
        """The unit vectors of every wording (one row each)."""
        return self._matrix

    def __len__(self) -> int:
        return len(self.cards)

    def get(self, card_id: str) -> Card | None:
        return self.cards.get(card_id)

    def coverage(self, card_id: str, text: str) -> float:
        """The idf-weighted share of the text's words that the card's wordings use."""
        own = set(terms(text))
        weights = {t: self.idf.get(t, self._default_idf) for t in own}
        total = sum(weights.values())
        have = self._card_terms.get(card_id, set())
        return sum(w for t, w in weights.items() if t in have) / total if total else 1.0

    def specificity(self, wording: str, text: str) -> float:
        """The idf-weighted share of a card wording's words that the text uses: low when the
        wording asks about something more particular ("…for a child under 5?")."""
        own = set(terms(wording))
        weights = {t: self.idf.get(t, self._default_idf) for t in own}
        total = sum(weights.values())
        have = set(terms(text))
        return sum(w for t, w in weights.items() if t in have) / total if total else 1.0

    def lexical(self, view: str) -> np.ndarray:
        """For each wording, the idf-weighted share of the view's words it contains."""
        own = set(terms(view))
        weights = {t: self.idf.get(t, self._default_idf) for t in own}
        total = sum(weights.values())
        out = np.zeros(len(self._terms), dtype=np.float32)
        if not total:
            return out
        for t, w in weights.items():
            ix = self._postings.get(t)
            if ix is not None:
                out[ix] += w
        return out / total

    def match(self, views: Sequence[str], vectors: Sequence[Sequence[float]],
              lexical_weight: float, centre_weight: float = 0.0,
              bonus: Mapping[str, float] | None = None,
              exclude: frozenset[str] = frozenset(), k: int = 5) -> list[CardMatch]:
        """The k best cards over all views, best first, each at its best view and wording.

        A wording's score mixes its meaning-similarity (itself and, by `centre_weight`, its
        card's centre) with the lexical share (by `lexical_weight`).
        """
        if not len(self._owner) or not views:
            return []
        q = np.asarray(vectors, dtype=np.float32).reshape(len(views), -1)
        q = (q / np.where((n := np.linalg.norm(q, axis=1, keepdims=True)) == 0, 1.0, n)
             ).astype(np.float32)
        centre = (q @ self._centres.T)[:, self._centre_of]
        dense = (1.0 - centre_weight) * (q @ self._matrix.T) + centre_weight * centre
        lex = np.stack([self.lexical(v) for v in views])
        mixed = (1.0 - lexical_weight) * dense + lexical_weight * lex
        best: dict[str, CardMatch] = {}
        for vi in range(len(views)):
            for wi in np.argsort(-mixed[vi], kind="stable")[: 12 * k]:
                cid = self._owner[wi]
                if cid in exclude:
                    continue
                score = float(mixed[vi, wi]) + (bonus or {}).get(cid, 0.0)
                if cid not in best or score > best[cid].score:
                    best[cid] = CardMatch(self.cards[cid], score, float(dense[vi, wi]),
                                          self._wording[wi], vi, self._frames[wi])
        return sorted(best.values(), key=lambda m: (-m.score, m.card.id))[:k]
