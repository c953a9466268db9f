"""Abuse limits shared by the API and the chat: a per-client rate limit and a bound on how many
answers are computed at once. Both answer at once, never by making a request wait."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

BUSY_MESSAGE = "The assistant is busy right now — please try again in a moment."
RATE_MESSAGE = (
    "You have asked a lot of questions in the last minute. Please wait {seconds} seconds "
    "and try again."
)
#: Past this many remembered clients, those with no recent requests are forgotten.
MAX_CLIENTS = 10_000


class LimitExceeded(Exception):
    """A request refused by a limit; `status` and `retry_after` are for the HTTP reply."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(LimitExceeded):
    status = 429


class Busy(LimitExceeded):
    status = 503


class SlidingWindowLimiter:
    """At most `limit` requests per client in any `window` seconds (0 turns the limit off)."""

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count one request from `client`, or raise RateLimited without counting it."""
        if self.limit <= 0:
            return
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                wait = max(1, math.ceil(hits[0] + self.window - now))
                raise RateLimited(RATE_MESSAGE.format(seconds=wait), wait)
            hits.append(now)
            if len(self._hits) > MAX_CLIENTS:
                self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]


class ConcurrencyGate:
    """At most `limit` answers in progress; one more is refused at once with Busy."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            if self.active >= self.limit:
                raise Busy(BUSY_MESSAGE, 2)
            self.active += 1

    def release(self) -> None:
        with self._lock:
            self.active = max(0, self.active - 1)
