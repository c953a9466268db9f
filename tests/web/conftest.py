"""Web fixtures: the app over the real engine, a blocking fake engine, a live uvicorn server."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.answer import Engine, History
from assistant.settings import Settings
from assistant.types import Answer
from assistant.web import warmup
from assistant.web.app import build_app
from evals.bench_serve import free_port


class BlockingEngine(Engine):
    """The real engine; `answer` waits until the test releases it (except the warm-up's)."""

    def __init__(self, real: Engine) -> None:
        # The real engine's parts as they are: building them again takes seconds.
        self.__dict__.update(real.__dict__)
        self.started = threading.Event()
        self.release = threading.Event()

    def answer(self, question: object, history: History | None = None,
               on_token: Callable[[str], None] | None = None) -> Answer:
        if question == warmup.QUESTION:  # the start-up warm-up is answered at once
            return Answer("not_found", "Warmed up.")
        self.started.set()
        self.release.wait(timeout=30)
        return Answer("not_found", "Released.")


@pytest.fixture
def web_settings(corpus_settings: Settings) -> Settings:
    """The corpus index, with limits high enough not to get in a test's way, and a short wait
    in the answer queue so that a test of "busy" is quick."""
    return corpus_settings.with_(rate_limit_per_minute=10_000, max_concurrent_answers=8,
                                 queue_wait_seconds=0.5)


@pytest.fixture
def make_client(engine: Engine, web_settings: Settings
                ) -> Iterator[Callable[..., TestClient]]:
    """Build a TestClient over the real engine with some settings changed."""
    clients: list[TestClient] = []

    def make(ui: bool = False, eng: Any = None, **changes: Any) -> TestClient:
        app = build_app(web_settings.with_(**changes), engine=eng or engine, ui=ui)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


class LiveServer:
    """uvicorn serving an app on a free loopback port in a thread; always stopped."""

    def __init__(self, app: FastAPI, settings: Settings | None = None) -> None:
        import uvicorn

        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, access_log=False,
                                log_config=None, timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(corpus_settings: Settings, engine: Engine) -> Iterator[LiveServer]:
    """The whole app (API, chat, helpline) over the real engine, on a real port."""
    settings = corpus_settings.with_(rate_limit_per_minute=10_000, max_concurrent_answers=16)
    with LiveServer(build_app(settings, engine=engine), settings) as server:
        yield server
