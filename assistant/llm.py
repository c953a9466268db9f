"""The optional LLM composer: any LangChain chat model the user configures.

The reply is streamed, then validated: citations that point to no passage are removed, and a
reply left with no valid citation (or a model error, or NOT_FOUND) falls back to the grounded
composer's answer, which is always computed first.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib import resources
from typing import Any

from assistant.compose import DISCLAIMER
from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.types import Answer, Citation, Passage

log = logging.getLogger(__name__)
MAX_PASSAGES = 6
_REF = re.compile(r"\[(\d{1,2})\]")


def load_prompt() -> str:
    return resources.files("assistant").joinpath("data/answer_prompt.md").read_text("utf-8")


def chat_model_from_settings(settings: Settings) -> Any:
    try:
        if settings.llm_provider == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(
                model=settings.llm_model,
                base_url=settings.llm_base_url or None,
                api_key=settings.llm_api_key or "not-needed",
                temperature=0,
                timeout=30,
            )
        if settings.llm_provider == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(model=settings.llm_model,
                              base_url=settings.llm_base_url or None, temperature=0)
    except ImportError:
        raise ConfigError(
            f"SEND_LLM_PROVIDER={settings.llm_provider} needs its LangChain package: "
            "pip install -e '.[llm]'"
        ) from None
    raise ConfigError(f"SEND_LLM_PROVIDER={settings.llm_provider!r} is not supported.")


class LLMComposer:
    def __init__(self, model: Any, prompt: str | None = None) -> None:
        self.model = model
        self.prompt = prompt or load_prompt()

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMComposer:
        return cls(chat_model_from_settings(settings))

    def messages(self, question: str, passages: Sequence[Passage]) -> list[tuple[str, str]]:
        numbered = "\n\n".join(
            f"[{i}] {p.chunk.title} — {p.chunk.section}\n{p.chunk.text}"
            for i, p in enumerate(passages, 1)
        )
        # str.replace, not format(): passages and questions may contain braces.
        body = self.prompt.replace("{passages}", numbered).replace("{question}", question)
        return [("human", body)]

    def compose(
        self,
        question: str,
        passages: Sequence[Passage],
        fallback: Answer,
        on_token: Callable[[str], None] | None = None,
    ) -> Answer:
        passages = list(passages[:MAX_PASSAGES])
        pieces: list[str] = []
        try:
            for chunk in self.model.stream(self.messages(question, passages)):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                pieces.append(piece)
                if on_token and piece:
                    on_token(piece)
        except Exception as exc:  # any provider error: the grounded answer stands
            log.warning("LLM composer failed (%s); using the grounded answer", type(exc).__name__)
            return fallback
        return validate_reply("".join(pieces), passages, fallback)


def validate_reply(reply: str, passages: Sequence[Passage], fallback: Answer) -> Answer:
    """Keep a reply only if it cites real passages; renumber its citations 1..n."""
    text = reply.strip()
    if not text or "NOT_FOUND" in text:
        return fallback
    mapping: dict[int, int] = {}
    for m in _REF.finditer(text):
        n = int(m.group(1))
        if 1 <= n <= len(passages) and n not in mapping:
            mapping[n] = len(mapping) + 1
    if not mapping:
        return fallback

    def renumber(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return f"[{mapping[n]}]" if n in mapping else ""

    text = re.sub(r"\s+([.,;])", r"\1", _REF.sub(renumber, text)).strip()
    text = re.sub(r"[ \t]{2,}", " ", text)
    if DISCLAIMER.lower() not in text.lower():
        text = f"{text}\n\n{DISCLAIMER}"
    citations = []
    for old, new in sorted(mapping.items(), key=lambda kv: kv[1]):
        c = passages[old - 1].chunk
        citations.append(Citation(new, c.doc_id, c.title, c.section, list(c.authorities),
                                  c.url, c.text))
    return replace(fallback, text=text, citations=citations)
