"""Hybrid retrieval: dense (Chroma) and lexical (BM25) search over passages and over the notes'
`questions` front matter, fused by reciprocal rank.

Question records point back to their note: a hit on a question lifts the note's passage that
best matches the query. What is searched (a follow-up with the subject of the conversation so
far) is decided when the question is read (`assistant.query`).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import bm25s
import numpy as np

from assistant.authorities import references
from assistant.embeddings import Embedder
from assistant.store import ChunkStore
from assistant.text import terms
from assistant.types import Chunk, Passage
from assistant.vocab import Vocabulary, default_vocabulary

RRF_K = 60
#: Up to this many records, passages are searched exactly in memory rather than through Chroma.
EXACT_MAX = 50_000
DENSE_K = 20
LEXICAL_K = 20
QUESTION_K = 8
# Each ranked list's weight in the fusion: passages count most, question matches a little less.
WEIGHTS = {"dense": 1.0, "lexical": 1.0, "q_dense": 0.8, "q_lexical": 0.6, "reference": 1.0}

@dataclass
class Retrieval:
    passages: list[Passage]
    query: str  # what was actually searched (after follow-up and vocabulary expansion)
    best_dense: float  # cosine similarity of the nearest passage
    timings_ms: dict[str, float] = field(default_factory=dict)
    vector: list[float] = field(default_factory=list)  # the query's embedding


def _in_order(record: tuple[Chunk, Any]) -> tuple[str, int, str]:
    c = record[0]
    return c.doc_id, c.position, c.id


def _unit_rows(vectors: Sequence[Any]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


class HybridRetriever:
    def __init__(
        self, store: ChunkStore, embedder: Embedder, vocabulary: Vocabulary | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.vocabulary = vocabulary or default_vocabulary()
        self.reload()

    def reload(self) -> None:
        """Read the live index's records and build the lexical indexes over them."""
        # Records in a fixed order (the store's order depends on the index's history), so that
        # ties break the same way in every copy of the same corpus.
        exact = self.store.count() <= EXACT_MAX
        found = sorted(self.store.iter_records(with_embeddings=exact, kind="passage"),
                       key=_in_order)
        passages = [c for c, _ in found]
        # A corpus of this size is searched exactly in memory: no approximate graph whose
        # shape depends on insertion order, and no store round trip. A large one goes to Chroma.
        self._passage_matrix = _unit_rows([v for _, v in found]) if exact else None
        asked = sorted(self.store.iter_records(with_embeddings=True, kind="question"),
                       key=_in_order)
        questions = [c for c, _ in asked]
        self._question_matrix = _unit_rows([v for _, v in asked])
        self.passages = passages
        self.questions = questions
        self.by_id = {c.id: c for c in passages}
        # The pinpoints each passage cites ("reg 18", "para 9.14"), for questions that name one.
        self.cites: dict[tuple[str, str], list[str]] = defaultdict(list)
        for c in passages:
            for ref in references(" ".join(c.authorities) + " " + c.text):
                self.cites[ref].append(c.id)
        self.doc_passages: dict[str, list[Chunk]] = defaultdict(list)
        for c in passages:
            self.doc_passages[c.doc_id].append(c)
        self._bm25 = self._index([f"{c.title} {c.section} {c.text}" for c in passages])
        self._q_bm25 = self._index([c.text for c in questions])
        df: dict[str, int] = defaultdict(int)
        for c in passages:
            for t in set(terms(f"{c.title} {c.section} {c.text}")):
                df[t] += 1
        n = max(len(passages), 1)
        self.idf = {t: float(np.log((n + 1) / (d + 0.5))) for t, d in df.items()}
        self.default_idf = float(np.log((n + 1) / 0.5))

    @property
    def passage_matrix(self) -> np.ndarray | None:
        """The passages' unit vectors, when the corpus is small enough to hold in memory."""
        return self._passage_matrix

    def _nearest_questions(self, vector: Sequence[float], k: int) -> list[tuple[Chunk, float]]:
        """The k note questions nearest in meaning, with cosine similarity."""
        return self._nearest(self._question_matrix, self.questions, vector, k)

    @staticmethod
    def _nearest(matrix: np.ndarray, records: list[Chunk], vector: Sequence[float], k: int
                 ) -> list[tuple[Chunk, float]]:
        """Exact nearest records by cosine similarity; equal scores keep the records' order."""
        if not records:
            return []
        q = np.asarray(vector, dtype=np.float32)
        sims = matrix @ (q / (np.linalg.norm(q) or 1.0))
        top = np.argsort(-sims, kind="stable")[:k]
        return [(records[i], float(sims[i])) for i in top]

    @staticmethod
    def _index(texts: list[str]) -> bm25s.BM25 | None:
        if not texts:
            return None
        index = bm25s.BM25()
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        index.index([terms(t) or ["_"] for t in texts], show_progress=False)
        return index

    @staticmethod
    def _lexical(index: bm25s.BM25 | None, query_terms: list[str], k: int, n: int) -> list[int]:
        if index is None or not query_terms or n == 0:
            return []
        docs, scores = index.retrieve([query_terms], k=min(k, n), show_progress=False)
        return [int(d) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def search(
        self,
        question: str,
        vector: Sequence[float] | None = None,
        k: int = 8,
        topic: str | None = None,
    ) -> Retrieval:
        """The k best passages for `question` (embedded unless its `vector` is given)."""
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        # The embedding model knows synonyms itself; the vocabulary's expansions are for the
        # lexical search, which does not.
        query = self.vocabulary.expand(question)
        vector = list(vector) if vector is not None else self.embedder.embed_query(question)
        t1 = time.perf_counter()
        timings["embed"] = (t1 - t0) * 1000
        if not self.passages:
            return Retrieval([], query, 0.0, timings, list(vector))
        dense = (self._nearest(self._passage_matrix, self.passages, vector, DENSE_K)
                 if self._passage_matrix is not None
                 else self.store.query(vector, min(DENSE_K, len(self.passages)), kind="passage"))
        q_dense = self._nearest_questions(vector, QUESTION_K)
        t2 = time.perf_counter()
        timings["dense"] = (t2 - t1) * 1000
        q_terms = terms(query)
        lexical = self._lexical(self._bm25, q_terms, LEXICAL_K, len(self.passages))
        q_lexical = self._lexical(self._q_bm25, q_terms, QUESTION_K, len(self.questions))
        timings["lexical"] = (time.perf_counter() - t2) * 1000

        t3 = time.perf_counter()
        scores: dict[str, float] = defaultdict(float)
        dense_sim = {c.id: s for c, s in dense}
        for rank, (c, _) in enumerate(dense, 1):
            scores[c.id] += WEIGHTS["dense"] / (RRF_K + rank)
        lexical_rank: dict[str, int] = {}
        for rank, i in enumerate(lexical, 1):
            cid = self.passages[i].id
            lexical_rank[cid] = rank
            scores[cid] += WEIGHTS["lexical"] / (RRF_K + rank)

        def best_passage_of(doc_id: str) -> str | None:
            candidates = self.doc_passages.get(doc_id) or []
            if not candidates:
                return None
            return min(
                (c.id for c in candidates),
                key=lambda cid: (
                    -dense_sim.get(cid, -1.0),
                    lexical_rank.get(cid, 10**6),
                ),
            )

        seen_docs: set[str] = set()
        for rank, (c, _) in enumerate(q_dense, 1):
            if c.doc_id in seen_docs:
                continue
            seen_docs.add(c.doc_id)
            target = best_passage_of(c.doc_id)
            if target:
                scores[target] += WEIGHTS["q_dense"] / (RRF_K + rank)
        seen_docs.clear()
        for rank, i in enumerate(q_lexical, 1):
            c = self.questions[i]
            if c.doc_id in seen_docs:
                continue
            seen_docs.add(c.doc_id)
            target = best_passage_of(c.doc_id)
            if target:
                scores[target] += WEIGHTS["q_lexical"] / (RRF_K + rank)

        # Helpline staff name the law ("reg 18 deadlines", "CoP 9.14"): passages citing it rank
        # as one more list, best meaning-match first.
        cited = {cid for ref in references(question) for cid in self.cites.get(ref, [])}
        by_meaning = sorted(cited, key=lambda cid: -dense_sim.get(cid, -1.0))
        for rank, cid in enumerate(by_meaning, 1):
            scores[cid] += WEIGHTS["reference"] / (RRF_K + rank)

        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        out: list[Passage] = []
        for cid, score in ranked:
            chunk = self.by_id.get(cid)
            if chunk is None or (topic and topic not in chunk.topics):
                continue
            out.append(Passage(chunk, score, len(out) + 1))
            if len(out) >= k:
                break
        timings["fuse"] = (time.perf_counter() - t3) * 1000
        best = max((s for _, s in dense), default=0.0)
        return Retrieval(out, query, best, timings, list(vector))
