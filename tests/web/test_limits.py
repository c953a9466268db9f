import pytest

from assistant.web.limits import Busy, ConcurrencyGate, RateLimited, SlidingWindowLimiter


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


def test_zero_turns_the_limit_off() -> None:
    limiter = SlidingWindowLimiter(0)
    for _ in range(1000):
        limiter.hit("a")


def test_the_gate_refuses_at_once_when_full() -> None:
    gate = ConcurrencyGate(2)
    gate.acquire()
    gate.acquire()
    with pytest.raises(Busy) as refused:
        gate.acquire()
    assert refused.value.status == 503 and "try again in a moment" in str(refused.value)
    gate.release()
    gate.acquire()
    assert gate.active == 2
