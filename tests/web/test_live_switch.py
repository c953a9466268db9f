"""A running server follows the index: an ingest in another process completes a new generation,
the server switches to it within seconds, and no answer mixes the two (embedded, through
Chroma for a large index, and against a Chroma server)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from assistant import retrieve
from assistant.settings import Settings
from assistant.web.app import build_app
from evals.bench_serve import free_port
from tests.conftest import CORPUS
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.slow

SEND = Path(sys.executable).with_name("send-assistant")
OLD = ["local-offer", "six-week-decision-to-assess", "tribunal-appeals"]
NEW = ["medicines-at-school", "six-week-decision-to-assess", "tribunal-appeals"]
QUESTION = "What is the local offer?"
SWITCH_SECONDS = 90  # a bound for a slow machine; the switch is checked every 0.5 s


def corpus(folder: Path, notes: list[str]) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for n in notes:
        shutil.copy(CORPUS / f"{n}.md", folder / f"{n}.md")
    return folder


def ingest(folder: Path, env: dict[str, str]) -> None:
    """`send-assistant ingest` in another process, as an operator would run it."""
    done = subprocess.run([str(SEND), "ingest", "--no-progress", str(folder)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def ask(url: str, question: str) -> dict[str, Any]:
    r = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=60)
    assert r.status_code == 200, r.text
    return dict(r.json())


def cited(reply: dict[str, Any]) -> set[str]:
    return {c["doc_id"] for c in reply["citations"]}


def generation(url: str) -> str:
    return str(httpx.get(f"{url}/healthz", timeout=10).json()["generation"])


def run_switch(settings: Settings, env: dict[str, str], tmp_path: Path, embedder: Any) -> None:
    ingest(corpus(tmp_path / "old", OLD), env)
    app = build_app(settings.with_(watch_seconds=0.5, rate_limit_per_minute=0),
                    embedder=embedder, ui=False)
    with LiveServer(app) as server:
        before = generation(server.url)
        assert "local-offer" in cited(ask(server.url, QUESTION))
        replies: list[set[str]] = []
        stop = threading.Event()

        def hammer() -> None:  # answers keep coming while the ingest and the switch happen
            while not stop.is_set():
                replies.append(cited(ask(server.url, QUESTION)))

        worker = threading.Thread(target=hammer, daemon=True)
        worker.start()
        try:
            ingest(corpus(tmp_path / "old", NEW), env)  # the same folder, changed
            deadline = time.monotonic() + SWITCH_SECONDS
            while generation(server.url) == before:
                assert time.monotonic() < deadline, "the server never switched"
                time.sleep(0.5)
        finally:
            stop.set()
            worker.join(timeout=60)
        health = httpx.get(f"{server.url}/healthz", timeout=10).json()
        assert health["documents"] == len(NEW) and health["generation"] != before
        after = ask(server.url, QUESTION)
        assert "local-offer" not in cited(after)  # the removed note is no longer cited
        medicine = ask(server.url, "Can the school refuse to give my child their prescribed "
                                   "medicine?")
        assert medicine["card"] == "medicines-school-refuse"
    # Never mixed: once an answer came from the new corpus, none came from the old one, and no
    # answer cited notes of both.
    seen_new = False
    for docs in replies:
        assert not ({"local-offer"} <= docs and docs & (set(NEW) - set(OLD)))
        if "local-offer" not in docs:
            seen_new = True
        assert not (seen_new and "local-offer" in docs), replies


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {**os.environ, "SEND_INDEX_DIR": str(tmp_path / "index"), "SEND_CHROMA_HOST": ""}


def test_the_server_switches_to_a_newly_ingested_index(
        tmp_path: Path, env: dict[str, str], real_embedder: Any) -> None:
    settings = Settings(index_dir=tmp_path / "index", source_paths=(tmp_path / "old",))
    run_switch(settings, env, tmp_path, real_embedder)


def test_a_large_index_switches_too(tmp_path: Path, env: dict[str, str], real_embedder: Any,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # Above EXACT_MAX records dense search goes through Chroma: it must query the generation
    # the engine was built from, not whatever the pointer says now.
    monkeypatch.setattr(retrieve, "EXACT_MAX", 10)
    settings = Settings(index_dir=tmp_path / "index", source_paths=(tmp_path / "old",))
    run_switch(settings, env, tmp_path, real_embedder)


def test_the_switch_works_against_a_chroma_server(
        tmp_path: Path, chroma_server: int, real_embedder: Any) -> None:
    env = {**os.environ, "SEND_CHROMA_HOST": "127.0.0.1", "SEND_CHROMA_PORT": str(chroma_server)}
    settings = Settings(chroma_host="127.0.0.1", chroma_port=chroma_server,
                        index_dir=tmp_path / "unused")
    run_switch(settings, env, tmp_path, real_embedder)


def test_several_workers_against_a_chroma_server_all_answer_and_switch(
        tmp_path: Path, chroma_server: int) -> None:
    env = {**os.environ, "SEND_CHROMA_HOST": "127.0.0.1", "SEND_CHROMA_PORT": str(chroma_server),
           "SEND_WATCH_SECONDS": "0.5", "SEND_RATE_LIMIT_PER_MINUTE": "0"}
    ingest(corpus(tmp_path / "old", OLD), env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([str(SEND), "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SWITCH_SECONDS * 2
        while not _ready(url):
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
            time.sleep(0.5)
        before = {generation(url) for _ in range(10)}
        assert len(before) == 1 and "local-offer" in cited(ask(url, QUESTION))
        ingest(corpus(tmp_path / "old", NEW), env)
        # Each request goes to whichever worker accepts it first: 20 new-generation replies in
        # a row mean both workers have switched (by chance alone: one in half a million).
        streak = 0
        while streak < 20:
            assert time.monotonic() < deadline, "not every worker switched"
            streak = streak + 1 if generation(url) not in before else 0
            if not streak:
                time.sleep(0.2)
        for _ in range(6):
            assert "local-offer" not in cited(ask(url, QUESTION))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/healthz", timeout=2).json().get("ready"))
    except (httpx.HTTPError, ValueError):
        return False


def test_several_workers_need_a_chroma_server(tmp_path: Path) -> None:
    env = {**os.environ, "SEND_INDEX_DIR": str(tmp_path / "index"), "SEND_CHROMA_HOST": ""}
    done = subprocess.run([str(SEND), "serve", "--workers", "2"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "needs a Chroma server" in done.stderr and "SEND_CHROMA_HOST" in done.stderr
