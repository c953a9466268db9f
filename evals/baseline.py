"""A textbook RAG on the same corpus, for comparison: fixed 1,000-character chunks, dense
retrieval only, and the top passage as the answer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.embeddings import Embedder
from assistant.types import Answer, Chunk, Citation, Passage
from ingest.pipeline import Summary, load_all

CHUNK_CHARS = 1000


@dataclass
class TextbookRAG:
    chunks: list[Chunk]
    matrix: np.ndarray
    embedder: Embedder

    @classmethod
    def build(cls, paths: Sequence[Path], embedder: Embedder) -> TextbookRAG:
        docs = load_all(paths, Summary())
        chunks: list[Chunk] = []
        for d in docs:
            body = re.sub(r"\s+", " ", d.text).strip()
            for i in range(0, len(body), CHUNK_CHARS):
                chunks.append(Chunk(id=f"{d.doc_id}:{i}", text=body[i : i + CHUNK_CHARS],
                                    doc_id=d.doc_id, title=d.title, authorities=d.authorities,
                                    url=d.url, position=i // CHUNK_CHARS))
        vectors = np.asarray(embedder.embed_documents([c.text for c in chunks]), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
        return cls(chunks, vectors, embedder)

    def answer(self, question: str, history: list[dict[str, str]] | None = None) -> Answer:
        q = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        scores = self.matrix @ (q / (np.linalg.norm(q) + 1e-12))
        order = np.argsort(-scores)[:10]
        passages = [Passage(self.chunks[i], float(scores[i]), r)
                    for r, i in enumerate(order, 1)]
        top = passages[0].chunk
        citation = Citation(1, top.doc_id, top.title, "", list(top.authorities), top.url, top.text)
        return Answer("answer", f"{top.text} [1]", [citation], passages=passages)
