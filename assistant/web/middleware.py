"""Small ASGI middlewares: a catch-all that turns any unexpected error into a plain JSON 500
(never a stack trace), a cap on the size of API request bodies, the client address the limits
count against, and the security headers every response carries."""

from __future__ import annotations

import json
import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.web.limits import ClientKeys

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


class ClientAddress:
    """Replace the request's client address with the one the limits count against (see
    `ClientKeys`), so the API and the Gradio views (which read `request.client`) agree."""

    def __init__(self, app: ASGIApp, keys: ClientKeys) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer, port = scope.get("client") or (None, 0)
            forwarded = ", ".join(Headers(scope=scope).getlist("x-forwarded-for"))
            scope = {**scope, "client": (self.keys.key(peer, forwarded), port)}
        await self.app(scope, receive, send)


#: Plugins and <base> are never needed; the Gradio pages need inline scripts and styles and
#: build functions from strings (gr.HTML's js_on_load), so script-src and style-src are left
#: open rather than set to values that would only read 'unsafe-inline' 'unsafe-eval'.
CSP = "frame-ancestors {ancestors}; object-src 'none'; base-uri 'self'"


class SecurityHeaders:
    """Every response: a Content-Security-Policy (the chat under `framed` may be framed by
    `frame_ancestors`, everything else by this site only), nosniff and no-referrer. API
    replies (`no_store`), which carry answers, passages and letters, are never cached."""

    def __init__(self, app: ASGIApp, frame_ancestors: str = "*", framed: str = "/chat",
                 no_store: str = "/api/") -> None:
        self.app = app
        self.framed = framed
        self.no_store = no_store
        common = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
        self.framed_headers = [*common, (b"content-security-policy",
                                         CSP.format(ancestors=frame_ancestors).encode())]
        self.own_headers = [*common, (b"content-security-policy",
                                      CSP.format(ancestors="'self'").encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        framed = path == self.framed or path.startswith(self.framed + "/")
        extra = list(self.framed_headers if framed else self.own_headers)
        if path.startswith(self.no_store):
            extra.append((b"cache-control", b"no-store"))
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
