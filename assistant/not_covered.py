"""Topics the guidance deliberately does not answer, each with where to go instead.

Read from `corpus/not_covered.yaml` (SEND_NOT_COVERED). A question is matched to a topic by its
closeness in meaning to the topic's examples, so "how much DLA will we get?" is told to ask
Contact or Citizens Advice rather than given a generic "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from assistant.embeddings import Embedder
from assistant.errors import ConfigError


@dataclass(frozen=True)
class Topic:
    id: str
    reply: str
    signposts: tuple[str, ...]
    examples: tuple[str, ...]


@dataclass(frozen=True)
class TopicMatch:
    topic: Topic
    score: float


def load_topics(path: Path) -> list[Topic]:
    """Read and check the file; a problem names the topic and the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The not-covered topics file {path} is missing; set "
                          "SEND_NOT_COVERED.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"The not-covered topics file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1:
        raise ConfigError(f"{path}: expected 'version: 1' and a 'topics' list.")
    topics, problems = [], []
    for i, raw in enumerate(data.get("topics") or []):
        tid = raw.get("id") if isinstance(raw, dict) else None
        label = f"topic {tid or i + 1}"
        if not isinstance(raw, dict) or not tid:
            problems.append(f"{label}: needs an id")
            continue
        if not str(raw.get("reply", "")).strip():
            problems.append(f"{label}: needs a reply")
        examples = raw.get("examples")
        if not isinstance(examples, list) or len(examples) < 3:
            problems.append(f"{label}: needs at least 3 examples")
            examples = []
        topics.append(Topic(str(tid), str(raw.get("reply", "")).strip(),
                            tuple(str(s) for s in raw.get("signposts") or ()),
                            tuple(str(e) for e in examples)))
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return topics


class NotCovered:
    def __init__(self, topics: Sequence[Topic], embedder: Embedder) -> None:
        self.topics = list(topics)
        self._owner = [i for i, t in enumerate(self.topics) for _ in t.examples]
        texts = [e for t in self.topics for e in t.examples]
        m = np.asarray(embedder.embed_documents(texts) if texts else [], dtype=np.float32)
        self._matrix = m.reshape(len(texts), -1)

    def match(self, vectors: Sequence[Sequence[float]]) -> TopicMatch | None:
        """The closest topic over the question's views, with its similarity."""
        if not len(self._owner) or not len(vectors):
            return None
        q = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        q = (q / np.where((n := np.linalg.norm(q, axis=1, keepdims=True)) == 0, 1.0, n)
             ).astype(np.float32)
        sims = (q @ self._matrix.T).max(axis=0)
        best = int(np.argmax(sims))
        return TopicMatch(self.topics[self._owner[best]], float(sims[best]))
