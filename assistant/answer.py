"""`answer(question, history) -> Answer`: the one function the CLI, web app, API and evals call.

Order of work: input limits → safeguarding → scope → hostile text → retrieval → support check
→ composition (grounded by default; an LLM only when configured, and validated).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from assistant import compose as grounded
from assistant import tools
from assistant.deadlines import DeadlineError
from assistant.embeddings import Embedder, load_embedder
from assistant.errors import QuestionError
from assistant.gates import SYSTEMS, GateResult, assess, check_question
from assistant.letters import LetterTemplate, load_letters
from assistant.retrieve import HybridRetriever, Retrieval
from assistant.settings import Settings
from assistant.signposts import Signposts, load_signposts
from assistant.store import ChunkStore, IndexInfo
from assistant.types import Answer, Passage, Signpost

log = logging.getLogger(__name__)

#: Below this cosine similarity of the nearest passage, nothing in the guidance is close.
MIN_DENSE = 0.30
#: Share of the question's weighted words the chosen sentences must cover, unless the
#: nearest passage is very close (dense similarity at least STRONG_DENSE).
MIN_COVERAGE = 0.25
STRONG_DENSE = 0.45
#: No sentence of the guidance closer in meaning than this to the question: not covered.
MIN_SENTENCE_SIMILARITY = 0.40
#: Retrieved passages whose sentences the composer considers (before siblings).
CANDIDATES = 5
#: How far below the passage that brought it in a sibling passage ranks.
SIBLING_OFFSET = 2
#: A question with no SEND words this far from every passage is not about SEND at all.
OFF_TOPIC_DENSE = 0.25

History = Sequence[dict[str, str]]


def _contact(s: Signpost) -> str:
    return f"{s.name}: {s.contact}" + (f" ({s.url})" if s.url else "")


class Engine:
    def __init__(
        self,
        settings: Settings,
        retriever: HybridRetriever,
        signposts: Signposts,
        composer: Any = None,
        letters: Mapping[str, LetterTemplate] | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.signposts = signposts
        self.composer = composer  # an optional LLM composer (assistant.llm.LLMComposer)
        self.letters = load_letters() if letters is None else letters
        self.today = today  # the deadline calculator's "today" (fixed in tests)

    @classmethod
    def from_settings(
        cls, settings: Settings, embedder: Embedder | None = None, composer: Any = None
    ) -> Engine:
        embedder = embedder or load_embedder(settings)
        store = ChunkStore.open(settings)
        store.require(IndexInfo(settings.embedding_model_id, embedder.dim, settings.chunk_tokens))
        if composer is None and settings.llm_provider != "none":
            from assistant.llm import LLMComposer

            composer = LLMComposer.from_settings(settings)
        return cls(settings, HybridRetriever(store, embedder), load_signposts(
            settings.signposts_path), composer)

    # -- the kinds of reply -------------------------------------------------------------------

    def _safeguarding_text(self, gate: GateResult) -> tuple[str, list[Signpost]]:
        crisis = ["emergency-999", "nhs-111", "samaritans", "childline", "shout"]
        abuse = ["local-safeguarding", "nspcc"]
        ids = (["emergency-999", *abuse, "nhs-111", "samaritans", "childline", "shout"]
               if gate.abuse else [*crisis, "nspcc", "local-safeguarding"])
        signposts = self.signposts.get(*ids)
        lines = [
            "If a child is in immediate danger, call 999 now.",
            "What you describe may mean a child is at risk, so please talk to someone today:",
        ]
        lines += [f"- {_contact(s)}" for s in signposts if s.id != "emergency-999"]
        if gate.abuse:
            lines.append(
                "If you think a child is being harmed or abused, tell the school's designated "
                "safeguarding lead or your council's children's services straight away."
            )
        return "\n".join(lines), signposts

    def _out_of_scope_nation(self, nation: str) -> Answer:
        signposts = self.signposts.for_kind("out_of_scope", nation)
        local = [s for s in signposts if self.signposts.by_id[s.id].nation == nation]
        text = (
            f"{SYSTEMS[nation]} The guidance I hold covers the law in England only, so I "
            "can't answer this reliably."
            + (f" For advice on the system there, contact {_contact(local[0])}." if local else "")
        )
        return Answer("out_of_scope", text, signposts=local or signposts)

    def _off_topic(self) -> Answer:
        return Answer(
            "out_of_scope",
            "I can only help with questions about special educational needs and disability "
            "(SEND) support for children and young people in England, so I can't answer this. "
            "For questions about medicines or health, please ask a GP, a pharmacist or NHS 111.",
            signposts=self.signposts.get("nhs-111"),
        )

    def _not_found(self, steering: bool = False) -> Answer:
        text = (
            "I can only answer questions about SEND support in England from the guidance I "
            "hold, and I can't change how I work or share how I am set up."
            if steering else
            "I couldn't find this in the guidance I hold, so I won't guess. A SEND advice "
            "service can help you with it."
        )
        return Answer("not_found", text, signposts=self.signposts.for_kind("not_found"))

    def _answer_signposts(self, retrieval: Retrieval) -> list[Signpost]:
        topics = {t for p in retrieval.passages[:3] for t in p.chunk.topics}
        ids = ["sendiass"]
        if topics & {"tribunal", "disagreements"}:
            ids += ["ipsea", "send-tribunal"]
        if topics & {"complaints"}:
            ids += ["ombudsman"]
        return self.signposts.get(*ids)

    # -- the main path ------------------------------------------------------------------------

    def answer_stream(self, question: object, history: History | None = None
                      ) -> Iterator[str | Answer]:
        """Text pieces as they are ready, then the complete Answer (always last).

        An LLM reply is validated before anything is shown, so both paths stream the checked
        text; the final Answer carries the citations and signposts.
        """
        result = self.answer(question, history)
        yield from stream_text(result)
        yield result

    def retrieve(self, question: str, history: History | None = None, k: int = 8,
                 topic: str | None = None) -> Retrieval:
        return self.retriever.search(question, history, k=k, topic=topic)

    def answer(self, question: object, history: History | None = None) -> Answer:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        try:
            q = check_question(question, self.settings.max_question_chars)
        except QuestionError as exc:
            return Answer("not_found", str(exc), timings_ms={"total": 0.0})
        history = [t for t in (history or []) if isinstance(t, dict)][-6:]
        mentions = self.retriever.vocabulary.mentions(q)
        gate = assess(q, mentions)
        t = time.perf_counter()
        timings["gates"] = (t - started) * 1000

        if gate.nation and not gate.safeguarding:
            result = self._out_of_scope_nation(gate.nation)
        elif gate.off_topic and not gate.safeguarding:
            result = self._off_topic()
        else:
            result = self._grounded(gate, history, mentions, timings)
        timings["total"] = (time.perf_counter() - started) * 1000
        result.timings_ms = {**timings, **result.timings_ms, "total": timings["total"]}
        log.info("answered kind=%s in %.1f ms", result.kind, timings["total"])
        if self.settings.log_questions:
            log.info("question (SEND_LOG_QUESTIONS is on): %r", q)
        return result

    def _grounded(self, gate: GateResult, history: History, mentions: int,
                  timings: dict[str, float]) -> Answer:
        q = gate.cleaned
        prefix, crisis = ("", []) if not gate.safeguarding else self._safeguarding_text(gate)
        if gate.hostile and len(q.split()) < 3:
            steered = self._not_found(steering=True)
            return self._with_safeguarding(steered, prefix, crisis) if prefix else steered
        today = self.today()
        kind = tools.deadline_kind(q, history, today)
        note = ""
        result: Answer | None
        try:
            result = self._deadline(kind, q, history, today) if kind else None
        except DeadlineError as exc:  # a date that cannot be (31 April): say so, answer anyway
            result, note = None, str(exc)
        if result is None:
            result = self._retrieved(gate, history, mentions, timings)
            if result is None:  # nothing in the guidance: off topic altogether
                return self._off_topic()
            if kind and result.kind == "answer":
                result.text = _before_disclaimer(result.text, note or tools.offer(kind))
            if not prefix:
                result = self._with_letter(result, q, history, today)
        return self._with_safeguarding(result, prefix, crisis) if prefix else result

    def _retrieved(self, gate: GateResult, history: History, mentions: int,
                   timings: dict[str, float]) -> Answer | None:
        """The answer composed from retrieved passages; not found, or None when off topic."""
        q = gate.cleaned
        retrieval = self.retriever.search(q, history)
        timings.update({f"retrieve_{k}": v for k, v in retrieval.timings_ms.items()})
        t = time.perf_counter()
        expanded = self.retriever.vocabulary.expand(q)
        passages, verdict = self._myth_first(q, expanded, retrieval)
        # A follow-up was searched with the conversation's subject; its sentences are chosen
        # for what this question asks.
        follow_up = bool(history) and retrieval.query != expanded
        vector = self.retriever.embedder.embed_query(q) if follow_up else retrieval.vector
        composition = grounded.compose(q, retrieval.query, self._with_siblings(passages),
                                       self.retriever.idf, self.retriever.default_idf, verdict,
                                       self.retriever.sentence_vectors, vector)
        supported = (
            composition.citations
            and retrieval.best_dense >= MIN_DENSE
            # A follow-up's own words ("and how long?") are far from any sentence; its
            # retrieval, searched with the conversation's subject, is the test of cover.
            and (follow_up or composition.similarity >= MIN_SENTENCE_SIMILARITY)
            and (composition.coverage >= MIN_COVERAGE or retrieval.best_dense >= STRONG_DENSE)
        )
        timings["compose"] = (time.perf_counter() - t) * 1000
        if not supported:
            if not gate.safeguarding and not gate.hostile and mentions == 0 \
                    and retrieval.best_dense < OFF_TOPIC_DENSE and not history:
                return None
            return self._not_found(steering=gate.hostile)
        result = Answer("answer", composition.text, composition.citations,
                        self._answer_signposts(retrieval), passages=retrieval.passages)
        if self.composer is not None and not gate.safeguarding:
            result = self.composer.compose(q, retrieval.passages, fallback=result)
            timings["compose"] = (time.perf_counter() - t) * 1000
        return result

    # -- the deterministic tools ------------------------------------------------------------

    def _deadline(self, kind: str, q: str, history: History, today: date) -> Answer | None:
        """The statutory dates, when the question or the conversation gives a start date."""
        start, certificate = tools.find_start(q, history, today)
        if start is None:
            return None
        reply = tools.deadline_reply(kind, start, today, self.retriever.doc_passages,
                                     certificate)
        ids = ["sendiass", *(["ipsea", "send-tribunal"] if kind == "appeal" else [])]
        return Answer("answer", f"{reply.text}\n\n{grounded.DISCLAIMER}", reply.citations,
                      self.signposts.get(*ids), tool="deadline", deadlines=reply.deadlines)

    def _with_letter(self, result: Answer, q: str, history: History, today: date) -> Answer:
        """The answer, offering the model letter the question asks for (if it asks for one)."""
        letter = tools.letter_for(q, history, today, self.letters)
        if letter is None:
            return result
        if result.kind != "answer":  # the guidance said nothing more: the letter is the answer
            result = Answer("answer", grounded.DISCLAIMER, [],
                            self.signposts.for_kind("not_found"))
        cited = next((c for c in result.citations if c.doc_id == letter.template.doc_id), None)
        n = cited.n if cited else len(result.citations) + 1
        citations = result.citations if cited else [
            *result.citations, tools.letter_citation(n, letter, self.retriever.doc_passages)]
        text = _before_disclaimer(result.text, tools.letter_line(letter, n))
        return Answer("answer", text, citations, result.signposts, result.timings_ms,
                      result.passages, tool="letter", letter=letter)

    def _with_siblings(self, passages: list[Passage], docs: int = 2) -> list[Passage]:
        """The retrieved passages, then the other passages of the best notes.

        Notes are short and one topic each: the sentence that answers may sit in a sibling of
        the passage that matched. Siblings rank just below the passage that brought them in.
        """
        out = list(passages[:CANDIDATES])
        have = {p.chunk.id for p in out}
        for p in passages[:docs]:
            for c in self.retriever.doc_passages.get(p.chunk.doc_id, []):
                if c.id not in have:
                    have.add(c.id)
                    out.append(Passage(c, 0.0, p.rank + SIBLING_OFFSET))
        return out

    def _myth_first(self, q: str, expanded: str, retrieval: Retrieval
                    ) -> tuple[list[Passage], str | None]:
        """A question repeating a myth leads with the opening of the note that corrects it."""
        found = grounded.myth_verdict(q, retrieval.passages, self.retriever.idf,
                                      self.retriever.default_idf, expanded)
        if not found:
            return retrieval.passages, None
        passage, verdict = found
        opening = min(self.retriever.doc_passages[passage.chunk.doc_id], key=lambda c: c.position)
        rest = [p.chunk for p in retrieval.passages if p.chunk.id != opening.id]
        ranked = [Passage(c, 0.0, i) for i, c in enumerate([opening, *rest], 1)]
        return ranked, verdict

    @staticmethod
    def _with_safeguarding(result: Answer, prefix: str, crisis: list[Signpost]) -> Answer:
        body = ""
        if result.kind == "answer":
            body = f"\n\nAbout your SEND question:\n{result.text}"
        return Answer("safeguarding", prefix + body, result.citations,
                      crisis + [s for s in result.signposts if s not in crisis],
                      passages=result.passages)


def _before_disclaimer(text: str, extra: str) -> str:
    """The answer text with a paragraph added before its closing not-legal-advice line."""
    head, sep, tail = text.rpartition(grounded.DISCLAIMER)
    if not sep:
        return f"{text}\n\n{extra}"
    return f"{head.rstrip()}\n\n{extra}\n\n{sep}{tail}"


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
