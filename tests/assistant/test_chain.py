"""The engine through LangChain's own interfaces: a retriever and a runnable."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable

from assistant.chain import as_retriever, as_runnable
from assistant.types import Answer

pytestmark = pytest.mark.slow


def test_the_retriever_gives_documents_that_carry_their_citation(engine: Any) -> None:
    retriever = as_retriever(engine, k=4)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke("How long does the council have to decide whether to assess?")
    assert 1 <= len(docs) <= 4 and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert top.metadata["rank"] == 1 and top.metadata["title"] and top.page_content
    assert top.metadata["citation"].endswith(top.metadata["title"])
    assert any("reg 5(1)" in a for d in docs for a in d.metadata["authorities"])


def test_the_runnable_takes_a_question_and_history_and_gives_the_answer(engine: Any) -> None:
    chain = as_runnable(engine)
    assert isinstance(chain, Runnable)
    card = engine.cards.get("assessment-decision-time")
    answer = chain.invoke({"question": card.q, "history": []})
    assert isinstance(answer, Answer) and answer.card == card.id
    pieces = list(chain.stream({"question": card.q}))
    assert isinstance(pieces[-1], Answer) and all(isinstance(p, str) for p in pieces[:-1])
    assert "".join(pieces[:-1]) == pieces[-1].text
    with pytest.raises(TypeError, match="question"):
        chain.invoke({"q": "no question key"})
