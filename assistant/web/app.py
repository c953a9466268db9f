"""`build_app(settings)`: the FastAPI app with the API, the parents' chat at /chat/, the helpline
look-up at /helpline/ and the embedding demo at /embed-demo.

The app is handed its engine (tests) or builds one at start-up; with no index it still starts
and answers 503 until one exists.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

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
from assistant.web.api import api_router
from assistant.web.limits import LimitExceeded
from assistant.web.middleware import BodyLimit, CatchAll
from assistant.web.service import AnswerEngine, EngineProvider, Unavailable, WebService

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
        yield

    app = FastAPI(title="SEND assistant", version="1", lifespan=lifespan, redoc_url=None,
                  description="Cited answers about SEND support in English schools.")
    app.state.service = service
    _add_error_handlers(app)
    app.add_middleware(BodyLimit)
    app.add_middleware(CatchAll)
    app.include_router(api_router(service))
    _add_pages(app)
    if ui:
        from assistant.web.ui import mount_views

        mount_views(app, service, CHAT_PATH, HELPLINE_PATH)
    return app


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


def error(status: int, message: str, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _validation_message(exc: RequestValidationError) -> str:
    """Where and what, without echoing the input (it may hold personal details)."""
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "Invalid request — " + "; ".join(parts)


def _add_error_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return error(400, "The request body is not valid JSON.")
        return error(422, _validation_message(exc))

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return error(exc.status_code, str(exc.detail))

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
