"""The limits on their own: the sliding window (on a fake clock), the answer queue (threads and
coroutines) and who counts as a client behind proxies."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from assistant.settings import Settings
from assistant.web.limits import (
    BUSY_MESSAGE,
    AnswerQueue,
    Busy,
    ClientKeys,
    RateLimited,
    SlidingWindowLimiter,
)
from assistant.web.service import EngineProvider, Unavailable, WebService
from tests.conftest import FakeEmbedder


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_limits_each_client_separately() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(3, window=60, clock=clock)
    for _ in range(3):
        limiter.hit("a")
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a")
    assert refused.value.status == 429 and refused.value.retry_after == 60
    assert "wait 60 seconds" in str(refused.value)
    limiter.hit("b")  # another client is unaffected


def test_the_window_slides() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, window=60, clock=clock)
    limiter.hit("a")
    clock.now += 30
    limiter.hit("a")
    clock.now += 29
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a")
    assert refused.value.retry_after == 1
    clock.now += 1.5  # the first request has left the window; the second has not
    limiter.hit("a")
    with pytest.raises(RateLimited):
        limiter.hit("a")


def test_a_refused_request_is_not_counted() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(1, window=60, clock=clock)
    limiter.hit("a")
    for _ in range(5):
        with pytest.raises(RateLimited):
            limiter.hit("a")
    clock.now += 60
    limiter.hit("a")


def test_a_refunded_request_gives_its_allowance_back() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, window=60, clock=clock)
    first = limiter.hit("a")
    clock.now += 1
    second = limiter.hit("a")
    limiter.refund("a", second)
    clock.now += 1
    limiter.hit("a")  # the refunded place is free again
    with pytest.raises(RateLimited) as refused:
        limiter.hit("a")
    assert refused.value.retry_after == 58  # the first request still holds its place
    limiter.refund("a", first)
    limiter.refund("a", first)  # a second refund of the same request changes nothing
    limiter.hit("a")
    with pytest.raises(RateLimited):
        limiter.hit("a")


def test_zero_turns_the_limit_off() -> None:
    limiter = SlidingWindowLimiter(0)
    for _ in range(1000):
        assert limiter.hit("a") is None
    limiter.refund("a", None)


# -- the answer queue ------------------------------------------------------------------------


def test_without_a_queue_the_gate_refuses_at_once_when_full() -> None:
    queue = AnswerQueue(2, size=0, wait=5)
    queue.acquire()
    queue.acquire()
    t0 = time.perf_counter()
    with pytest.raises(Busy) as refused:
        queue.acquire()
    assert time.perf_counter() - t0 < 0.5
    assert refused.value.status == 503 and str(refused.value) == BUSY_MESSAGE
    assert refused.value.retry_after == 2
    queue.release()
    queue.acquire()
    assert queue.active == 2


def _acquire_in_thread(queue: AnswerQueue, results: list[str], name: str) -> threading.Thread:
    def run() -> None:
        try:
            queue.acquire()
            results.append(name)
        except Busy:
            results.append(f"{name} busy")

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_queued_request_takes_the_next_free_slot_in_arrival_order() -> None:
    queue = AnswerQueue(1, size=3, wait=5)
    queue.acquire()
    results: list[str] = []
    threads = []
    for n, name in enumerate(("first", "second", "third"), 1):
        threads.append(_acquire_in_thread(queue, results, name))
        _wait_for(lambda n=n: queue.waiting == n)
    for expected in ("first", "second", "third"):
        queue.release()
        _wait_for(lambda e=expected: e in results)
    for t in threads:
        t.join(5)
    assert results == ["first", "second", "third"]
    assert queue.active == 1 and queue.waiting == 0
    queue.release()
    assert queue.active == 0


def test_beyond_the_queue_busy_comes_at_once() -> None:
    queue = AnswerQueue(1, size=1, wait=5)
    queue.acquire()
    results: list[str] = []
    waiter = _acquire_in_thread(queue, results, "waiter")
    _wait_for(lambda: queue.waiting == 1)
    t0 = time.perf_counter()
    with pytest.raises(Busy):
        queue.acquire()
    assert time.perf_counter() - t0 < 0.5
    queue.release()
    waiter.join(5)
    assert results == ["waiter"]


def test_a_wait_that_runs_out_is_busy_and_leaves_the_queue() -> None:
    queue = AnswerQueue(1, size=4, wait=0.1)
    queue.acquire()
    t0 = time.perf_counter()
    with pytest.raises(Busy):
        queue.acquire()
    assert 0.09 <= time.perf_counter() - t0 < 2
    assert queue.waiting == 0 and queue.active == 1
    queue.release()
    assert queue.active == 0
    queue.acquire()  # the slot was not lost


def test_coroutines_wait_without_blocking_the_loop() -> None:
    queue = AnswerQueue(1, size=2, wait=5)
    queue.acquire()  # held by a worker thread, say

    async def main() -> list[str]:
        done: list[str] = []

        async def ask() -> None:
            await queue.acquire_async()
            done.append("answered")

        async def tick() -> None:
            for _ in range(5):
                await asyncio.sleep(0.01)
                done.append("tick")

        task = asyncio.create_task(ask())
        await tick()  # the loop runs while `ask` waits
        assert queue.waiting == 1
        threading.Timer(0.05, queue.release).start()  # freed from another thread
        await asyncio.wait_for(task, 5)
        return done

    done = asyncio.run(main())
    assert done == ["tick"] * 5 + ["answered"]
    assert queue.active == 1 and queue.waiting == 0


def test_a_coroutine_whose_wait_runs_out_is_busy() -> None:
    queue = AnswerQueue(1, size=2, wait=0.05)
    queue.acquire()
    with pytest.raises(Busy):
        asyncio.run(queue.acquire_async())
    assert queue.waiting == 0 and queue.active == 1


def test_a_cancelled_wait_holds_no_slot() -> None:
    queue = AnswerQueue(1, size=2, wait=5)
    queue.acquire()

    async def main() -> None:
        task = asyncio.create_task(queue.acquire_async())
        await asyncio.sleep(0.02)
        assert queue.waiting == 1
        task.cancel()  # the client went away
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert queue.waiting == 0
    queue.release()
    assert queue.active == 0


# -- the service: a busy or unavailable reply does not spend the allowance --------------------


def _service(**changes: Any) -> WebService:
    settings = Settings().with_(**changes)
    return WebService(settings, EngineProvider(settings, engine=object()))  # type: ignore[arg-type]


def test_busy_replies_do_not_spend_the_rate_limit() -> None:
    service = _service(rate_limit_per_minute=2, max_concurrent_answers=1, queue_size=0)
    with service.slot("someone else"):
        for _ in range(5):
            with pytest.raises(Busy), service.slot("c"):
                pass
    for _ in range(2):
        with service.slot("c"):
            pass
    with pytest.raises(RateLimited), service.slot("c"):
        pass


def test_busy_replies_to_coroutines_do_not_spend_the_rate_limit() -> None:
    service = _service(rate_limit_per_minute=2, max_concurrent_answers=1, queue_size=1,
                       queue_wait_seconds=0.02)

    async def main() -> None:
        async with service.slot_async("someone else"):
            for _ in range(3):
                with pytest.raises(Busy):
                    async with service.slot_async("c"):
                        pass
        for _ in range(2):
            async with service.slot_async("c"):
                pass
        with pytest.raises(RateLimited):
            async with service.slot_async("c"):
                pass

    asyncio.run(main())


def test_unavailable_replies_do_not_spend_the_rate_limit(settings: Settings) -> None:
    s = settings.with_(rate_limit_per_minute=1)
    service = WebService(s, EngineProvider(s, embedder=FakeEmbedder()))
    service.provider.load()  # no index: unavailable
    for _ in range(3):
        with pytest.raises(Unavailable), service.slot("c"):
            pass
    assert service.limiter.hit("c") is not None  # the one allowed request is still there


# -- who counts as a client -------------------------------------------------------------------


def test_with_no_trusted_proxy_the_header_is_ignored() -> None:
    keys = ClientKeys()
    assert keys.key("203.0.113.7") == "203.0.113.7"
    assert keys.key("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert keys.key(None) == "unknown"


def test_a_trusted_proxy_names_the_client() -> None:
    keys = ClientKeys(["10.0.0.5", "192.168.0.0/16"])
    assert keys.key("10.0.0.5", "198.51.100.1") == "198.51.100.1"
    # The nearest address that is not a trusted proxy; what the client wrote before is not.
    assert keys.key("10.0.0.5", "1.1.1.1, 198.51.100.1, 192.168.3.4") == "198.51.100.1"
    assert keys.key("10.0.0.5", "192.168.3.4, 192.168.7.7") == "192.168.3.4"  # all trusted
    assert keys.key("10.0.0.5", "198.51.100.1:5555") == "198.51.100.1"
    assert keys.key("10.0.0.5", "[2001:db8::1]:443") == "2001:db8::1"
    assert keys.key("10.0.0.5", "2001:db8::1") == "2001:db8::1"
    assert keys.key("10.0.0.5") == "10.0.0.5"  # no header: the proxy itself
    assert keys.key("172.16.0.9", "198.51.100.1") == "172.16.0.9"  # not a trusted peer


def test_a_header_already_applied_by_the_server_counts_as_loopback() -> None:
    # uvicorn trusts 127.0.0.1 by default and reports the forwarded address as the peer.
    untrusting = ClientKeys()
    for fake in ("198.51.100.1", "198.51.100.2", "1.1.1.1, 198.51.100.3"):
        assert untrusting.key(fake.split(", ")[-1], fake) == "127.0.0.1"
    # A remote client that adds an address after its own cannot pick its key either.
    assert untrusting.key("203.0.113.7", "203.0.113.7, 198.51.100.1") == "203.0.113.7"
    # Behind nginx on the same host, with loopback trusted, the forwarded client counts.
    behind_nginx = ClientKeys(["127.0.0.1"])
    assert behind_nginx.key("198.51.100.1", "198.51.100.1") == "198.51.100.1"
    # A trusted proxy's own address, forwarded from loopback, does not make the rest count.
    proxied = ClientKeys(["10.0.0.5"])
    assert proxied.key("10.0.0.5", "198.51.100.1, 10.0.0.5") == "127.0.0.1"


@pytest.mark.parametrize(("env", "message"), [
    ({"SEND_QUEUE_SIZE": "-1"}, "SEND_QUEUE_SIZE"),
    ({"SEND_QUEUE_WAIT_SECONDS": "soon"}, "must be a number"),
    ({"SEND_QUEUE_WAIT_SECONDS": "600"}, "between 0 and 30"),
    ({"SEND_TRUSTED_PROXIES": "10.0.0.5, proxy.example"}, "'proxy.example' is neither"),
    ({"SEND_FRAME_ANCESTORS": "* ; script-src *"}, "SEND_FRAME_ANCESTORS"),
    ({"SEND_FRAME_ANCESTORS": "https://a.example,https://b.example"}, "separated by spaces"),
])
def test_limit_settings_are_validated(env: dict[str, str], message: str) -> None:
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_limit_settings_are_read() -> None:
    s = Settings.from_env({"SEND_QUEUE_SIZE": "4", "SEND_QUEUE_WAIT_SECONDS": "0.5",
                           "SEND_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/16",
                           "SEND_FRAME_ANCESTORS": "'self' https://*.example.org"})
    assert (s.queue_size, s.queue_wait_seconds) == (4, 0.5)
    assert s.trusted_proxies == ("10.0.0.5", "192.168.0.0/16")
    assert s.frame_ancestors == "'self' https://*.example.org"
    d = Settings.from_env({})
    assert (d.queue_size, d.queue_wait_seconds, d.trusted_proxies, d.frame_ancestors) == (
        32, 5.0, (), "*")
