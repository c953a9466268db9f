"""Shared fixtures: real parts where cheap (a real Chroma in tmp_path, the packaged model once
per session), and a deterministic fake embedder that implements the real interface."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from assistant.settings import PROJECT_ROOT, Settings  # noqa: E402
from assistant.text import terms  # noqa: E402
from evals.bench_serve import free_port, stop_process  # noqa: E402

SHARED = PROJECT_ROOT.parent / "shared"
CORPUS = PROJECT_ROOT / "corpus"


class FakeEmbedder:
    """Bag-of-stems hashed into 64 dimensions, normalised: similar words, similar vectors.

    Deterministic and instant, so store and pipeline tests do not need the real model.
    """

    model_id = "fake-embedder"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.texts_embedded = 0

    def _vector(self, text: str) -> list[float]:
        v = [0.0] * self.dim
        for t in terms(text) or ["empty"]:
            h = int(hashlib.md5(t.encode()).hexdigest(), 16)
            v[h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
        norm = math.sqrt(sum(x * x for x in v)) or 1.0
        return [x / norm for x in v]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.texts_embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty index in tmp_path, with the fake model's id."""
    return Settings(
        index_dir=tmp_path / "index",
        embedding_model_id=FakeEmbedder.model_id,
        source_paths=(CORPUS,),
    )


@pytest.fixture(scope="session")
def real_embedder() -> Iterator[object]:
    """The packaged all-MiniLM-L6-v2, loaded once for the whole run."""
    from assistant.embeddings import load_embedder

    yield load_embedder(Settings())


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not present (the shared material sits beside the project)")
    return SHARED


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, real_embedder: object) -> Settings:
    """Settings for an index of the real corpus built once per run with the real model."""
    from assistant.store import ChunkStore
    from ingest.pipeline import run_ingest

    s = Settings(index_dir=tmp_path_factory.mktemp("corpus-index"), source_paths=(CORPUS,))
    run_ingest([CORPUS], s, ChunkStore.open(s), lambda: real_embedder)  # type: ignore[arg-type,return-value]
    return s


@pytest.fixture(scope="session")
def engine(corpus_settings: Settings, real_embedder: object) -> object:
    """The real answer engine over the real corpus."""
    from assistant.answer import Engine

    return Engine.from_settings(corpus_settings, embedder=real_embedder)  # type: ignore[arg-type]


# -- a real Chroma server (`chroma run`) on a free loopback port ------------------------------

CHROMA = Path(sys.executable).with_name("chroma")
GUARD_SECONDS = 60  # only so a server that never comes up cannot hang the run


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
            return "heartbeat" in next(iter(json.loads(r.read())))
    except OSError:
        return False


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    binary = CHROMA if CHROMA.exists() else shutil.which("chroma")
    if not binary:
        pytest.skip(f"the chroma server binary is not installed (looked for {CHROMA})")
    port = free_port()
    log = open(tmp_path / "chroma.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(binary), "run", "--host", "127.0.0.1", "--port", str(port),
         "--path", str(tmp_path / "server-data")],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + GUARD_SECONDS
        while not heartbeat(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("chroma run did not come up:\n"
                            + (tmp_path / "chroma.log").read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        yield port
    finally:
        stop_process(proc, timeout=20)
        log.close()
