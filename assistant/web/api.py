"""The JSON API: `POST /api/ask`, `POST /api/search` and `GET /healthz`.

Engine calls are CPU-bound, so they run in the thread pool and the event loop stays free.
Errors are `{"error": message}`; `app.py` maps the exceptions raised here to status codes.
Every text field of a request has a length limit and must be text that can be encoded (no
lone surrogates, as a JSON "\\ud800" escape can carry).
"""

# No `from __future__ import annotations`: the endpoints' request models are classes made in
# `api_router` (their question limit is a setting), and FastAPI resolves a string annotation
# only against module globals.

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool

from assistant import deadlines as dl
from assistant import tools
from assistant.errors import QuestionError
from assistant.letters import fill, load_letters, to_docx
from assistant.types import AnswerKind, Citation, Signpost
from assistant.web.service import AnswerEngine, WebService, passage_dict, sources, topics

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Turns of conversation history accepted (the engine reads the last few).
MAX_TURNS = 20
#: Longest accepted turn of history (answers run longer than questions).
MAX_TURN_CHARS = 20_000
#: Longest id accepted (topics, source documents, letters): the longest in use is about 50.
MAX_ID_CHARS = 100
#: Longest deadline kind (the longest rule name is about 20) and written date.
MAX_KIND_CHARS = 40
MAX_DATE_CHARS = 60
#: The validation error for text that cannot be encoded (`app.py` words the reply).
UNREADABLE = "text_unreadable"
UNREADABLE_MESSAGE = ("holds characters that cannot be read (a broken emoji or symbol); "
                      "please retype it")


