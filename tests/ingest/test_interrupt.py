"""Never half an index: a real ingest process is SIGKILLed at several points of an incremental
run, then the index is opened here (only after the child is dead: the embedded Chroma is not
safe across processes at once) and must hold exactly the previous complete corpus, or, once the
pointer has moved, exactly the new one. The next normal ingest must then complete."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant.errors import IndexMissingError
from assistant.settings import PROJECT_ROOT, Settings
from assistant.store import KINDS, ChunkStore, IndexInfo, kind_collection
from ingest.pipeline import run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import CORPUS, copy_notes, expected_ids, stored_ids

pytestmark = pytest.mark.slow

CHILD = Path(__file__).with_name("ingest_child.py")
BUDGET = Settings().chunk_tokens
GUARD_SECONDS = 120  # only so that a broken child cannot hang the run; nothing is timed

# A part of the corpus: enough for several batches of new text beside many reused records.
NOTES = sorted({*sorted(p.stem for p in CORPUS.glob("*.md"))[::4], "local-offer", "senco-role"})
EXTRA_NOTE = "# Extra guidance\n\n" + "\n\n".join(
    f"## Step {i}\n\nStep {i} of asking the school for help: write down what you have seen, "
    f"ask for a meeting with the SENCO, and keep a dated copy of every letter. Then wait for "
    f"the reply to step {i} before you go on."
    for i in range(1, 25)
)


@dataclass
class Corpora:
    old: Path
    new: Path
    base_index: Path
    old_ids: set[str]
    new_ids: set[str]


def start_child(index: Path, marks: Path, pause_at: str, sources: list[Path]) -> subprocess.Popen:
    with open(marks.with_suffix(".log"), "wb") as log:  # the child keeps its own handle
        return subprocess.Popen(
            [sys.executable, str(CHILD), str(index), str(marks), pause_at, *map(str, sources)],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )


def wait_for_mark(proc: subprocess.Popen, marks: Path, mark: str) -> None:
    deadline = time.monotonic() + GUARD_SECONDS
    while time.monotonic() < deadline:
        if marks.exists() and mark in marks.read_text().splitlines():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    log = marks.with_suffix(".log").read_text(errors="replace")[-3000:]
    marks_seen = marks.read_text() if marks.exists() else ""
    pytest.fail(f"the child never reached {mark!r} (marks: {marks_seen!r}); its output:\n{log}")


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL  # it was still running, stopped where we wanted


def run_child_to_end(index: Path, marks: Path, sources: list[Path]) -> None:
    proc = start_child(index, marks, "none", sources)
    assert proc.wait(timeout=GUARD_SECONDS) == 0, marks.with_suffix(".log").read_text()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Corpora:
    root = tmp_path_factory.mktemp("interrupt")
    old = copy_notes(root / "old", NOTES)
    new = copy_notes(root / "new", NOTES)
    changed = new / "local-offer.md"
    changed.write_text(changed.read_text(encoding="utf-8")
                       + "\n## Where to find it\n\nEvery council publishes its local offer on "
                         "its website, and must say how to comment on it.\n")
    (new / "senco-role.md").unlink()
    (new / "extra-guidance.md").write_text(EXTRA_NOTE)
    base = root / "base-index"
    run_child_to_end(base, root / "base.marks", [old])
    c = Corpora(old, new, base, expected_ids([old], BUDGET), expected_ids([new], BUDGET))
    assert c.old_ids != c.new_ids and c.old_ids & c.new_ids
    return c


def settings_for(index: Path) -> Settings:
    return Settings(index_dir=index, embedding_model_id=FakeEmbedder.model_id)


def collection_count(store: ChunkStore, name: str) -> int:
    """Records written to a generation, across the collections of its kinds."""
    return sum(int(store.client.get_collection(kind_collection(name, kind),
                                               embedding_function=None).count())
               for kind in KINDS)


@pytest.mark.parametrize("pause_at", ["factory", "batch:3", "commit", "pointed"])
def test_a_killed_ingest_leaves_a_complete_index(
    corpora: Corpora, tmp_path: Path, pause_at: str
) -> None:
    index = tmp_path / "index"
    shutil.copytree(corpora.base_index, index)
    marks = tmp_path / "child.marks"
    proc = start_child(index, marks, pause_at, [corpora.new])
    wait_for_mark(proc, marks, pause_at)
    kill(proc)

    settings = settings_for(index)
    store = ChunkStore.open(settings)
    active = store.active_name()
    generations = store._generation_names()
    orphans = [g for g in generations if g != active]
    assert store.info() == IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, BUDGET)
    if pause_at == "pointed":
        # The one-write switch happened: the new corpus, complete; the old generation kept.
        assert stored_ids(store) == corpora.new_ids
        assert len(generations) == 2 and active == generations[-1]
    else:
        assert stored_ids(store) == corpora.old_ids
        assert store.count() == len(corpora.old_ids)
        if pause_at == "factory":
            assert orphans == []  # killed before anything was written
        else:
            [orphan] = orphans  # proof the kill came after writing had begun
            written = collection_count(store, orphan)
            if pause_at == "batch:3":
                assert 0 < written < len(corpora.new_ids)
            else:
                assert written == len(corpora.new_ids)  # complete, yet never visible

    # The next normal run finishes the job and cleans up what the killed one left.
    summary = run_ingest([corpora.new], settings, store, FakeEmbedder)
    assert stored_ids(store) == corpora.new_ids
    assert summary.written == (pause_at != "pointed")
    remaining = store._generation_names()
    assert len(remaining) <= 2 and store.active_name() in remaining
    if pause_at != "pointed":
        assert not set(orphans) & set(remaining)  # the killed run's leftovers are gone


def test_a_killed_first_ingest_leaves_no_index_rather_than_half_of_one(
    corpora: Corpora, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    marks = tmp_path / "child.marks"
    proc = start_child(index, marks, "batch:3", [corpora.old])
    wait_for_mark(proc, marks, "batch:3")
    kill(proc)

    settings = settings_for(index)
    store = ChunkStore.open(settings)
    [orphan] = store._generation_names()
    assert collection_count(store, orphan) > 0  # half a generation is on disk...
    assert store.info() is None and store.count() == 0 and stored_ids(store) == set()
    with pytest.raises(IndexMissingError, match="send-assistant ingest"):  # ...but not visible
        store.require(IndexInfo(FakeEmbedder.model_id, FakeEmbedder.dim, BUDGET))

    run_ingest([corpora.old], settings, store, FakeEmbedder)
    assert stored_ids(store) == corpora.old_ids
    assert orphan not in store._generation_names()
