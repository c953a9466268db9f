"""Disk use stays bounded: twenty ingests of a changing corpus into a real Chroma in tmp_path
keep two generations, no folder of a deleted one, and a compacted SQLite file. Run with -s to
see the figures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.store import KEEP_GENERATIONS, SQLITE_FILE, ChunkStore
from ingest.pipeline import run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import expected_ids, stored_ids

RUNS = 20
DOCS = 8
TOPICS = ("assessment", "the SENCO", "annual reviews", "the local offer", "tribunal appeals",
          "transport", "exclusions", "personal budgets")


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def segment_folders(folder: Path) -> set[str]:
    return {d.name for d in folder.iterdir() if d.is_dir()}


def owned_segments(folder: Path) -> set[str]:
    with sqlite3.connect(folder / SQLITE_FILE) as db:
        return {row[0] for row in db.execute("SELECT id FROM segments")}


def write_corpus(folder: Path, run: int) -> None:
    """DOCS notes of a few sections each; run `run` rewrites one of them (a different one
    each time), as an editor changing the guidance between ingests would."""
    folder.mkdir(exist_ok=True)
    for d, topic in enumerate(TOPICS[:DOCS]):
        sections = [
            f"## Part {s}\n\nWhat parents should know about {topic}, part {s}: ask the school "
            f"in writing, keep a dated copy of every letter, and expect a reply about {topic} "
            f"within the time the code of practice sets for part {s}."
            for s in range(1, 6)
        ]
        if d == run % DOCS:
            sections.append(f"## Update {run}\n\nThis note was revised for the {run}th time; "
                            f"the guidance on {topic} now says so in update {run}.")
        (folder / f"note-{d}.md").write_text(f"# About {topic}\n\n" + "\n\n".join(sections))


def test_twenty_ingests_of_a_changing_corpus_keep_two_generations_and_bounded_disk(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = tmp_path / "corpus"
    index = settings.index_dir
    sizes = []
    for run in range(RUNS):
        write_corpus(corpus, run)
        summary = run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder)
        assert summary.written and (run == 0 or summary.changed), summary
        sizes.append(folder_bytes(index))
    fresh, two, last = sizes[0], sizes[1], sizes[-1]
    print(f"\nindex folder: fresh build {fresh / 1e6:.2f} MB, with two generations "
          f"{two / 1e6:.2f} MB, after {RUNS} ingests {last / 1e6:.2f} MB "
          f"({last / fresh:.2f}x fresh, {last / two:.2f}x two generations; "
          f"largest {max(sizes) / 1e6:.2f} MB)")

    store = ChunkStore.open(settings)
    generations = store._generation_names()
    assert len(generations) == KEEP_GENERATIONS and store.active_name() == generations[-1]
    assert stored_ids(store) == expected_ids([corpus], settings.chunk_tokens)
    # Every segment folder left belongs to a collection that exists: none of a deleted one.
    assert segment_folders(index) <= owned_segments(index)
    with sqlite3.connect(index / SQLITE_FILE) as db:
        assert db.execute("PRAGMA freelist_count").fetchone() == (0,)  # compacted
    # Growth stops once two generations exist: each later ingest replaces one and adds none.
    # (Before, every ingest left three HNSW folders behind and SQLite kept every freed page:
    # the real corpus went from 32 to 167 MB in twenty runs.) Two complete generations take
    # about twice one, so against a fresh build the bound is KEEP_GENERATIONS times it.
    assert max(sizes[1:]) <= 1.1 * two
    assert last <= 1.1 * KEEP_GENERATIONS * fresh

def test_an_unchanged_ingest_does_not_touch_the_database_file(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 0)
    run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder)
    database = settings.index_dir / SQLITE_FILE
    before = (database.stat().st_mtime_ns, database.read_bytes())
    summary = run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder)
    assert not summary.written
    assert (database.stat().st_mtime_ns, database.read_bytes()) == before  # not even VACUUMed


def test_compaction_waits_for_no_one_and_leaves_a_busy_index_sound(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 0)
    run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder)
    write_corpus(corpus, 1)
    run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder)
    write_corpus(corpus, 2)
    store = ChunkStore.open(settings)
    run_ingest([corpus], settings, store, FakeEmbedder)  # three made, the oldest deleted

    # Another process in the middle of reading: VACUUM would need the file to itself.
    other = sqlite3.connect(settings.index_dir / SQLITE_FILE, isolation_level=None)
    try:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM embeddings").fetchone()
        store.compact()
    finally:
        other.close()
    assert "was not compacted (database is locked)" in caplog.text
    assert stored_ids(store) == expected_ids([corpus], settings.chunk_tokens)
    assert len(store._generation_names()) == KEEP_GENERATIONS

