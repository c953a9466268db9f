"""`answer(question, history) -> Answer`: the one function the CLI, web app, API and evals call.

One road through the code, in stages that pass one read-once `Query`:
read (`assistant.query`) → route (`assistant.route`: calculator, card, not-covered topic,
closest passages, off topic, not found) → compose (`assistant.compose`, or an LLM when one is
configured, validated) → finish (`assistant.finish`: safeguarding first, letter, signposts,
disclaimer).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from assistant import compose, tools
from assistant.cards import CardIndex
from assistant.embeddings import Embedder, load_embedder
from assistant.errors import QuestionError
from assistant.finish import Finisher, contact
from assistant.forms import without_opening
from assistant.gates import check_question
from assistant.knobs import Knobs, default_knobs
from assistant.letters import LetterTemplate, load_letters
from assistant.nations import default_nations
from assistant.not_covered import NotCovered, load_topics
from assistant.privacy import redact
from assistant.query import Query, Reader
from assistant.retrieve import HybridRetriever, Retrieval
from assistant.route import Route, Router
from assistant.safeguarding import RiskBank
from assistant.settings import Settings
from assistant.signposts import Signposts, load_signposts
from assistant.spelling import Speller
from assistant.store import ChunkStore, IndexInfo
from assistant.types import Answer, Passage, Suggestion

log = logging.getLogger(__name__)

History = Sequence[Mapping[str, str]]
#: Follow-up suggestions shown under an answer.
MAX_SUGGESTIONS = 3


class Engine:
    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        cards: CardIndex,
        signposts: Signposts,
        composer: Any = None,
        letters: Mapping[str, LetterTemplate] | None = None,
        today: Callable[[], date] = date.today,
        knobs: Knobs | None = None,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.cards = cards
        self.signposts = signposts
        self.composer = composer  # an optional LLM composer (assistant.llm.LLMComposer)
        self.letters = load_letters() if letters is None else letters
        self.knobs = knobs or default_knobs()
        embedder = retriever.embedder
        nations = default_nations()
        texts = [c.text for c in retriever.passages] + [c.title for c in retriever.passages]
        texts += [w for card in cards.cards.values() for w in card.wordings]
        self.reader = Reader(embedder, Speller(texts), retriever.vocabulary, nations,
                             RiskBank(embedder, self.knobs, [cards.matrix]), cards, self.letters,
                             today)
        topics = NotCovered(load_topics(settings.not_covered_path), embedder)
        self.router = Router(cards, retriever, topics, self.knobs)
        self.finisher = Finisher(signposts, nations, retriever.doc_passages)

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, composer: Any = None,
        store: ChunkStore | None = None,
    ) -> Engine:
        """The engine over the generation of the index that is live now (it keeps reading that
        generation: a server switches by building a new engine, see `web.service`)."""
        embedder = embedder or load_embedder(settings)
        store = (store or ChunkStore.open(settings)).snapshot()
        store.require(IndexInfo(settings.embedding_model_id, embedder.dim, settings.chunk_tokens))
        if composer is None and settings.llm_provider != "none":
            from assistant.llm import LLMComposer

            composer = LLMComposer.from_settings(settings)
        retriever = HybridRetriever(store, embedder)
        cards = CardIndex(store.iter_records(with_embeddings=True, kind="card"))
        return cls(settings, retriever, cards, load_signposts(settings.signposts_path), composer)

    @property
    def generation(self) -> str | None:
        """The index generation this engine answers from."""
        return self.retriever.store.generation

    def use_knobs(self, knobs: Knobs) -> None:
        """Answer with other knob values from now on (the eval's sweeps replay cases so)."""
        self.knobs = self.router.knobs = self.reader.risk.knobs = knobs

    @property
    def today(self) -> Callable[[], date]:
        """What the engine takes to be today (for the deadline calculator and letters)."""
        return self.reader.today

    @today.setter
    def today(self, today: Callable[[], date]) -> None:
        self.reader.today = today

    # -- the main path ------------------------------------------------------------------------

    def read(self, question: str, history: History | None = None) -> Query:
        return self.reader.read(question, history or ())

    def retrieve(self, question: str, history: History | None = None, k: int = 8,
                 topic: str | None = None) -> Retrieval:
        """Ranked passages for a question (the helpline's search), read as `answer` reads it."""
        q = self.read(question, history)
        return self.retriever.search(q.search, q.search_vector, k=k, topic=topic)

    def answer_stream(self, question: object, history: History | None = None
                      ) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the complete Answer (always last).

        With an LLM configured its tokens stream as they come; the final Answer is the
        validated reply (or the grounded one, when the LLM's reply does not pass).
        """
        pieces: list[str] = []
        result = self.answer(question, history, on_token=pieces.append)
        if pieces:
            yield from pieces
        else:
            yield from stream_text(result)
        yield result

    def answer(self, question: object, history: History | None = None,
               on_token: Callable[[str], None] | None = None) -> Answer:
        started = time.perf_counter()
        try:
            text = check_question(question, self.settings.max_question_chars)
        except QuestionError as exc:
            return Answer("not_found", str(exc), timings_ms={"total": 0.0})
        q = self.read(text, history)
        t = time.perf_counter()
        timings = {"read": (t - started) * 1000}
        result = self._reply(q, on_token)
        timings["reply"] = (time.perf_counter() - t) * 1000
        result = self.finisher.finish(result, q)
        timings["total"] = (time.perf_counter() - started) * 1000
        result.timings_ms = {**result.timings_ms, **timings}
        log.info("answered kind=%s in %.1f ms", result.kind, timings["total"])
        if self.settings.log_questions:
            log.info("question (SEND_LOG_QUESTIONS is on): %r", redact(text))
        return result

    def _reply(self, q: Query, on_token: Callable[[str], None] | None) -> Answer:
        if q.empty:
            return self.finisher.not_found(steering=True)
        if q.nation:
            return self.finisher.nation(q.nation)
        route = self.router.route(q)
        result = self._compose(q, route, on_token)
        result.trace = {**route.trace, **result.trace,
                        "risk": round(q.risk.risk, 4), "risk_words": q.risk.by_words}
        result.passages = route.retrieval.passages
        return result

    def _compose(self, q: Query, route: Route, on_token: Callable[[str], None] | None
                 ) -> Answer:
        f = self.finisher
        if route.kind == "deadline":
            return self._deadline(q)
        if route.kind == "not_covered" and route.topic:
            topic = route.topic.topic
            where = self.signposts.get(*topic.signposts)
            text = "\n".join([topic.reply, "For this, try:", *(f"- {contact(s)}" for s in where)])
            return Answer("not_found", text, signposts=where)
        if route.kind == "off_topic":
            return f.off_topic()
        if route.kind == "not_found":
            return f.not_found(steering=q.hostile)
        if route.kind == "card" and route.card:
            card = route.card.card
            draft = compose.card_reply(route.card, route.keep_yes_no, self.retriever.doc_passages,
                                       route.second)
            docs = [card.doc_id] + ([route.second.card.doc_id] if route.second else [])
            result = Answer("answer", draft.text, draft.citations, f.answer_signposts(docs),
                            card=card.id, answering=card.q,
                            suggestions=self._suggestions(card.next))
        else:
            draft = compose.closest_reply(route.retrieval.passages)
            result = Answer("answer", draft.text, draft.citations,
                            f.answer_signposts([c.doc_id for c in draft.citations]))
        if self.composer is not None and not q.risk.at_risk:
            result = self._with_llm(q, route, result, on_token)
        return result

    def _with_llm(self, q: Query, route: Route, grounded: Answer,
                  on_token: Callable[[str], None] | None) -> Answer:
        """The configured LLM's reply from the cited passages first, then the retrieved ones;
        the grounded reply when the LLM's does not pass validation."""
        cited = {c.passage_id for c in grounded.citations}
        first = [Passage(c, 1.0, i) for i, c in enumerate(
            (c for d in self.retriever.doc_passages.values() for c in d if c.id in cited), 1)]
        rest = [p for p in route.retrieval.passages if p.chunk.id not in cited]
        direct = "none"
        if route.card:
            answer = route.card.card.answer
            direct = answer if route.keep_yes_no else without_opening(answer)
        return self.composer.compose(q.text, [*first, *rest], fallback=grounded,
                                     on_token=on_token, direct=direct)

    def _suggestions(self, ids: Sequence[str]) -> list[Suggestion]:
        out = [Suggestion(c.id, c.q) for i in ids if (c := self.cards.get(i))]
        return out[:MAX_SUGGESTIONS]

    def _deadline(self, q: Query) -> Answer:
        """The statutory dates, worked out from the date the message gives."""
        assert q.deadline_kind and q.start is not None
        reply = tools.deadline_reply(q.deadline_kind, q.start, self.today(),
                                     self.retriever.doc_passages, q.certificate)
        ids = ["sendiass", *(["ipsea", "send-tribunal"] if q.deadline_kind == "appeal" else [])]
        return Answer("answer", reply.text, reply.citations, self.signposts.get(*ids),
                      tool="deadline", deadlines=reply.deadlines)


def stream_text(result: Answer, words_per_piece: int = 4) -> Iterator[str]:
    """The answer's text in growing pieces, for interfaces that show it as it arrives."""
    parts = re.split(r"(\s+)", result.text)
    step = max(1, words_per_piece * 2)
    for i in range(0, len(parts), step):
        yield "".join(parts[i : i + step])


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine(settings: Settings | None = None) -> Engine:
    """The process's engine, built from the environment on first use."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine.from_settings(settings or Settings.from_env())
        return _engine


def answer(question: str, history: History | None = None) -> Answer:
    """Answer one question, given the conversation so far (list of {role, content})."""
    return get_engine().answer(question, history)
