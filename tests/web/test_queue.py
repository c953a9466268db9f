"""Fair limits over HTTP: requests queue for an answer slot instead of being refused, a "busy"
reply does not spend the client's allowance, and X-Forwarded-For counts only from a trusted
proxy (through TestClient, and through a real uvicorn, which applies the header itself)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.answer import Engine, History
from assistant.settings import Settings
from assistant.types import Answer
from assistant.web.app import build_app
from assistant.web.limits import BUSY_MESSAGE, ClientKeys
from assistant.web.middleware import ClientAddress
from tests.web.conftest import BlockingEngine, LiveServer

QUESTION = "How long does the council have to decide whether to carry out an EHC assessment?"


class SlowEngine(Engine):
    """The real engine's parts; each answer takes `seconds` (CPU-bound answers, in effect)."""

    def __init__(self, real: Engine, seconds: float) -> None:
        self.__dict__.update(real.__dict__)  # the real engine's parts, not built again
        self.seconds = seconds

    def answer(self, question: object, history: History | None = None,
               on_token: Callable[[str], None] | None = None) -> Answer:
        time.sleep(self.seconds)
        return Answer("not_found", "Slow.")


def _gate(client: TestClient) -> Any:
    return client.app.state.service.gate  # type: ignore[attr-defined]


