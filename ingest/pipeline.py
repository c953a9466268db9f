"""The ingest run: discover → load → clean → chunk → embed (only what is new) → write.

Incremental and idempotent: chunk ids are content hashes, so vectors already in the live
index are copied rather than re-embedded, and an unchanged corpus writes nothing. Each run that
changes anything writes a complete new generation and then switches to it (see
`assistant.store`), so readers never see half an index; then it deletes all but the live
generation and the one before, and gives their disk space back.

Input is bounded: a file over SEND_MAX_FILE_BYTES, a document that would make more than
SEND_MAX_RECORDS_PER_DOCUMENT records, and anything found that is not a regular file (a link to
nothing, a link that loops, a FIFO, a socket, a device) is skipped and named in the summary.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.embeddings import Embedder
from assistant.errors import DocumentError, IndexWriteError, SendAssistantError
from assistant.settings import Settings
from assistant.store import ChunkStore, IndexInfo
from assistant.types import Chunk
from ingest.chunk import chunk_document, embed_text
from ingest.clean import clean_text
from ingest.loaders import SUPPORTED, Document, load

log = logging.getLogger(__name__)
EMBED_CALL = 256  # texts handed to the model per call; it batches inside


class NothingIngested(SendAssistantError):
    """No document could be read; the previous index (if any) is left as it was."""


@dataclass
class Skipped:
    path: str
    reason: str


@dataclass
class Summary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    #: Problems that did not stop a document going in (a card's `next` naming no card).
    warnings: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    written: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["documents"] = {
            "added": len(self.added),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "skipped": len(self.skipped),
        }
        d["seconds"] = round(self.seconds, 3)
        return d


def discover(paths: Sequence[Path], skipped: list[Skipped] | None = None
             ) -> list[tuple[Path, Path]]:
    """(file, root) for every supported file under the paths. A missing path is an error.

    Links are followed, each file and folder taken once. What cannot be read as a file is put
    in `skipped` with the reason and never opened (a FIFO would block the run): a link to
    nothing, a link that loops, a FIFO, a socket, a device. Hidden names are passed over.
    """
    walk = _Walk([] if skipped is None else skipped)
    for p in paths:
        if not os.path.lexists(p):
            raise SendAssistantError(
                f"The path {p} does not exist. Give a file or folder of .md, .txt, .html, "
                ".pdf or .docx documents."
            )
        start = len(walk.found)
        walk.visit(p, p if p.is_dir() else p.parent, named=True)
        walk.follow_links()
        walk.found[start:] = sorted(walk.found[start:])  # as they sort, whichever way reached
    return walk.found


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class _Walk:
    """One walk over the paths. The folders themselves are walked before the links in them
    are followed, so what is both in a folder and behind a link is read from the folder (and
    its id comes from where it really is); the link is the one reported."""

    def __init__(self, skipped: list[Skipped]) -> None:
        self.skipped = skipped
        self.found: list[tuple[Path, Path]] = []
        self._seen: dict[tuple[int, int], Path] = {}  # (device, inode) -> the path taken
        self._links: list[tuple[Path, Path]] = []  # (link, root), to follow after the folders

    def _skip(self, path: Path, reason: str) -> None:
        log.warning("skipped %s: %s", path, reason)
        self.skipped.append(Skipped(str(path), reason))

    def visit(self, path: Path, root: Path, named: bool = False) -> None:
        """A folder is walked, a supported regular file taken, anything else reported."""
        try:
            st = path.stat()  # follows links; stat never opens, so a FIFO cannot block here
        except OSError as exc:
            self._skip(path, _unreachable(path, exc))
            return
        key = (st.st_dev, st.st_ino)
        if stat.S_ISDIR(st.st_mode):
            loop = _loop(path) if path.is_symlink() else None
            if loop:
                self._skip(path, loop)
            elif key in self._seen:
                self._skip(path, f"it is the folder {self._seen[key]} again, which is read "
                                 "already; remove the link or give the folder once")
            else:
                self._seen[key] = path
                self._folder(path, root)
            return
        if not stat.S_ISREG(st.st_mode):
            what = next((name for test, name in _SPECIAL if test(st.st_mode)), "not a file")
            self._skip(path, f"it is {what}, not a regular file; only regular files are read, "
                             "so copy the document into a file")
            return
        if not named and path.suffix.lower() not in SUPPORTED:
            return  # not a document: a folder may hold other files
        if key in self._seen:
            self._skip(path, f"it is the same file as {self._seen[key]}, which is read already")
            return
        self._seen[key] = path
        self.found.append((path, root))

    def _folder(self, folder: Path, root: Path) -> None:
        try:
            names = sorted(os.listdir(folder))
        except OSError as exc:
            self._skip(folder, f"the folder cannot be read ({exc.strerror or exc}); "
                               "check its permissions")
            return
        for name in names:
            child = folder / name
            if child.is_symlink():
                if not name.startswith("."):
                    self._links.append((child, root))
            elif not name.startswith(".") or child.is_dir():
                self.visit(child, root)  # hidden files are never read; hidden folders are

    def follow_links(self) -> None:
        while self._links:
            self.visit(*self._links.pop(0))


def _unreachable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "it is a link that leads back to itself (a loop); fix or remove the link"
    if path.is_symlink() and exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"it is a link to {os.readlink(path)}, which does not exist; fix or remove the link"
    return f"it cannot be read ({exc.strerror or exc}); check its permissions"


def _loop(link: Path) -> str | None:
    """Why following a link to a folder would loop (it leads to a folder it is inside)."""
    target = Path(os.path.realpath(link))
    here = Path(os.path.realpath(link.parent))
    if target == here or target in here.parents:
        return (f"it is a link to {target}, a folder it is itself inside, so reading it would "
                "never end; remove the link")
    return None


def load_all(paths: Sequence[Path], summary: Summary,
             settings: Settings | None = None) -> list[Document]:
    limit = (settings or Settings()).max_file_bytes
    docs: dict[str, Document] = {}
    card_owner: dict[str, str] = {}
    for f, root in discover(paths, summary.skipped):
        try:
            size = f.stat().st_size
            if size > limit:
                raise DocumentError(
                    f"it is {_megabytes(size)}, over the {_megabytes(limit)} limit for one file "
                    "(SEND_MAX_FILE_BYTES); split it into smaller documents, or raise "
                    "SEND_MAX_FILE_BYTES if it really is one document"
                )
            doc = load(f, root)
            doc.text = clean_text(doc.text, markup=doc.format in {"markdown", "html", "docx"})
            if not doc.text.strip():
                raise DocumentError("nothing is left after removing page furniture")
            if not clean_text(doc.title).strip():
                # A scraped page's first line is often furniture ("Skip to main content");
                # it must not become the title every chunk is cited and embedded with.
                first = next(ln for ln in doc.text.splitlines() if ln.strip())
                doc.title = first.lstrip("#").strip()[:120]
        except OSError as exc:  # gone or unreadable since it was found
            summary.skipped.append(Skipped(str(f), f"the file cannot be read ({exc.strerror})"))
            continue
        except DocumentError as exc:
            log.warning("skipped %s: %s", f, exc)
            summary.skipped.append(Skipped(str(f), str(exc)))
            continue
        if doc.doc_id in docs:
            summary.skipped.append(
                Skipped(str(f), f"its id {doc.doc_id!r} is already used by "
                                f"{docs[doc.doc_id].source_path}; give it a unique id")
            )
            continue
        clash = next((c.id for c in doc.cards if c.id in card_owner), None)
        if clash:
            summary.skipped.append(
                Skipped(str(f), f"its answer card id {clash!r} is already used by "
                                f"{card_owner[clash]}; give the card a unique id"))
            continue
        card_owner.update({c.id: doc.doc_id for c in doc.cards})
        docs[doc.doc_id] = doc
    _report_dangling_next(list(docs.values()), card_owner, summary)
    return list(docs.values())


def _report_dangling_next(docs: list[Document], known: dict[str, str], summary: Summary) -> None:
    """A card's `next` id that names no card is reported. It stays in the stored card (so a
    card's records depend on its own note only) and is ignored when answers are made."""
    for doc in docs:
        for c in doc.cards:
            for n in c.next:
                if n not in known:
                    summary.warnings.append(f"{doc.source_path}: card {c.id}: next names "
                                            f"{n!r}, which is no card; it is ignored")