def _encodable(value: object) -> object:
    """Refuse a string holding lone surrogates: it cannot be encoded, so it could be neither
    logged, answered nor put in a letter."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError(UNREADABLE, UNREADABLE_MESSAGE) from None
    return value


#: Every text field of a request: checked before its type and length.
Text = Annotated[str, BeforeValidator(_encodable)]
#: Short fields carry their limit on the string itself, inside the check (a `max_length` on
#: `X | None`, or outside the validator, is counted as "items" with a confusing message).
IdText = Annotated[str, Field(max_length=MAX_ID_CHARS), BeforeValidator(_encodable)]
DateText = Annotated[str, Field(max_length=MAX_DATE_CHARS), BeforeValidator(_encodable)]


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=MAX_TURN_CHARS)


class AskFields(Strict):
    question: Text = Field(description="The question, in words (at most SEND_MAX_QUESTION_CHARS).")
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS,
                                description="Earlier turns of the conversation, oldest first.")
    include_passages: bool = Field(False, description="Also return the retrieved passages.")


class SearchFields(Strict):
    query: Text = Field(description="What to search for (at most SEND_MAX_QUESTION_CHARS).")
    k: int = Field(8, ge=1, le=50, description="How many passages to return.")
    topic: IdText | None = Field(None, description="Only passages tagged with this topic.")
    doc_id: IdText | None = Field(None, description="Only passages from this source document.")


class DeadlineRequest(Strict):
    kind: Text = Field(max_length=MAX_KIND_CHARS,
                       description="Which deadline: " + ", ".join(dl.RULES) + ".")
    date: DateText = Field(description="The start date as people write it: '3 March 2026', "
                           "'03/03/2026' (read the UK way), 'last Tuesday'.")
    certificate: DateText | None = Field(
        None, description="For an appeal: the mediation certificate's date.")
    today: DateText | None = Field(
        None, description="Count as if today were this date (default: today).")


class DeadlineOut(BaseModel):
    kind: str
    label: str
    period: str
    authority: str
    doc_id: str
    start: str
    due: str = Field(description="ISO date.")
    due_text: str
    passed: bool
    notes: list[str]
    exceptions: str


class DeadlinesOut(BaseModel):
    deadlines: list[DeadlineOut] = Field(description="The one asked for, then those that follow.")
    assumed: list[str] = Field(description="How the dates given were read.")


class LetterFields(Strict):
    id: Text = Field(max_length=MAX_ID_CHARS, description="Which letter (see GET /api/letters).")
    question: Text = Field("", description="The user's words, to fill it from "
                           "(at most SEND_MAX_QUESTION_CHARS).")
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS)
    format: Literal["txt", "docx", "json"] = "txt"


class LetterOut(BaseModel):
    id: str
    title: str
    summary: str
    authorities: list[str]


class PassageOut(BaseModel):
    rank: int
    score: float
    id: str
    doc_id: str
    title: str
    section: str
    authorities: list[str]
    url: str
    text: str


class AnswerOut(BaseModel):
    kind: AnswerKind
    text: str
    # The engine's own dataclasses: the schema follows them, with no copy to keep in step.
    citations: list[Citation]
    signposts: list[Signpost]
    timings_ms: dict[str, float]
    tool: str | None = None
    deadlines: list[DeadlineOut] | None = None
    letter: dict[str, Any] | None = None
    passages: list[PassageOut] | None = None


class SearchOut(BaseModel):
    passages: list[PassageOut]


class HealthOut(BaseModel):
    ready: bool
    status: Literal["ready", "loading", "unavailable"]
    chunks: int = Field(description="Passages in the index.")
    documents: int
    cards: int = Field(0, description="Answer cards in the index.")
    generation: str | None = Field(None, description="The index generation being served; it "
                                   "changes when a newly ingested index is switched in.")
    model: str = Field(description="The embedding model the index was built with.")
    error: str | None = None
    warm_up_ms: int | None = Field(None, description="How long the warm-up answer at start-up "
                                   "took; the server takes requests only after it.")


class ErrorOut(BaseModel):
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut,
          "description": "Unusable input (empty, too long, unreadable characters, not JSON)"},
    413: {"model": ErrorOut, "description": "Request body too large"},
    422: {"model": ErrorOut, "description": "Missing fields or wrong types"},
    429: {"model": ErrorOut, "description": "Rate limit reached; see Retry-After"},
    500: {"model": ErrorOut, "description": "Unexpected error (no details are given)"},
    503: {"model": ErrorOut, "description": "Busy, starting up, or no index; see Retry-After"},
}


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def api_router(service: WebService) -> APIRouter:
    router = APIRouter()
    templates = load_letters()
    limit = service.settings.max_question_chars

    # The requests whose text is a question, limited to SEND_MAX_QUESTION_CHARS.
    class AskRequest(AskFields):
        question: Text = Field(max_length=limit, description="The question, in words.")

    class SearchRequest(SearchFields):
        query: Text = Field(max_length=limit, description="What to search for.")

    class LetterRequest(LetterFields):
        question: Text = Field("", max_length=limit,
                               description="The user's words, to fill it from.")

    @router.post("/api/ask", response_model=None, responses={200: {"model": AnswerOut}, **ERRORS},
                 summary="Answer a question, with numbered citations and signposts")
    async def ask(body: AskRequest, request: Request) -> JSONResponse:
        question = service.clean_question(body.question)
        history = [t.model_dump() for t in body.history]
        async with service.slot_async(client_key(request)) as engine:
            result = await run_in_threadpool(service.answer, engine, question, history)
        return JSONResponse(result.to_dict(include_passages=body.include_passages))

    @router.post("/api/search", response_model=None,
                 responses={200: {"model": SearchOut}, **ERRORS},
                 summary="Ranked passages for a query, optionally filtered")
    async def search(body: SearchRequest, request: Request) -> JSONResponse:
        query = service.clean_question(body.query)
        async with service.slot_async(client_key(request)) as engine:
            _check_filters(engine, body)
            found = await run_in_threadpool(service.search, engine, query, body.k, body.topic,
                                            body.doc_id)
        return JSONResponse({"passages": [passage_dict(p) for p in found]})

    @router.post("/api/deadline", response_model=None,
                 responses={200: {"model": DeadlinesOut}, **ERRORS},
                 summary="Statutory deadlines from a start date, each with the rule that sets it")
    async def deadline(body: DeadlineRequest) -> JSONResponse:
        today = dl.parse_date(body.today, date.today()).value if body.today else date.today()
        start = dl.parse_date(body.date, today)
        certificate = dl.parse_date(body.certificate, today) if body.certificate else None
        found = tools.deadlines_from(body.kind, start.value, today,
                                     certificate.value if certificate else None)
        assumed = [p.assumed for p in (start, certificate) if p is not None and p.assumed]
        return JSONResponse({"deadlines": [d.to_dict() for d in found], "assumed": assumed})

    @router.get("/api/letters", response_model=None,
                responses={200: {"model": list[LetterOut]}},
                summary="The model letters on offer")
    async def letters() -> JSONResponse:
        return JSONResponse([{"id": t.id, "title": t.title, "summary": t.summary,
                              "authorities": list(t.authorities)} for t in templates.values()])

    @router.post("/api/letter", response_model=None,
                 responses={200: {"content": {"text/plain": {}, DOCX: {}}}, **ERRORS},
                 summary="A model letter, filled from the user's own words, as .txt or .docx")
    async def letter(body: LetterRequest) -> Response:
        template = templates.get(body.id)
        if template is None:
            raise QuestionError("There is no letter with that id. Letters: "
                                + ", ".join(templates) + ".")
        filled = fill(template, body.question, [t.model_dump() for t in body.history],
                      date.today())
        if body.format == "json":
            return JSONResponse(filled.to_dict())
        content, media = ((to_docx(filled), DOCX) if body.format == "docx"
                          else (filled.text.encode("utf-8"), "text/plain; charset=utf-8"))
        name = filled.filename(body.format)
        # Built in memory and sent once: a letter may hold a child's name, so it is not kept
        # (every /api/ reply is also marked Cache-Control: no-store by SecurityHeaders).
        return Response(content, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})

    @router.get("/healthz", response_model=None,
                responses={200: {"model": HealthOut}, 503: {"model": HealthOut}},
                summary="Index size, model id and whether the assistant is ready")
    async def healthz() -> JSONResponse:
        health = service.provider.health()
        return JSONResponse(health, status_code=200 if health["ready"] else 503)

    return router


def _check_filters(engine: AnswerEngine, body: SearchFields) -> None:
    if body.topic and body.topic not in topics(engine):
        raise QuestionError("There is no such topic. Topics: " + ", ".join(topics(engine)) + ".")
    if body.doc_id and body.doc_id not in {d for _, d in sources(engine)}:
        raise QuestionError("There is no source document with that doc_id.")
