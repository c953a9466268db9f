"""Ingest into a real Chroma server (`chroma run`) through the HTTP client, then query it back:
the set-up several processes use to share one index."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import StoreUnavailableError
from assistant.settings import Settings
from assistant.store import ChunkStore, IndexInfo
from evals.bench_serve import free_port
from ingest.pipeline import run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import copy_notes, expected_ids, stored_ids

pytestmark = pytest.mark.slow


def test_ingest_into_a_chroma_server_and_query_it_back(
    chroma_server: int, tmp_path: Path
) -> None:
    corpus = copy_notes(tmp_path / "corpus", ["local-offer", "tribunal-appeals", "senco-role"])
    settings = Settings(
        index_dir=tmp_path / "unused-local-index",
        chroma_host="127.0.0.1",
        chroma_port=chroma_server,
        embedding_model_id=FakeEmbedder.model_id,
    )
    embedder = FakeEmbedder()
    summary = run_ingest([corpus], settings, ChunkStore.open(settings), lambda: embedder)
    assert summary.written and sorted(summary.added) == ["local-offer", "senco-role",
                                                          "tribunal-appeals"]

    # A second client, as another process would open it.
    store = ChunkStore.open(settings)
    assert "127.0.0.1" in store.where()
    assert stored_ids(store) == expected_ids([corpus], settings.chunk_tokens)
    store.require(IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, settings.chunk_tokens))
    [(best, score)] = store.query(
        embedder.embed_query("appeal to the tribunal within 2 months of the decision letter"),
        k=1)
    assert best.doc_id == "tribunal-appeals" and best.kind == "passage" and score > 0.3
    assert not (tmp_path / "unused-local-index").exists()  # nothing went to an embedded index

    # Incremental against the server too: nothing changed, nothing embedded.
    again = FakeEmbedder()
    assert not run_ingest([corpus], settings, store, lambda: again).written
    assert again.texts_embedded == 0


def test_an_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(StoreUnavailableError, match="Cannot reach the Chroma server"):
        ChunkStore.open(settings)
