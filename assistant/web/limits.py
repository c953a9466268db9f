"""Abuse limits shared by the API and the chat: a per-client rate limit, a bound on how many
answers are computed at once with a short, bounded queue in front of it, and who counts as a
client (`ClientKeys`, for requests through a reverse proxy).

A request refused for being busy is not counted against its client's rate limit: `hit` returns
a stamp that `refund` takes back.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

BUSY_MESSAGE = "The assistant is busy right now — please try again in a moment."
RATE_MESSAGE = (
    "You have asked a lot of questions in the last minute. Please wait {seconds} seconds "
    "and try again."
)
#: Past this many remembered clients, those with no recent requests are forgotten.
MAX_CLIENTS = 10_000
#: Seconds a client told "busy" is asked to wait before trying again (Retry-After).
BUSY_RETRY_AFTER = 2


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

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE, BUSY_RETRY_AFTER)


class SlidingWindowLimiter:
    """At most `limit` requests per client in any `window` seconds (0 turns the limit off)."""

    def __init__(self, limit: int, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, client: str) -> float | None:
        """Count one request from `client` and return its stamp (for `refund`), or raise
        RateLimited without counting it. None when the limit is off."""
        if self.limit <= 0:
            return None
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
            return now

    def refund(self, client: str, stamp: float | None) -> None:
        """Take back a request counted by `hit` that was then refused (busy, unavailable)."""
        if stamp is None:
            return
        with self._lock:
            hits = self._hits.get(client)
            if hits and stamp in hits:
                hits.remove(stamp)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
            del self._hits[key]


class _Waiter:
    """One request waiting for an answer slot; `grant` hands it one (from any thread)."""

    def __init__(self) -> None:
        self.granted = False

    def grant(self) -> bool:
        self.granted = True
        return True


class _ThreadWaiter(_Waiter):
    def __init__(self) -> None:
        super().__init__()
        self.event = threading.Event()

    def grant(self) -> bool:
        self.granted = True
        self.event.set()
        return True


class _TaskWaiter(_Waiter):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.loop = loop
        self.future: asyncio.Future[None] = loop.create_future()

    def _wake(self) -> None:
        if not self.future.done():
            self.future.set_result(None)

    def grant(self) -> bool:
        try:
            self.loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            return False
        self.granted = True
        return True


class AnswerQueue:
    """At most `limit` answers in progress. When all are taken, up to `size` more requests
    wait, first come first served, at most `wait` seconds each for a slot; anything beyond
    that (or a wait that runs out) is refused with Busy.

    Threads (the Gradio views) wait with `acquire`, coroutines (the API) with
    `acquire_async`; both share the same slots and the same queue. Every successful acquire
    must be matched by one `release`.
    """

    def __init__(self, limit: int, size: int = 0, wait: float = 0.0) -> None:
        self.limit = limit
        self.size = size
        self.wait = wait
        self.active = 0
        self._waiters: deque[_Waiter] = deque()
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    def _enter(self, make: Callable[[], _Waiter]) -> _Waiter | None:
        """None if a slot was free (taken now); else the queued waiter, or Busy."""
        with self._lock:
            if self.active < self.limit and not self._waiters:
                self.active += 1
                return None
            if len(self._waiters) >= self.size or self.wait <= 0:
                raise Busy()
            waiter = make()
            self._waiters.append(waiter)
            return waiter

    def _give_up(self, waiter: _Waiter) -> bool:
        """Leave the queue; True if a slot was handed over meanwhile (the caller now holds it)."""
        with self._lock:
            if waiter.granted:
                return True
            self._waiters.remove(waiter)
            return False

    def acquire(self) -> None:
        """Take a slot, waiting in the queue if need be; Busy if there is no room or no time."""
        waiter = self._enter(_ThreadWaiter)
        if waiter is None:
            return
        assert isinstance(waiter, _ThreadWaiter)
        if waiter.event.wait(self.wait) or self._give_up(waiter):
            return
        raise Busy()

    async def acquire_async(self) -> None:
        """As `acquire`, without blocking the event loop. A cancelled wait holds no slot."""
        loop = asyncio.get_running_loop()
        waiter = self._enter(lambda: _TaskWaiter(loop))
        if waiter is None:
            return
        assert isinstance(waiter, _TaskWaiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), self.wait)
            return
        except TimeoutError:
            pass
        except asyncio.CancelledError:
            if self._give_up(waiter):
                self.release()  # handed a slot as the client went away: pass it on
            raise
        if not self._give_up(waiter):
            raise Busy()

    def release(self) -> None:
        """Free a slot: the longest waiter gets it, else it goes back to the pool."""
        with self._lock:
            while self._waiters:
                if self._waiters.popleft().grant():
                    return
            self.active = max(0, self.active - 1)


#: The peer taken to be behind a server that has already applied X-Forwarded-For (below).
LOOPBACK = "127.0.0.1"
#: Longest client key kept: a forwarded "address" is whatever the header says.
MAX_KEY_CHARS = 64


def _host(hop: str) -> str:
    """The address in one X-Forwarded-For entry, without brackets or port."""
    hop = hop.strip()
    if hop.startswith("["):
        return hop[1:hop.find("]")] if "]" in hop else hop
    return hop.rsplit(":", 1)[0] if hop.count(":") == 1 else hop


class ClientKeys:
    """Who a request counts against for the limits: the direct peer, unless that peer is one
    of the trusted proxies (SEND_TRUSTED_PROXIES), when it is the nearest address in
    X-Forwarded-For that is not itself a trusted proxy.

    uvicorn (and so `send-assistant serve`) applies X-Forwarded-For itself before the app sees
    the request, for peers it trusts: by default 127.0.0.1 and ::1 (`forwarded_allow_ips`,
    or the FORWARDED_ALLOW_IPS variable), unless it runs with `proxy_headers=False`. Then the
    real peer is lost and the reported one is the address the header named; such a request is
    counted as coming from loopback, so a local client rotating X-Forwarded-For gains
    nothing unless loopback is a trusted proxy here too.
    """

    def __init__(self, trusted: Sequence[str] = ()) -> None:
        self.networks = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def trusts(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def key(self, peer: str | None, forwarded_for: str | None = None) -> str:
        """The client key for a request from `peer` carrying these X-Forwarded-For values
        (joined with commas, the nearest proxy's entry last)."""
        hops = [h for h in (_host(x) for x in (forwarded_for or "").split(",")) if h]
        peer = peer or "unknown"
        if hops and peer == _applied_by_server(hops):
            peer = LOOPBACK
        if not hops or not self.trusts(peer):
            return peer
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop[:MAX_KEY_CHARS]
        return hops[0][:MAX_KEY_CHARS]


#: The peers uvicorn trusts by default (its `forwarded_allow_ips`).
_SERVER_TRUSTS = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}


def _applied_by_server(hops: list[str]) -> str:
    """The address uvicorn, with its default trust, reports for these hops: the nearest one
    it does not trust, or the first when it trusts them all."""
    for hop in reversed(hops):
        try:
            if ipaddress.ip_address(hop) in _SERVER_TRUSTS:
                continue
        except ValueError:
            pass
        return hop
    return hops[0]
