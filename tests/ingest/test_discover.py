"""Discovery meets links and special files: a link to nothing, a link that loops, a FIFO, a
socket and a device are each reported as skipped with a reason, none is opened (a FIFO would
block the run for ever), and links that lead somewhere new are followed once."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.store import ChunkStore
from ingest.pipeline import Skipped, Summary, discover, load_all, run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import copy_notes

GUARD_SECONDS = 20  # only so that a discovery that opens the FIFO fails instead of hanging


def reasons(skipped: list[Skipped]) -> dict[str, str]:
    return {Path(s.path).name: s.reason for s in skipped}


def in_a_thread(fn: object) -> object:
    """Run fn() on a daemon thread and fail, rather than hang, if it blocks."""
    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)  # type: ignore[operator]
    t.start()
    t.join(GUARD_SECONDS)
    assert not t.is_alive(), "discovery blocked: something opened the FIFO"
    return out[0]


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "s.md"  # short: a socket's path has a length limit
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    yield path
    s.close()


def test_links_that_dangle_or_loop_and_special_files_are_reported_not_opened(
    tmp_path: Path, unix_socket: Path
) -> None:
    corpus = copy_notes(tmp_path / "corpus", ["local-offer"])
    os.mkfifo(corpus / "pipe.md")
    os.mkfifo(corpus / "pipe-without-a-document-name")
    unix_socket.rename(corpus / "s.md")
    (corpus / "gone.md").symlink_to(tmp_path / "deleted.md")
    (corpus / "self.md").symlink_to(corpus / "self.md")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up").symlink_to(corpus)
    (corpus / "sub" / "root").symlink_to("/")
    (corpus / "null.txt").symlink_to("/dev/null")
    (corpus / ".hidden-pipe.md").symlink_to(tmp_path / "nothing")  # hidden: not read at all

    summary = Summary()
    docs = in_a_thread(lambda: load_all([corpus], summary))
    assert [d.doc_id for d in docs] == ["local-offer"]  # type: ignore[attr-defined]
    got = reasons(summary.skipped)
    assert got == {
        "pipe.md": "it is a named pipe (FIFO), not a regular file; only regular files are read, "
                   "so copy the document into a file",
        "pipe-without-a-document-name": "it is a named pipe (FIFO), not a regular file; only "
                                        "regular files are read, so copy the document into a file",
        "s.md": "it is a socket, not a regular file; only regular files are read, so copy the "
                "document into a file",
        "null.txt": "it is a character device, not a regular file; only regular files are "
                    "read, so copy the document into a file",
        "gone.md": f"it is a link to {tmp_path / 'deleted.md'}, which does not exist; fix or "
                   "remove the link",
        "self.md": "it is a link that leads back to itself (a loop); fix or remove the link",
        "up": f"it is a link to {corpus}, a folder it is itself inside, so reading it would "
              "never end; remove the link",
        "root": "it is a link to /, a folder it is itself inside, so reading it would never "
                "end; remove the link",
    }
    assert {s.path for s in summary.skipped} >= {str(corpus / "sub" / "up"),
                                                 str(corpus / "pipe.md")}


def test_a_fifo_named_directly_is_skipped_and_the_run_goes_on(
    tmp_path: Path, settings: Settings
) -> None:
    corpus = copy_notes(tmp_path / "corpus", ["local-offer"])
    fifo = tmp_path / "incoming.md"
    os.mkfifo(fifo)
    summary = in_a_thread(lambda: run_ingest([fifo, corpus], settings, ChunkStore.open(settings),
                                             FakeEmbedder))
    assert summary.added == ["local-offer"]  # type: ignore[attr-defined]
    assert reasons(summary.skipped)["incoming.md"].startswith(  # type: ignore[attr-defined]
        "it is a named pipe (FIFO), not a regular file")


def test_a_dangling_link_named_directly_is_skipped_not_called_missing(tmp_path: Path) -> None:
    link = tmp_path / "notes.md"
    link.symlink_to(tmp_path / "moved-away.md")
    skipped: list[Skipped] = []
    assert discover([link], skipped) == []
    assert reasons(skipped) == {"notes.md": f"it is a link to {tmp_path / 'moved-away.md'}, "
                                            "which does not exist; fix or remove the link"}


def test_links_to_new_places_are_followed_once(tmp_path: Path) -> None:
    shared = copy_notes(tmp_path / "shared", ["senco-role"])
    corpus = copy_notes(tmp_path / "corpus", ["local-offer"])
    (corpus / "shared").symlink_to(shared)  # a folder kept elsewhere: followed
    (corpus / "shared-again").symlink_to(shared)  # the same folder a second time: reported
    (corpus / "copy.md").symlink_to(corpus / "local-offer.md")  # the same file again

    skipped: list[Skipped] = []
    found = discover([corpus], skipped)
    assert found == [(corpus / "local-offer.md", corpus),
                     (corpus / "shared" / "senco-role.md", corpus)]
    assert reasons(skipped) == {
        "shared-again": f"it is the folder {corpus / 'shared'} again, which is read already; "
                        "remove the link or give the folder once",
        "copy.md": f"it is the same file as {corpus / 'local-offer.md'}, which is read already",
    }
    docs = load_all([corpus], Summary())
    assert sorted(d.doc_id for d in docs) == ["local-offer", "senco-role"]


def test_an_unreadable_folder_is_reported(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every folder whatever its permission bits")
    corpus = copy_notes(tmp_path / "corpus", ["local-offer"])
    locked = corpus / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        skipped: list[Skipped] = []
        assert discover([corpus], skipped) == [(corpus / "local-offer.md", corpus)]
        assert reasons(skipped)["locked"].startswith("the folder cannot be read (")
    finally:
        locked.chmod(0o755)


def test_a_folder_is_read_where_it_is_and_the_link_to_it_is_the_one_reported(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    copy_notes(corpus / "b-guides", ["senco-role"])
    (corpus / "a").mkdir()
    (corpus / "a" / "guides").symlink_to(corpus / "b-guides")  # walked first, if followed

    skipped: list[Skipped] = []
    assert discover([corpus], skipped) == [(corpus / "b-guides" / "senco-role.md", corpus)]
    assert [s.path for s in skipped] == [str(corpus / "a" / "guides")]
    [doc] = load_all([corpus], Summary())
    assert doc.source_path == str(corpus / "b-guides" / "senco-role.md")  # cited where it is
