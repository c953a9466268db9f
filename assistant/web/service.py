"""The web app's one road to the engine, shared by the API, the chat and the helpline view.

It loads the engine (reporting a missing or mismatched index as "unavailable" rather than
failing), applies the per-client rate limit and the bound on answers in progress (with a short
queue in front of it), redacts contact details before the engine sees a question, and logs
without question text unless SEND_LOG_QUESTIONS is on (and then with names, dates of birth,
addresses, postcodes and NHS numbers redacted too).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Protocol

from assistant.answer import Engine
from assistant.embeddings import Embedder, load_embedder
from assistant.errors import SendAssistantError
from assistant.gates import check_question
from assistant.privacy import Found, redact, redact_echoes, redact_history, redact_personal
from assistant.retrieve import HybridRetriever, Retrieval
from assistant.settings import Settings
from assistant.store import ChunkStore
from assistant.types import Answer, Passage
from assistant.web.limits import AnswerQueue, SlidingWindowLimiter

log = logging.getLogger(__name__)

History = Sequence[dict[str, str]]
STARTING = "The assistant is starting up — please try again in a moment."
UNAVAILABLE = (
    "The guidance the assistant answers from is not available right now. "
    "Please try again later."
)
#: How often a failed engine load (say, no index yet) is tried again, in seconds.
RETRY_SECONDS = 30.0
#: With a source filter, this many passages are searched before filtering.
SEARCH_POOL = 60


class AnswerEngine(Protocol):
    """What the web app needs from `assistant.answer.Engine` (tests pass fakes)."""

    settings: Settings
    retriever: HybridRetriever

    def answer(self, question: object, history: History | None = None) -> Answer: ...

    def answer_stream(self, question: object, history: History | None = None
                      ) -> Iterator[str | Answer]: ...

    def retrieve(self, question: str, history: History | None = None, k: int = 8,
                 topic: str | None = None) -> Retrieval: ...


class Unavailable(Exception):
    """The engine cannot answer yet (starting up, or the index is missing)."""

    status = 503
    retry_after = 30


class EngineProvider:
    """Builds the engine once, then follows the index: when an ingest completes a new
    generation, a new engine is built beside the old one and swapped in at once. A request
    holds the engine it was given, so requests in flight finish on the old one and later ones
    see only the new one. Until the first engine exists, `get` says so at once.
    """

    def __init__(self, settings: Settings, engine: AnswerEngine | None = None,
                 embedder: Embedder | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.error: str | None = None
        self._engine = engine
        self._embedder = embedder
        self._clock = clock
        self._lock = threading.Lock()
        self._loading = False
        self._tried_at = -RETRY_SECONDS
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        #: how long the start-up warm-up answer took (None until it has run)
        self.warm_up_ms: float | None = None
        self._pointer: ChunkStore | None = None
        self.switches = 0

    def load(self) -> None:
        """Build the engine now; a failure is logged, remembered and reported as unavailable."""
        with self._lock:
            if self._engine is not None:
                return
            self._loading = True
            self._tried_at = self._clock()
            try:
                self._engine = self._build()
                self.error = None
            except SendAssistantError as exc:
                self.error = str(exc)
                log.warning("the answer engine is not available: %s", exc)
            except Exception as exc:  # a damaged index raises the store's own errors
                self.error = f"{type(exc).__name__} while opening the index"
                log.exception("the answer engine failed to load")
            finally:
                self._loading = False

    def _build(self) -> Engine:
        self._embedder = self._embedder or load_embedder(self.settings)
        return Engine.from_settings(self.settings, embedder=self._embedder)

    def get(self) -> AnswerEngine:
        """The engine, or Unavailable (and a retry in the background when one is due)."""
        engine = self._engine
        if engine is not None:
            return engine
        if self._loading:
            raise Unavailable(STARTING)
        if self._clock() - self._tried_at >= RETRY_SECONDS and not self._lock.locked():
            threading.Thread(target=self.load, name="engine-load", daemon=True).start()
            raise Unavailable(STARTING)
        raise Unavailable(UNAVAILABLE)

    # -- following the index ----------------------------------------------------------------

    def live_generation(self) -> str | None:
        """The generation the index's pointer names now."""
        if self._pointer is None:
            self._pointer = ChunkStore.open(self.settings)
        return self._pointer.active_name()

    def refresh(self) -> bool:
        """Switch to the live generation if it is newer than the engine's; True if it did."""
        engine = self._engine
        current = getattr(engine, "generation", None)
        if engine is None or current is None:
            return False  # nothing loaded yet, or an engine that follows no index
        live = self.live_generation()
        if not live or live == current:
            return False
        new = self._build()  # beside the old one, which goes on answering meanwhile
        with self._lock:
            self._engine = new
            self.switches += 1
        log.info("switched to index generation %s", new.generation)
        return True

    def watch(self) -> None:
        """Check the index every SEND_WATCH_SECONDS until stopped (a background thread)."""
        while not self._stop.wait(self.settings.watch_seconds):
            try:
                self.refresh()
            except Exception as exc:  # an unreadable index now: keep serving, try again
                log.warning("could not switch to the new index (%s); still serving the "
                            "previous one", type(exc).__name__)

    def start_watching(self) -> None:
        if self.settings.watch_seconds > 0 and self._watcher is None:
            self._stop.clear()
            self._watcher = threading.Thread(target=self.watch, name="index-watch",
                                             daemon=True)
            self._watcher.start()

    def stop_watching(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None

    def health(self) -> dict[str, Any]:
        engine = self._engine
        if engine is None:
            return {"ready": False, "status": "loading" if self._loading else "unavailable",
                    "chunks": 0, "documents": 0, "cards": 0, "generation": None,
                    "model": self.settings.embedding_model_id, "error": self.error,
                    "warm_up_ms": None}
        retriever = engine.retriever
        cards = getattr(engine, "cards", None)
        return {"ready": True, "status": "ready", "chunks": len(retriever.passages),
                "documents": len(retriever.doc_passages),
                "cards": len(cards) if cards is not None else 0,
                "generation": getattr(engine, "generation", None),
                "model": retriever.embedder.model_id, "error": None,
                "warm_up_ms": None if self.warm_up_ms is None else round(self.warm_up_ms)}


class WebService:
    def __init__(self, settings: Settings, provider: EngineProvider) -> None:
        self.settings = settings
        self.provider = provider
        self.limiter = SlidingWindowLimiter(settings.rate_limit_per_minute)
        self.gate = AnswerQueue(settings.max_concurrent_answers, settings.queue_size,
                                settings.queue_wait_seconds)

    def clean_question(self, question: str) -> str:
        """The question as the engine will see it; QuestionError (shown to users) if unusable."""
        return check_question(question, self.settings.max_question_chars)

    @contextmanager
    def slot(self, client: str) -> Iterator[AnswerEngine]:
        """Admit one request from `client` (from a worker thread): rate limit, engine ready,
        an answer slot, waiting up to SEND_QUEUE_WAIT_SECONDS in the queue for one.

        Raises RateLimited, Unavailable or Busy; a request refused as busy or unavailable is
        not counted against the client's rate limit.
        """
        stamp = self.limiter.hit(client)
        try:
            engine = self.provider.get()
            self.gate.acquire()
        except BaseException:
            self.limiter.refund(client, stamp)
            raise
        try:
            yield engine
        finally:
            self.gate.release()

    @asynccontextmanager
    async def slot_async(self, client: str) -> AsyncIterator[AnswerEngine]:
        """As `slot`, for the API's coroutines: the wait in the queue leaves the loop free."""
        stamp = self.limiter.hit(client)
        try:
            engine = self.provider.get()
            await self.gate.acquire_async()
        except BaseException:  # busy, unavailable, or the client went away while waiting
            self.limiter.refund(client, stamp)
            raise
        try:
            yield engine
        finally:
            self.gate.release()

    def answer(self, engine: AnswerEngine, question: str, history: History = ()) -> Answer:
        started = time.perf_counter()
        q, turns = redact(question), redact_history(list(history))
        result = engine.answer(q, turns)
        self._log(question, result, started)
        return result

    def stream(self, engine: AnswerEngine, question: str, history: History = ()
               ) -> Iterator[str | Answer]:
        """Text pieces, then the Answer, as `Engine.answer_stream` gives them."""
        started = time.perf_counter()
        q, turns = redact(question), redact_history(list(history))
        for piece in engine.answer_stream(q, turns):
            if isinstance(piece, Answer):
                self._log(question, piece, started)
            yield piece

    def search(self, engine: AnswerEngine, query: str, k: int = 8, topic: str | None = None,
               doc_id: str | None = None) -> list[Passage]:
        """Ranked passages for a query, optionally from one topic and one source document."""
        pool = max(k, SEARCH_POOL) if doc_id else k
        retrieval = engine.retrieve(redact(query), None, k=pool, topic=topic or None)
        found = [p for p in retrieval.passages if not doc_id or p.chunk.doc_id == doc_id]
        if self.settings.log_questions:
            log.info("search (SEND_LOG_QUESTIONS is on): %r", redact_personal(query))
        return [Passage(p.chunk, p.score, rank) for rank, p in enumerate(found[:k], 1)]

    def _log(self, question: str, result: Answer, started: float) -> None:
        """Kind, citations and time; with SEND_LOG_QUESTIONS, the question and the answer too,
        with personal details taken out of both (the answer may repeat them)."""
        ms = (time.perf_counter() - started) * 1000
        log.info("answered kind=%s citations=%d in %.0f ms", result.kind,
                 len(result.citations), ms)
        if self.settings.log_questions:
            found: Found = []
            log.info("question (SEND_LOG_QUESTIONS is on): %r answer: %r",
                     redact_personal(question, found), redact_echoes(result.text, found))


def topics(engine: AnswerEngine) -> list[str]:
    return sorted({t for c in engine.retriever.passages for t in c.topics})


def sources(engine: AnswerEngine) -> list[tuple[str, str]]:
    """(title, doc_id) of every source document, by title."""
    return sorted({(c.title, c.doc_id) for c in engine.retriever.passages})


def passage_dict(p: Passage) -> dict[str, Any]:
    """A passage as the API returns it (the shape of `Answer.to_dict`'s passages)."""
    c = p.chunk
    return {"rank": p.rank, "score": round(p.score, 5), "id": c.id, "doc_id": c.doc_id,
            "title": c.title, "section": c.section, "authorities": list(c.authorities),
            "url": c.url, "text": c.text}

