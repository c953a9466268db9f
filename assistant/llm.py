"""The optional LLM composer: `ChatPromptTemplate | chat model`, with any LangChain chat model
the user configures.

The grounded reply is always made first. The model's reply is streamed, then validated:
citations that point to no passage are removed; a reply left with no valid citation (or a model
error, or NOT_FOUND) falls back to the grounded reply; and a Yes or No is kept only when it is
the matched card's own word (`fallback`'s opening), never the model's guess.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from importlib import resources
from typing import Any

from langchain_core.prompts import ChatPromptTemplate

from assistant.compose import DISCLAIMER
from assistant.errors import ConfigError
from assistant.forms import opening_word, without_opening
from assistant.settings import Settings
from assistant.types import Answer, Citation, Passage

log = logging.getLogger(__name__)
MAX_PASSAGES = 6
_REF = re.compile(r"\[(\d{1,2})\]")
NO_DIRECT = "none"


def load_prompt() -> str:
    return resources.files("assistant").joinpath("data/answer_prompt.md").read_text("utf-8")


def chat_model_from_settings(settings: Settings) -> Any:
    """The configured chat model, made by LangChain's `init_chat_model`."""
    from langchain.chat_models import init_chat_model

    provider = {"openai": "openai", "ollama": "ollama"}.get(settings.llm_provider)
    if provider is None:
        raise ConfigError(f"SEND_LLM_PROVIDER={settings.llm_provider!r} is not supported.")
    options: dict[str, Any] = {"temperature": 0}
    if settings.llm_base_url:
        options["base_url"] = settings.llm_base_url
    if provider == "openai":
        options |= {"api_key": settings.llm_api_key or "not-needed", "timeout": 30}
    try:
        return init_chat_model(settings.llm_model, model_provider=provider, **options)
    except ImportError:
        raise ConfigError(
            f"SEND_LLM_PROVIDER={settings.llm_provider} needs its LangChain package: "
            "pip install -e '.[llm]'"
        ) from None


def prompt_template(text: str | None = None) -> ChatPromptTemplate:
    """The answer prompt as a LangChain template (variables: direct, passages, question)."""
    return ChatPromptTemplate.from_messages([("human", text or load_prompt())])


def numbered(passages: Sequence[Passage]) -> str:
    return "\n\n".join(f"[{i}] {p.chunk.title} — {p.chunk.section}\n{p.chunk.text}"
                       for i, p in enumerate(passages, 1))


class LLMComposer:
    def __init__(self, model: Any, prompt: str | None = None) -> None:
        self.model = model
        self.prompt = prompt_template(prompt)
        self.chain = self.prompt | model

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMComposer:
        return cls(chat_model_from_settings(settings))

    def inputs(self, question: str, passages: Sequence[Passage], direct: str = NO_DIRECT
               ) -> dict[str, str]:
        # Template variables are filled, not parsed: braces in passages or questions are safe.
        return {"question": question, "passages": numbered(passages), "direct": direct}

    def compose(
        self,
        question: str,
        passages: Sequence[Passage],
        fallback: Answer,
        on_token: Callable[[str], None] | None = None,
        direct: str = NO_DIRECT,
    ) -> Answer:
        passages = list(passages[:MAX_PASSAGES])
        pieces: list[str] = []
        try:
            for chunk in self.chain.stream(self.inputs(question, passages, direct)):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                pieces.append(piece)
                if on_token and piece:
                    on_token(piece)
        except Exception as exc:  # any provider error: the grounded answer stands
            log.warning("LLM composer failed (%s); using the grounded answer", type(exc).__name__)
            return fallback
        return validate_reply("".join(pieces), passages, fallback)


def validate_reply(reply: str, passages: Sequence[Passage], fallback: Answer) -> Answer:
    """Keep a reply only if it cites real passages; renumber its citations 1..n; keep a Yes or
    No only when the grounded reply (a card's own words) opens with the same one."""
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
    text = re.sub(r"[ \t]{2,}", " ", text.replace(DISCLAIMER, "")).strip()
    word = opening_word(text)
    if word and word != opening_word(fallback.text):
        text = without_opening(text)
    citations = []
    for old, new in sorted(mapping.items(), key=lambda kv: kv[1]):
        c = passages[old - 1].chunk
        citations.append(Citation(new, c.doc_id, c.title, c.section, list(c.authorities),
                                  c.url, c.text, c.text, c.id))
    return replace(fallback, text=text, citations=citations)
