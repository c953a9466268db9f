"""A full disk while ingesting: Chroma's write fails part-way (as SQLite reports a full disk),
the user gets one sentence naming the index folder, `send-assistant ingest` exits non-zero,
and the previous index stays live and readable. The failure is made by a store whose
collections refuse writes after a budget, not by filling a real disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chromadb.errors import InternalError

import ingest.cli
from assistant.cli import main
from assistant.errors import IndexWriteError
from assistant.settings import Settings
from assistant.store import ChunkStore
from ingest.pipeline import run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import copy_notes, expected_ids, stored_ids

FULL = "Query error: Database error: error returned from database: (code: 13) database or " \
       "disk is full"


class FillingCollection:
    """A real collection whose writes fail once the disk has room for `room` more adds."""

    def __init__(self, real: Any, disk: FillingDisk) -> None:
        self._real = real
        self._disk = disk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def add(self, **records: Any) -> None:
        self._disk.spend()
        self._real.add(**records)

    def modify(self, **changes: Any) -> None:
        if self._disk.pointer_full:
            raise InternalError(FULL)
        self._real.modify(**changes)


class FillingDisk:
    """The real Chroma client, with every collection it hands out wrapped."""

    def __init__(self, real: Any, room: int, pointer_full: bool = False) -> None:
        self._real = real
        self.room = room
        self.pointer_full = pointer_full

    def spend(self) -> None:
        if self.room <= 0:
            raise InternalError(FULL)
        self.room -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def create_collection(self, *args: Any, **kwargs: Any) -> FillingCollection:
        return FillingCollection(self._real.create_collection(*args, **kwargs), self)

    def get_collection(self, *args: Any, **kwargs: Any) -> FillingCollection:
        return FillingCollection(self._real.get_collection(*args, **kwargs), self)

    def get_or_create_collection(self, *args: Any, **kwargs: Any) -> FillingCollection:
        return FillingCollection(self._real.get_or_create_collection(*args, **kwargs), self)


def filling_store(settings: Settings, room: int, pointer_full: bool = False) -> ChunkStore:
    real = ChunkStore.open(settings).client
    return ChunkStore(FillingDisk(real, room, pointer_full), settings.collection)


@pytest.fixture
def corpora(tmp_path: Path) -> tuple[Path, Path]:
    old = copy_notes(tmp_path / "old", ["local-offer", "senco-role", "tribunal-appeals"])
    new = copy_notes(tmp_path / "new", ["local-offer", "senco-role", "annual-review"])
    return old, new


def expected_message(settings: Settings, serving: bool) -> str:
    kept = "the previous index is still serving" if serving else "no index was made yet"
    return (f"The index folder {settings.index_dir} is full or cannot be written: {FULL}. "
            f"Free some space and run the ingest again; {kept}.")


def segment_folders(index: Path) -> set[str]:
    return {d.name for d in index.iterdir() if d.is_dir()}


@pytest.mark.parametrize("room", [0, 2])
def test_a_full_disk_part_way_is_one_sentence_and_the_previous_index_keeps_serving(
    corpora: tuple[Path, Path], settings: Settings, room: int
) -> None:
    old, new = corpora
    run_ingest([old], settings, ChunkStore.open(settings), FakeEmbedder)
    store = ChunkStore.open(settings)
    live, before = store.active_name(), stored_ids(store)
    folders = segment_folders(settings.index_dir)

    with pytest.raises(IndexWriteError) as caught:
        run_ingest([new], settings, filling_store(settings, room), FakeEmbedder)
    assert str(caught.value) == expected_message(settings, serving=True)

    # Another reader, as the web app would be: the old corpus, whole, and searchable.
    reader = ChunkStore.open(settings)
    assert reader.active_name() == live and stored_ids(reader) == before
    embedder = FakeEmbedder()
    [(best, _)] = reader.query(embedder.embed_query("tribunal appeal"), k=1)
    assert best.doc_id == "tribunal-appeals"
    # What the failed run wrote is gone again: the disk it filled is given back at once.
    assert reader._generation_names() == [live]
    assert segment_folders(settings.index_dir) == folders

    # Once there is room, the same command finishes the job.
    summary = run_ingest([new], settings, ChunkStore.open(settings), FakeEmbedder)
    assert summary.written and stored_ids(ChunkStore.open(settings)) == expected_ids(
        [new], settings.chunk_tokens)


def test_a_pointer_that_cannot_be_moved_leaves_the_old_one_live(
    corpora: tuple[Path, Path], settings: Settings
) -> None:
    old, new = corpora
    run_ingest([old], settings, ChunkStore.open(settings), FakeEmbedder)
    live = ChunkStore.open(settings).active_name()
    with pytest.raises(IndexWriteError, match="the previous index is still serving"):
        run_ingest([new], settings, filling_store(settings, room=10**6, pointer_full=True),
                   FakeEmbedder)
    reader = ChunkStore.open(settings)
    assert reader.active_name() == live
    assert stored_ids(reader) == expected_ids([old], settings.chunk_tokens)
    assert reader._generation_names() == [live]


def test_a_full_disk_on_the_first_ingest_says_there_is_no_index_yet(
    corpora: tuple[Path, Path], settings: Settings
) -> None:
    old, _ = corpora
    with pytest.raises(IndexWriteError) as caught:
        run_ingest([old], settings, filling_store(settings, room=1), FakeEmbedder)
    assert str(caught.value) == expected_message(settings, serving=False)
    assert ChunkStore.open(settings).info() is None


def test_the_ingest_command_exits_non_zero_with_the_sentence(
    corpora: tuple[Path, Path], env: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = corpora
    assert main(["ingest", str(old), "--no-progress"]) == 0
    capsys.readouterr()

    class FullDiskStore(ChunkStore):
        @classmethod
        def open(cls, settings: Settings) -> ChunkStore:
            return filling_store(settings, room=1)

    monkeypatch.setattr(ingest.cli, "ChunkStore", FullDiskStore)
    code = main(["ingest", str(new), "--no-progress"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    settings = Settings.from_env()
    assert err == f"error: {expected_message(settings, serving=True)}\n"
    assert stored_ids(ChunkStore.open(settings)) == expected_ids([old], settings.chunk_tokens)
