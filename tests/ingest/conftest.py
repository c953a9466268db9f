"""Fixtures for the ingest tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ingest.cli
from tests.conftest import FakeEmbedder


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean environment whose index is in tmp_path, and the fake model behind the command;
    the index folder."""
    for name in list(os.environ):
        if name.startswith("SEND_"):
            monkeypatch.delenv(name)
    index = tmp_path / "index"
    monkeypatch.setenv("SEND_INDEX_DIR", str(index))
    monkeypatch.setenv("SEND_EMBEDDING_MODEL_ID", FakeEmbedder.model_id)
    monkeypatch.setattr(ingest.cli, "load_embedder", lambda settings: FakeEmbedder())
    return index
