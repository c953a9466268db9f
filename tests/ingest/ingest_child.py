"""One real ingest in its own process, for tests/ingest/test_interrupt.py to SIGKILL part-way.

    python tests/ingest/ingest_child.py INDEX_DIR MARKS_FILE PAUSE_AT SOURCE...

It runs the real `run_ingest` with the fake embedder, writing a line to MARKS_FILE as it passes
each stage, and stops (sleeps, to be killed) where PAUSE_AT says:
  none        run to the end and write "done"
  factory     when the model is asked for: everything is read, nothing written
  batch:N     inside the N-th call to the model: N-1 batches are in the new generation
  commit      every record is written, the pointer not yet moved
  pointed     the pointer has moved, old generations not yet dropped
The stage hooks only watch and wait; the code they wrap runs unchanged.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import ingest.pipeline as pipeline  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.store import ChunkStore, Generation, IndexInfo  # noqa: E402
from tests.conftest import FakeEmbedder  # noqa: E402


def main(argv: Sequence[str]) -> int:
    index_dir, marks_file, pause_at, *sources = argv
    if pause_at != "none":
        pipeline.EMBED_CALL = 4  # small calls, so that an incremental run makes several batches

    def mark(what: str) -> None:
        with open(marks_file, "a", encoding="utf-8") as f:
            f.write(what + "\n")

    def stop_here(what: str) -> None:
        mark(what)
        if pause_at == what:
            time.sleep(600)  # the test kills the process here

    class SlowEmbedder(FakeEmbedder):
        def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
            stop_here(f"batch:{self.calls + 1}")
            return super().embed_documents(texts)

    def factory() -> FakeEmbedder:
        stop_here("factory")
        return SlowEmbedder()

    commit = Generation.commit
    point_to = ChunkStore._point_to

    def watched_commit(self: Generation, expected: int) -> None:
        stop_here("commit")
        commit(self, expected)

    def watched_point_to(self: ChunkStore, collection_name: str, info: IndexInfo) -> None:
        point_to(self, collection_name, info)
        stop_here("pointed")

    Generation.commit = watched_commit  # type: ignore[method-assign]
    ChunkStore._point_to = watched_point_to  # type: ignore[method-assign]

    settings = Settings(index_dir=Path(index_dir), embedding_model_id=FakeEmbedder.model_id)
    mark("started")
    summary = pipeline.run_ingest([Path(s) for s in sources], settings,
                                  ChunkStore.open(settings), factory)
    mark(f"done embedded={summary.embedded}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