def test_parallel_requests_queue_and_all_count_once(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    # Before the queue: 10 at once with 8 slots gave 8 answers and 2 "busy" replies, and all
    # 10 were counted, so the client was then refused for a minute.
    client = make_client(eng=SlowEngine(engine, 0.2), rate_limit_per_minute=10,
                         max_concurrent_answers=2, queue_size=32, queue_wait_seconds=5)
    with ThreadPoolExecutor(10) as pool:
        replies = list(pool.map(lambda _: client.post("/api/ask", json={"question": QUESTION}),
                                range(10)))
    assert [r.status_code for r in replies] == [200] * 10
    refused = client.post("/api/ask", json={"question": QUESTION})
    assert refused.status_code == 429  # the allowance is 10 a minute, and 10 were answered


def test_a_queued_request_is_answered_when_a_slot_frees(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    blocking = BlockingEngine(engine)
    client = make_client(eng=blocking, max_concurrent_answers=1, queue_size=4,
                         queue_wait_seconds=10)
    replies: dict[str, Any] = {}
    first = threading.Thread(target=lambda: replies.update(
        first=client.post("/api/ask", json={"question": QUESTION})))
    first.start()
    assert blocking.started.wait(10)
    second = threading.Thread(target=lambda: replies.update(
        second=client.post("/api/search", json={"query": "annual review"})))
    second.start()
    deadline = time.monotonic() + 10
    while _gate(client).waiting < 1:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert client.get("/healthz").status_code == 200  # the loop is free while it waits
    blocking.release.set()
    first.join(10)
    second.join(10)
    assert replies["first"].status_code == 200 and replies["second"].status_code == 200
    assert _gate(client).active == 0 and _gate(client).waiting == 0


def test_beyond_the_queue_the_reply_is_busy_at_once(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    blocking = BlockingEngine(engine)
    client = make_client(eng=blocking, max_concurrent_answers=1, queue_size=1,
                         queue_wait_seconds=10)
    threads = [threading.Thread(target=lambda: client.post("/api/ask",
                                                          json={"question": QUESTION}))
               for _ in range(2)]
    try:
        threads[0].start()
        assert blocking.started.wait(10)
        threads[1].start()
        deadline = time.monotonic() + 10
        while _gate(client).waiting < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        t0 = time.perf_counter()
        busy = client.post("/api/ask", json={"question": QUESTION})
        assert time.perf_counter() - t0 < 2
        assert busy.status_code == 503 and busy.json() == {"error": BUSY_MESSAGE}
        assert busy.headers["retry-after"] == "2"
    finally:
        blocking.release.set()
        for t in threads:
            t.join(10)


def test_a_wait_that_runs_out_is_busy_and_costs_nothing(
        engine: Engine, make_client: Callable[..., TestClient]) -> None:
    blocking = BlockingEngine(engine)
    client = make_client(eng=blocking, max_concurrent_answers=1, queue_size=4,
                         queue_wait_seconds=0.2, rate_limit_per_minute=3)
    worker = threading.Thread(target=lambda: client.post("/api/ask",
                                                        json={"question": QUESTION}))
    try:
        worker.start()
        assert blocking.started.wait(10)
        for _ in range(4):
            r = client.post("/api/search", json={"query": "annual review"})
            assert r.status_code == 503 and r.headers["retry-after"] == "2"
    finally:
        blocking.release.set()
        worker.join(10)
    # One request answered; the four busy replies were not counted against the three.
    for _ in range(2):
        assert client.post("/api/search", json={"query": "annual review"}).status_code == 200
    assert client.post("/api/search", json={"query": "annual review"}).status_code == 429


# -- X-Forwarded-For --------------------------------------------------------------------------


def _from_peer(engine: Engine, settings: Settings, peer: str) -> TestClient:
    return TestClient(build_app(settings, engine=engine, ui=False), client=(peer, 40000),
                      raise_server_exceptions=False)


def _search(client: TestClient, forwarded_for: str) -> int:
    return client.post("/api/search", json={"query": "annual review"},
                       headers={"X-Forwarded-For": forwarded_for}).status_code


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
        engine: Engine, web_settings: Settings) -> None:
    settings = web_settings.with_(rate_limit_per_minute=2)
    with _from_peer(engine, settings, "203.0.113.7") as direct:
        statuses = [_search(direct, f"198.51.100.{n}") for n in range(4)]
    assert statuses == [200, 200, 429, 429]  # a new header each time gains nothing


def test_a_trusted_proxy_names_each_client(engine: Engine, web_settings: Settings) -> None:
    settings = web_settings.with_(rate_limit_per_minute=2, trusted_proxies=("10.0.0.5",))
    with _from_peer(engine, settings, "10.0.0.5") as proxy:
        assert [_search(proxy, "198.51.100.1") for _ in range(3)] == [200, 200, 429]
        assert _search(proxy, "198.51.100.2") == 200  # another client behind the proxy
        # What the client itself wrote before the proxy's entry does not count.
        assert _search(proxy, "192.0.2.99, 198.51.100.1") == 429


@pytest.mark.slow
def test_under_uvicorn_rotating_forwarded_for_from_loopback_is_still_limited(
        engine: Engine, web_settings: Settings) -> None:
    # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise, and rewrites the
    # client address before the app sees it; with no trusted proxies the app undoes that.
    app = build_app(web_settings.with_(rate_limit_per_minute=2), engine=engine, ui=False)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        statuses = [http.post("/api/search", json={"query": "annual review"},
                              headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code
                    for n in range(4)]
    assert statuses == [200, 200, 429, 429]


def test_the_views_see_the_same_client_as_the_api() -> None:
    """ClientAddress rewrites the scope itself, so a mounted Gradio view's `request.client`
    (HTTP and websocket alike) is the key the limits use."""
    seen: list[tuple[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["type"], scope.get("client")))

    middleware = ClientAddress(app, ClientKeys(["10.0.0.5"]))
    headers = [(b"x-forwarded-for", b"192.0.2.1, 198.51.100.1")]
    for kind in ("http", "websocket"):
        asyncio.run(middleware({"type": kind, "client": ("10.0.0.5", 4000),
                                "headers": headers}, None, None))
    asyncio.run(middleware({"type": "http", "client": ("203.0.113.7", 4000),
                            "headers": headers}, None, None))
    asyncio.run(middleware({"type": "lifespan"}, None, None))
    assert seen == [("http", ("198.51.100.1", 4000)), ("websocket", ("198.51.100.1", 4000)),
                    ("http", ("203.0.113.7", 4000)), ("lifespan", None)]
