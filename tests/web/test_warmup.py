"""The warm-up at start-up: the server answers, searches and renders once before it takes its
first request, so that a person's first question does not pay for what is done once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.answer import Engine
from assistant.web import warmup

pytestmark = pytest.mark.slow


class Recording:
    """The real engine, noting each call it is given."""

    def __init__(self, real: Engine) -> None:
        self.real = real
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def answer(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("answer")
        return self.real.answer(*args, **kwargs)

    def retrieve(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("retrieve")
        return self.real.retrieve(*args, **kwargs)


def test_the_server_warms_up_before_its_first_request(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    recording = Recording(engine)
    client = make_client(eng=recording)
    # Start-up has finished (the client entered the app's lifespan) and no request was made:
    # the warm-up has already answered and searched once.
    assert recording.calls == ["answer", "retrieve"]
    health = client.get("/healthz").json()
    assert health["ready"] is True and isinstance(health["warm_up_ms"], int)
    assert health["warm_up_ms"] >= 0


class Failing(Recording):
    def answer(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the warm-up question failed")


def test_a_failed_warm_up_does_not_stop_the_server(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    client = make_client(eng=Failing(engine))
    health = client.get("/healthz").json()
    assert health["ready"] is True and health["warm_up_ms"] is None
    assert client.post("/api/search", json={"query": warmup.QUESTION}).status_code == 200
