"""`build_app(settings)`: the FastAPI app with the API, the parents' chat at /chat/, the helpline
look-up at /helpline/ and the embedding demo at /embed-demo.

The app is handed its engine (tests) or builds one at start-up; with no index it still starts
and answers 503 until one exists.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from assistant.deadlines import DeadlineError
from assistant.embeddings import Embedder
from assistant.errors import QuestionError
from assistant.settings import Settings
from assistant.web.api import UNREADABLE, UNREADABLE_MESSAGE, api_router
from assistant.web.docs import add_docs
from assistant.web.limits import ClientKeys, LimitExceeded
from assistant.web.middleware import BodyLimit, CatchAll, ClientAddress, SecurityHeaders
from assistant.web.service import AnswerEngine, EngineProvider, Unavailable, WebService
from assistant.web.warmup import warm_up

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
CHAT_PATH = "/chat"
HELPLINE_PATH = "/helpline"


def build_app(settings: Settings, engine: AnswerEngine | None = None,
              embedder: Embedder | None = None, ui: bool = True) -> FastAPI:
    """The whole web app. `engine` skips loading one; `ui=False` leaves out the Gradio views."""
    service = WebService(settings, EngineProvider(settings, engine=engine, embedder=embedder))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(service.provider.load)
        # The first question must not pay for what is still done once, on first use.
        service.provider.warm_up_ms = await run_in_threadpool(warm_up, service)
        service.provider.start_watching()
        try:
            yield
        finally:
            service.provider.stop_watching()

    app = FastAPI(title="SEND assistant", version="1", lifespan=lifespan, redoc_url=None,
                  docs_url=None, description="Cited answers about SEND support in English schools.")
    add_docs(app)  # Swagger UI from a package, so /docs works with no internet
    app.state.service = service
    _add_error_handlers(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(ClientAddress, keys=ClientKeys(settings.trusted_proxies))
    app.add_middleware(CatchAll)
    # Outermost, so that even a 500 or 413 from the layers inside carries the headers.
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors,
                       framed=CHAT_PATH)
    app.include_router(api_router(service))
    _add_pages(app)
    if ui:
        from assistant.web.ui import mount_views

        mount_views(app, service, CHAT_PATH, HELPLINE_PATH)
    return app


def create_app() -> FastAPI:
    """The app from the environment's settings: what each `serve --workers N` process runs."""
    return build_app(Settings.from_env())


def _add_pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{CHAT_PATH}/")

    @app.get("/embed-demo", include_in_schema=False)
    async def embed_demo() -> FileResponse:
        return FileResponse(STATIC / "embed-demo.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def error(status: int, message: str, retry_after: int | None = None,
          headers: Mapping[str, str] | None = None) -> JSONResponse:
    headers = {**(headers or {}), **({"Retry-After": str(retry_after)} if retry_after else {})}
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


#: Validation errors that mean "this text cannot be used as sent" (400), not a malformed
#: request (422): too long, or holding characters that cannot be read.
TEXT_ERRORS = {"string_too_long", UNREADABLE, "string_unicode"}


def _explain(error: Mapping[str, Any]) -> str:
    """One validation error, where and what, without echoing the input (it may hold
    personal details)."""
    where = ".".join(str(x) for x in error.get("loc", ()) if x != "body") or "body"
    kind = error.get("type")
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return f"{where} is too long; the limit is {limit:,} characters"
    if kind in (UNREADABLE, "string_unicode"):
        return f"{where}: {UNREADABLE_MESSAGE}"
    return f"{where}: {error.get('msg', 'invalid')}"


def _validation_reply(exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return error(400, "The request body is not valid JSON.")
    status = 400 if all(e.get("type") in TEXT_ERRORS for e in errors) else 422
    return error(status, "Invalid request — " + "; ".join(_explain(e) for e in errors[:5]))


def _add_error_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return _validation_reply(exc)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, str(exc.detail), headers=exc.headers)  # 405: Allow

    async def on_question(request: Request, exc: Exception) -> JSONResponse:
        return error(400, str(exc))

    async def on_limit(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, LimitExceeded)
        return error(exc.status, str(exc), exc.retry_after)

    async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return error(Unavailable.status, str(exc), Unavailable.retry_after)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(QuestionError, on_question)
    app.add_exception_handler(DeadlineError, on_question)
    app.add_exception_handler(LimitExceeded, on_limit)
    app.add_exception_handler(Unavailable, on_unavailable)
