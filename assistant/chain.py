"""The engine as LangChain users expect it: a `BaseRetriever` over the guidance, whose
Documents carry their citation, and the whole answer path as a `Runnable`.

    from assistant.answer import Engine
    from assistant.chain import as_retriever, as_runnable
    from assistant.settings import Settings

    engine = Engine.from_settings(Settings.from_env())
    docs = as_retriever(engine).invoke("How long does the council have to decide?")
    answer = as_runnable(engine).invoke({"question": "Can I appeal?", "history": []})
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict

from assistant.types import Answer, Passage


def passage_document(p: Passage) -> Document:
    """A retrieved passage as a LangChain Document, its metadata the citation it gives."""
    c = p.chunk
    label = f"{c.authorities[0]} — {c.title}" if c.authorities else c.title
    return Document(page_content=c.text, id=c.id, metadata={
        "doc_id": c.doc_id, "title": c.title, "section": c.section,
        "authorities": list(c.authorities), "url": c.url, "rank": p.rank,
        "citation": label, "topics": list(c.topics)})


class GuidanceRetriever(BaseRetriever):
    """Ranked passages of the guidance for a query, read the way `Engine.answer` reads it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    engine: Any
    k: int = 8

    def _get_relevant_documents(self, query: str, *,
                                run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [passage_document(p) for p in self.engine.retrieve(query, k=self.k).passages]


class AnswerRunnable(Runnable[Mapping[str, Any], Answer]):
    """`{"question": str, "history": [{role, content}, ...]}` → `Answer`.

    `stream` yields the answer's text in pieces (an LLM's tokens when one is configured), then
    the complete Answer last, as `Engine.answer_stream` does.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    @staticmethod
    def _args(value: Mapping[str, Any]) -> tuple[str, Sequence[Mapping[str, str]]]:
        if not isinstance(value, Mapping) or "question" not in value:
            raise TypeError('Give the runnable {"question": "...", "history": [...]}.')
        return str(value["question"]), list(value.get("history") or [])

    def invoke(self, input: Mapping[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Answer:
        question, history = self._args(input)
        return self._call_with_config(lambda _: self.engine.answer(question, history), input,
                                      config)

    def stream(self, input: Mapping[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Any]:
        question, history = self._args(input)
        yield from self.engine.answer_stream(question, history)


def as_retriever(engine: Any, k: int = 8) -> GuidanceRetriever:
    return GuidanceRetriever(engine=engine, k=k)


def as_runnable(engine: Any) -> AnswerRunnable:
    return AnswerRunnable(engine)
