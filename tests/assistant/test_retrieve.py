"""Retrieval gives the same ranking for the same records, whatever order the index holds them
in, and searches a small corpus exactly in memory (a large one through Chroma)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import retrieve
from assistant.retrieve import HybridRetriever
from assistant.settings import Settings
from assistant.store import ChunkStore, IndexInfo
from ingest.pipeline import Summary, build_chunks, load_all
from tests.conftest import CORPUS, FakeEmbedder

QUERIES = [
    "How long does the council have to decide whether to assess?",
    "Can the school charge me for one-to-one support?",
    "What goes in an EHC plan?",
    "When must the plan name a secondary school?",
]


def store_with(tmp_path: Path, name: str, reverse: bool) -> ChunkStore:
    embedder = FakeEmbedder()
    chunks = build_chunks(load_all([CORPUS], Summary()), 200)
    if reverse:
        chunks = chunks[::-1]
    settings = Settings(index_dir=tmp_path / name, embedding_model_id=FakeEmbedder.model_id)
    store = ChunkStore.open(settings)
    gen = store.begin(IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, 200))
    gen.add(chunks, embedder.embed_documents([c.text for c in chunks]))
    gen.commit(expected=len(chunks))
    return store


def ranking(retriever: HybridRetriever, query: str) -> list[tuple[str, float]]:
    found = retriever.search(query)
    return [(p.chunk.id, round(p.score, 9)) for p in found.passages]


@pytest.mark.slow
def test_the_order_records_were_written_in_changes_nothing(tmp_path: Path) -> None:
    forward = HybridRetriever(store_with(tmp_path, "a", False), FakeEmbedder())
    backward = HybridRetriever(store_with(tmp_path, "b", True), FakeEmbedder())
    assert forward._passage_matrix is not None  # small: searched exactly in memory
    for q in QUERIES:
        assert ranking(forward, q) == ranking(backward, q)


@pytest.mark.slow
def test_a_large_index_is_searched_through_chroma_with_the_same_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_with(tmp_path, "a", False)
    exact = HybridRetriever(store, FakeEmbedder())
    monkeypatch.setattr(retrieve, "EXACT_MAX", 10)
    through_chroma = HybridRetriever(store, FakeEmbedder())
    assert through_chroma._passage_matrix is None
    for q in QUERIES:
        top_exact = [cid for cid, _ in ranking(exact, q)][:3]
        top_chroma = [cid for cid, _ in ranking(through_chroma, q)][:3]
        assert top_exact == top_chroma
