"""Two small ASGI middlewares: a catch-all that turns any unexpected error into a plain JSON 500
(never a stack trace), and a cap on the size of API request bodies."""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Something went wrong on our side. Please try again in a moment."
TOO_LARGE = "The request is too large."
#: API request bodies beyond this many bytes are refused with 413.
MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(Exception):
    pass


async def send_json(send: Send, status: int, body: dict[str, str]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


class CatchAll:
    """Unexpected errors become `{"error": ...}` with 500; the details go to the log only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_json(send, 413, {"error": TOO_LARGE})
        except Exception:
            log.exception("unexpected error answering %s %s", scope["method"], scope["path"])
            if not started:
                await send_json(send, 500, {"error": INTERNAL_ERROR})


class BodyLimit:
    """Refuse API request bodies larger than `limit` bytes (declared or as they arrive)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, prefix: str = "/api/") -> None:
        self.app = app
        self.limit = limit
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.limit:
            await send_json(send, 413, {"error": TOO_LARGE})
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise BodyTooLarge
            return message

        await self.app(scope, counting_receive, send)