def _megabytes(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{n / 1024:.0f} KB"


def build_chunks(docs: Iterable[Document], budget: int) -> list[Chunk]:
    return _unique(c for doc in docs for c in chunk_document(doc, budget))


def _unique(chunks: Iterable[Chunk]) -> list[Chunk]:
    out: dict[str, Chunk] = {}
    for c in chunks:
        out.setdefault(c.id, c)  # identical text twice in one document is stored once
    return list(out.values())


def chunk_within_limit(docs: Iterable[Document], settings: Settings, summary: Summary
                       ) -> tuple[list[Document], list[Chunk]]:
    """The documents that make at most SEND_MAX_RECORDS_PER_DOCUMENT records, and their records;
    each one over the limit is reported in `summary.skipped`."""
    kept: list[Document] = []
    records: list[Chunk] = []
    limit = settings.max_records_per_document
    for doc in docs:
        mine = chunk_document(doc, settings.chunk_tokens)
        if len(mine) > limit:
            reason = (f"it makes {len(mine)} records, over the {limit} limit for one document "
                      "(SEND_MAX_RECORDS_PER_DOCUMENT); split it into smaller documents, or "
                      "raise SEND_MAX_RECORDS_PER_DOCUMENT if it really is one document")
            log.warning("skipped %s: %s", doc.source_path, reason)
            summary.skipped.append(Skipped(doc.source_path, reason))
            continue
        kept.append(doc)
        records.extend(mine)
    return kept, _unique(records)


def run_ingest(
    paths: Sequence[Path],
    settings: Settings,
    store: ChunkStore,
    embedder_factory: Callable[[], Embedder],
    *,
    rebuild: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Summary:
    started = time.perf_counter()
    summary = Summary()
    docs, chunks = chunk_within_limit(load_all(paths, summary, settings), settings, summary)
    if not docs:
        raise NothingIngested(
            "No document could be ingested"
            + (f" ({len(summary.skipped)} skipped; see the reasons above)." if summary.skipped
               else ": the paths hold no .md, .txt, .html, .pdf or .docx files.")
            + " The previous index, if any, is unchanged."
        )
    summary.chunks = sum(1 for c in chunks if c.kind == "passage")

    previous: dict[str, str] = {}  # doc_id -> doc_hash in the live index
    live_ids: set[str] = set()
    for c, _ in store.iter_records():
        previous[c.doc_id] = c.doc_hash
        live_ids.add(c.id)
    for d in docs:
        h = d.content_hash
        if d.doc_id not in previous:
            summary.added.append(d.doc_id)
        elif previous[d.doc_id] != h:
            summary.changed.append(d.doc_id)
        else:
            summary.unchanged.append(d.doc_id)
    current_docs = {d.doc_id for d in docs}
    summary.removed = sorted(set(previous) - current_docs)

    probe = embedder_factory if rebuild else None
    wanted_info: IndexInfo | None = None
    info = store.info()
    if info is not None and not rebuild:
        # The model is only loaded when there is something new to embed; the stored id is
        # compared with the configured one without it.
        wanted_info = IndexInfo(settings.embedding_model_id, info.dim, settings.chunk_tokens)
        info.check(wanted_info)

    unchanged = (
        not rebuild
        and info is not None
        and {c.id for c in chunks} == live_ids
        and not summary.added and not summary.changed and not summary.removed
        # An index in an older layout is rewritten once, with the vectors it already has.
        and store.current_layout()
    )
    if unchanged:
        summary.reused = len(chunks)
        summary.seconds = time.perf_counter() - started
        return summary

    reuse = {} if rebuild else store.embeddings_for(c.id for c in chunks if c.id in live_ids)
    todo = [c for c in chunks if c.id not in reuse]
    # Similar lengths in one call pad less; the model sorts only within a call.
    todo.sort(key=lambda c: len(embed_text(c)))
    embedder = (probe or embedder_factory)()
    gen = store.begin(IndexInfo(settings.embedding_model_id, embedder.dim, settings.chunk_tokens))
    if on_total:
        on_total(len(todo))
    kept = [c for c in chunks if c.id in reuse]
    try:
        if kept:
            gen.add(kept, [reuse[c.id] for c in kept])
        for i in range(0, len(todo), EMBED_CALL):
            part = todo[i : i + EMBED_CALL]
            vectors = embedder.embed_documents([embed_text(c) for c in part])
            gen.add(part, vectors)
            if progress:
                progress(len(part))
        gen.commit(expected=len(chunks))
    except IndexWriteError:
        gen.discard()  # give its space back now: the disk may be the very thing that is full
        raise
    try:
        store.drop_orphans()
    except IndexWriteError as exc:
        summary.warnings.append(
            f"the new index is live, but older ones could not be deleted ({exc.__cause__}); "
            "free some space and the next ingest deletes them")
    store.compact()
    summary.embedded = len(todo)
    summary.reused = len(kept)
    summary.written = True
    summary.seconds = time.perf_counter() - started
    return summary
