"""Bounds on input: a file over SEND_MAX_FILE_BYTES and a document over
SEND_MAX_RECORDS_PER_DOCUMENT are skipped by name, with a reason that says what to do, while
the rest of the corpus goes in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.store import ChunkStore
from ingest.chunk import chunk_document
from ingest.cli import render
from ingest.loaders import load
from ingest.pipeline import NothingIngested, run_ingest
from tests.conftest import CORPUS, FakeEmbedder
from tests.ingest.helpers import copy_notes

NOTES = ["local-offer", "senco-role"]


def test_the_defaults_fit_the_corpus_with_room_to_spare() -> None:
    d = Settings()
    largest = max(f.stat().st_size for f in CORPUS.glob("*.md"))
    most = max(len(chunk_document(load(f, CORPUS), d.chunk_tokens)) for f in CORPUS.glob("*.md"))
    assert d.max_file_bytes == 5 * 1024 * 1024 and d.max_records_per_document == 2000
    assert largest * 100 < d.max_file_bytes and most * 10 < d.max_records_per_document


def test_a_huge_file_is_skipped_by_name_without_being_read(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = copy_notes(tmp_path / "corpus", NOTES)
    huge = corpus / "server-log.txt"
    with open(huge, "wb") as f:  # 50 MB that take no disk: a sparse file
        f.truncate(50 * 1024 * 1024)
    started = time.perf_counter()
    summary = run_ingest([corpus], settings, ChunkStore.open(settings), FakeEmbedder)
    assert time.perf_counter() - started < 30
    [skipped] = summary.skipped
    assert skipped.path == str(huge)
    # Read, it would have been called binary: the size was checked first.
    assert skipped.reason == (
        "it is 50.0 MB, over the 5.0 MB limit for one file (SEND_MAX_FILE_BYTES); split it "
        "into smaller documents, or raise SEND_MAX_FILE_BYTES if it really is one document")
    assert sorted(summary.added) == NOTES
    assert {c.doc_id for c, _ in ChunkStore.open(settings).iter_records()} == set(NOTES)
    assert f"skipped {huge}: it is 50.0 MB" in render(summary)


def test_a_large_text_file_over_a_lower_limit_is_skipped(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = copy_notes(tmp_path / "corpus", NOTES)
    big = corpus / "minutes.txt"
    big.write_text("The panel met and agreed the plan.\n\n" * 2000)  # 72,000 bytes
    summary = run_ingest([corpus], settings.with_(max_file_bytes=64 * 1024),
                         ChunkStore.open(settings), FakeEmbedder)
    assert [(s.path, s.reason.split(";")[0]) for s in summary.skipped] == [
        (str(big), "it is 70 KB, over the 64 KB limit for one file (SEND_MAX_FILE_BYTES)")]
    assert "minutes" not in summary.added


def test_a_document_making_too_many_records_is_skipped_by_name(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = copy_notes(tmp_path / "corpus", NOTES)
    long = corpus / "every-question.md"
    long.write_text("# Every question\n\n" + "\n\n".join(
        f"## Question {i}\n\nThe answer to question {i} is in section {i} of the code, which "
        f"says what the school must do for question {i} and by when."
        for i in range(1, 301)))
    records = len(chunk_document(load(long, corpus), settings.chunk_tokens))
    limit = max(len(chunk_document(load(corpus / f"{n}.md", corpus), settings.chunk_tokens))
                for n in NOTES)
    assert records > limit  # the notes fit the limit, the long document does not

    summary = run_ingest([corpus], settings.with_(max_records_per_document=limit),
                         ChunkStore.open(settings), FakeEmbedder)
    [skipped] = summary.skipped
    assert skipped.path == str(long)
    assert skipped.reason == (
        f"it makes {records} records, over the {limit} limit for one document "
        "(SEND_MAX_RECORDS_PER_DOCUMENT); split it into smaller documents, or raise "
        "SEND_MAX_RECORDS_PER_DOCUMENT if it really is one document")
    assert sorted(summary.added) == NOTES
    stored = {c.doc_id for c, _ in ChunkStore.open(settings).iter_records()}
    assert stored == set(NOTES)


def test_nothing_within_the_limits_is_an_error_that_leaves_the_index_alone(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = copy_notes(tmp_path / "corpus", NOTES)
    store = ChunkStore.open(settings)
    run_ingest([corpus], settings, store, FakeEmbedder)
    live = store.active_name()
    with pytest.raises(NothingIngested, match=r"\(2 skipped; see the reasons above\)"):
        run_ingest([corpus], settings.with_(max_records_per_document=1), store, FakeEmbedder)
    assert store.active_name() == live


def test_the_limits_are_read_from_the_environment_and_checked() -> None:
    s = Settings.from_env({"SEND_MAX_FILE_BYTES": "1000",
                           "SEND_MAX_RECORDS_PER_DOCUMENT": "50"})
    assert (s.max_file_bytes, s.max_records_per_document) == (1000, 50)
    with pytest.raises(ConfigError, match="SEND_MAX_FILE_BYTES must be at least 1; got 0"):
        Settings.from_env({"SEND_MAX_FILE_BYTES": "0"})
    with pytest.raises(ConfigError, match="SEND_MAX_RECORDS_PER_DOCUMENT must be a whole"):
        Settings.from_env({"SEND_MAX_RECORDS_PER_DOCUMENT": "lots"})
    with pytest.raises(ConfigError, match="SEND_MAX_RECORDS_PER_DOCUMENT must be at least 1"):
        Settings(max_records_per_document=0)


def test_env_example_lists_the_limits_with_their_defaults() -> None:
    from assistant.settings import PROJECT_ROOT

    lines = (PROJECT_ROOT / ".env.example").read_text().splitlines()
    d = Settings()
    assert f"SEND_MAX_FILE_BYTES={d.max_file_bytes}" in lines
    assert f"SEND_MAX_RECORDS_PER_DOCUMENT={d.max_records_per_document}" in lines
