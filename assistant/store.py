"""The Chroma vector store behind one small interface, used by ingest and retrieval.

The index is a set of *generations*. Each ingest writes a complete new generation into fresh
collections and only then moves a pointer (the metadata of one small collection, updated in a
single write) to it. A reader follows the pointer, so it sees the previous complete corpus or
the new complete one, never a mix: an ingest killed part-way leaves orphan collections that the
next ingest deletes, and the pointer untouched.

A generation keeps each kind of record (passages, note questions, sentences) in a collection of
its own. A metadata filter makes Chroma gather every matching id before it searches, which at
100,000 records costs hundreds of milliseconds a query; a collection per kind needs no filter.
Generations written before this layout (one collection, filtered by kind) are still read.

Embedded `PersistentClient` by default; `HttpClient` when `SEND_CHROMA_HOST` is set (several
processes must share a server: the embedded client is not safe across processes).

A write that fails (a full disk, a folder that cannot be written) raises `IndexWriteError`
before the pointer moves, so the live generation keeps serving. After an ingest, `compact`
gives back the space of deleted generations, which Chroma leaves on disk.
"""

from __future__ import annotations

import copy
import logging
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import InternalError

from assistant.errors import (
    IndexMismatchError,
    IndexMissingError,
    IndexWriteError,
    StoreUnavailableError,
)
from assistant.settings import Settings
from assistant.types import Chunk

log = logging.getLogger(__name__)

POINTER_SUFFIX = "__pointer"
GENERATION_MARK = "__g"
KIND_MARK = "__k_"
KINDS = ("passage", "question", "card")
#: The kinds a by-kind generation written before the pointer recorded its kinds holds.
OLD_KINDS = ("passage", "question", "sentence")
#: Recorded in the pointer: one collection per kind of record.
LAYOUT = "by-kind"
KEEP_GENERATIONS = 2  # the live one and the one before, so a server mid-query is not cut off
PAGE = 2000
#: How long a reader trusts the pointer it last read before reading it again (seconds).
POINTER_TTL = 2.0
#: What a failed write raises: Chroma reports SQLite's "database or disk is full" (and other
#: storage failures) as InternalError; HNSW files and the folder raise OSError.
WRITE_FAILURES = (InternalError, OSError, sqlite3.Error)
SQLITE_FILE = "chroma.sqlite3"
#: Chroma's FTS5 table of record texts (embedded mode).
FULLTEXT_TABLE = "embedding_fulltext_search"
#: How long VACUUM waits for another process to finish writing before it is left for later (ms).
VACUUM_WAIT_MS = 2000


@dataclass(frozen=True)
class IndexInfo:
    """What made an index: refused when the settings ask for something else."""

    model_id: str
    dim: int
    chunk_tokens: int

    def as_metadata(self) -> dict[str, str | int]:
        return {"model_id": self.model_id, "dim": self.dim, "chunk_tokens": self.chunk_tokens}

    def check(self, wanted: IndexInfo) -> None:
        for name in ("model_id", "dim", "chunk_tokens"):
            stored, asked = getattr(self, name), getattr(wanted, name)
            if stored != asked:
                raise IndexMismatchError(name, stored, asked)


def make_client(settings: Settings) -> Any:
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        except Exception as exc:  # chromadb raises several types for a refused connection
            raise StoreUnavailableError(
                f"Cannot reach the Chroma server at {settings.chroma_host}:"
                f"{settings.chroma_port} ({type(exc).__name__}). Start it with "
                "`chroma run --host 127.0.0.1 --path .index` or unset SEND_CHROMA_HOST."
            ) from None
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


def kind_collection(generation: str, kind: str) -> str:
    """The name of the collection holding one kind of a generation's records."""
    return generation if kind == "passage" else f"{generation}{KIND_MARK}{kind}"


class Generation:
    """The collections being filled; invisible to readers until `commit`."""

    def __init__(self, store: ChunkStore, collections: dict[str, Any], info: IndexInfo) -> None:
        self._store = store
        self._collections = collections
        self.info = info
        self.name: str = collections["passage"].name
        self.written = 0

    def add(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        for kind, collection in self._collections.items():
            mine = [i for i, c in enumerate(chunks) if c.kind == kind]
            step = self._store.max_batch
            for start in range(0, len(mine), step):
                part = mine[start : start + step]
                with self._store.writing():
                    collection.add(
                        ids=[chunks[i].id for i in part],
                        documents=[chunks[i].text for i in part],
                        metadatas=[chunks[i].metadata() for i in part],  # type: ignore[misc]
                        embeddings=[list(vectors[i]) for i in part],
                    )
        self.written += len(chunks)

    def commit(self, expected: int) -> None:
        count = sum(int(c.count()) for c in self._collections.values())
        if count != expected:
            raise RuntimeError(
                f"The new index holds {count} records, expected {expected}; "
                "the previous index is still in use. Run the ingest again."
            )
        self._store._point_to(self.name, self.info)

    def discard(self) -> None:
        """Delete what was written, as far as the store still allows (after a failed write).

        Best effort: on a full disk even a delete can fail, and the next ingest drops what is
        left. The folders of what was deleted are removed so the space comes back at once.
        """
        try:
            if self._store.active_name() == self.name:
                return  # the pointer did move (a server applied it, then the reply was lost)
        except Exception:
            return  # cannot tell whether it is live: leave it to the next ingest
        for collection in self._collections.values():
            try:
                self._store.client.delete_collection(collection.name)
            except Exception as exc:  # the store is already failing; keep the first error
                log.warning("could not delete the unfinished generation %s (%s); the next "
                            "ingest deletes it", self.name, exc)
                break
        try:
            self._store.remove_unused_folders()
        except OSError as exc:
            log.warning("could not remove the unfinished generation's folders: %s", exc)


class ChunkStore:
    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name
        with self.writing():
            self._pointer = client.get_or_create_collection(
                name + POINTER_SUFFIX, embedding_function=None
            )
        try:
            self.max_batch = int(client.get_max_batch_size())
        except Exception:
            self.max_batch = 1000
        self.max_batch = max(1, min(self.max_batch, 5000))
        self._active_cache: tuple[str, dict[str | None, Any]] | None = None
        self._checked_at = 0.0
        #: The pointer as it was when this reader was made by `snapshot` (None: follow it).
        self._pinned: dict[str, Any] | None = None

    @classmethod
    def open(cls, settings: Settings) -> ChunkStore:
        return cls(make_client(settings), settings.collection)

    def snapshot(self) -> ChunkStore:
        """A reader of the generation that is live now, which goes on reading that generation
        after the pointer moves: an engine built from it never mixes two generations."""
        meta = self._pointer_meta()
        if not meta.get("active"):
            raise IndexMissingError(self.where())
        snap = copy.copy(self)
        snap._pinned = meta
        snap._active_cache = None
        return snap

    @property
    def generation(self) -> str | None:
        """The generation this store reads: its snapshot's, or the live one."""
        return str(self._pinned["active"]) if self._pinned else self.active_name()

    # -- the pointer -------------------------------------------------------------------------

    def _pointer_meta(self) -> dict[str, Any]:
        if self._pinned is not None:
            return dict(self._pinned)
        self._pointer = self.client.get_collection(
            self.name + POINTER_SUFFIX, embedding_function=None
        )
        return dict(self._pointer.metadata or {})

    def info(self) -> IndexInfo | None:
        meta = self._pointer_meta()
        if not meta.get("active"):
            return None
        return IndexInfo(str(meta["model_id"]), int(meta["dim"]), int(meta["chunk_tokens"]))

    def current_layout(self) -> bool:
        """Whether the live generation is stored in this version's layout (one per kind)."""
        meta = self._pointer_meta()
        return meta.get("layout") == LAYOUT and meta.get("kinds") == ",".join(KINDS)

    def active_name(self) -> str | None:
        """The live generation's name, read from the pointer now (a snapshot: its own)."""
        name = self._pointer_meta().get("active")
        return str(name) if name else None

    def _point_to(self, collection_name: str, info: IndexInfo) -> None:
        meta: dict[str, Any] = {
            "active": collection_name,
            "layout": LAYOUT,
            "kinds": ",".join(KINDS),
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **info.as_metadata(),
        }
        with self.writing():
            self._pointer.modify(metadata=meta)
        self._active_cache = None

    def _active(self, recent: bool = False) -> dict[str | None, Any]:
        """The live generation's collections by kind (one under `None` in the older layout).

        `recent`: a pointer read in the last POINTER_TTL seconds will do. Reading it costs a
        round trip, which every query would otherwise pay.
        """
        if self._active_cache and (self._pinned is not None or (
                recent and time.monotonic() - self._checked_at < POINTER_TTL)):
            return self._active_cache[1]
        meta = self._pointer_meta()
        name = meta.get("active")
        if not name:
            raise IndexMissingError(self.where())
        self._checked_at = time.monotonic()
        if self._active_cache is None or self._active_cache[0] != name:
            get = self.client.get_collection
            kinds = str(meta.get("kinds") or ",".join(OLD_KINDS)).split(",")
            collections: dict[str | None, Any] = (
                {k: get(kind_collection(name, k), embedding_function=None) for k in kinds}
                if meta.get("layout") == LAYOUT else {None: get(name, embedding_function=None)}
            )
            self._active_cache = (str(name), collections)
        return self._active_cache[1]

    def _of_kind(self, kind: str | None, recent: bool = False
                 ) -> list[tuple[Any, dict[str, str] | None]]:
        """The collections to read for one kind (all kinds when None), each with its filter."""
        collections = self._active(recent)
        if None in collections:  # the older layout: one collection, filtered by kind
            return [(collections[None], {"kind": kind} if kind else None)]
        return [(collections[k], None) for k in ([kind] if kind else list(collections))
                if k in collections]

    def _chroma_settings(self) -> Any:
        # chromadb's clients expose their settings through `get_settings()`.
        get_settings = getattr(self.client, "get_settings", None)
        return get_settings() if callable(get_settings) else None

    def where(self) -> str:
        settings = self._chroma_settings()
        host = getattr(settings, "chroma_server_host", None) if settings else None
        path = getattr(settings, "persist_directory", None) if settings else None
        return f"the Chroma server {host}" if host else f"{path or 'the index folder'}"

    def folder(self) -> Path | None:
        """The embedded index's folder; None behind a Chroma server, which owns its files."""
        settings = self._chroma_settings()
        if settings is None or getattr(settings, "chroma_server_host", None) \
                or not getattr(settings, "is_persistent", False):
            return None
        path = getattr(settings, "persist_directory", None)
        return Path(path) if path else None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Turn a storage failure inside the block into one sentence the user can act on."""
        try:
            yield
        except WRITE_FAILURES as exc:
            folder = self.folder()
            place = f"The index folder {folder}" if folder else \
                f"The index on {self.where()}"
            try:
                serving = self.active_name() is not None
            except Exception:  # the store cannot even be read; say nothing is serving
                serving = False
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise IndexWriteError(place, detail or type(exc).__name__, serving) from exc

    # -- reading ------------------------------------------------------------------------------

    def require(self, wanted: IndexInfo) -> None:
        """Fail clearly when there is no index or it was made with other settings."""
        info = self.info()
        if info is None:
            raise IndexMissingError(self.where())
        info.check(wanted)

    def count(self) -> int:
        if not self.active_name():
            return 0
        return sum(int(c.count()) for c in self._active().values())

    def iter_records(
        self, with_embeddings: bool = False, kind: str | None = None
    ) -> Iterator[tuple[Chunk, Any]]:
        """Every record of the live generation (or of one kind), page by page."""
        if not self.active_name():
            return
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        for coll, where in self._of_kind(kind):
            offset = 0
            while True:
                page = coll.get(include=include, limit=PAGE, offset=offset, where=where)
                ids = page["ids"]
                if not ids:
                    break
                embs = page.get("embeddings") if with_embeddings else None
                for i, id_ in enumerate(ids):
                    chunk = Chunk.from_record(id_, page["documents"][i], page["metadatas"][i])
                    yield chunk, (embs[i] if embs is not None else None)
                offset += len(ids)

    def chunks(self) -> list[Chunk]:
        return [c for c, _ in self.iter_records()]

    def query(
        self, vector: Sequence[float], k: int, kind: str = "passage"
    ) -> list[tuple[Chunk, float]]:
        """The k nearest records of one kind, with cosine similarity (1 = same direction)."""
        [(coll, where)] = self._of_kind(kind, recent=True)
        res = coll.query(
            query_embeddings=[list(vector)],
            n_results=k,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for id_, doc, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0],
            strict=True,
        ):
            out.append((Chunk.from_record(id_, doc, meta), 1.0 - float(dist)))
        return out

    # -- writing ------------------------------------------------------------------------------

    def begin(self, info: IndexInfo) -> Generation:
        """A fresh, empty collection for the next complete generation."""
        self.drop_orphans()
        # Names sort by creation time, so the clock part must tell apart two runs in a second.
        name = f"{self.name}{GENERATION_MARK}{time.time_ns()}_{uuid.uuid4().hex[:8]}"
        metadata = {"hnsw:space": "cosine", **info.as_metadata()}
        with self.writing():
            collections = {
                kind: self.client.create_collection(
                    kind_collection(name, kind), embedding_function=None, metadata=metadata)
                for kind in KINDS
            }
        return Generation(self, collections, info)

    def _generation_collections(self) -> dict[str, list[str]]:
        """Every generation's name, with the names of all its collections."""
        out: dict[str, list[str]] = {}
        for c in self.client.list_collections():
            name = c if isinstance(c, str) else c.name
            if name.startswith(self.name + GENERATION_MARK):
                out.setdefault(name.split(KIND_MARK)[0], []).append(name)
        return out

    def _generation_names(self) -> list[str]:
        return sorted(self._generation_collections())

    def drop_orphans(self) -> None:
        """Delete generations that are neither live nor the one before it."""
        active = self.active_name()
        generations = self._generation_collections()
        names = sorted(generations)
        keep = set()
        if active in generations:
            keep.add(active)
            older = [n for n in names if n < active]  # names sort by creation time
            keep.update(older[-(KEEP_GENERATIONS - 1) :] if KEEP_GENERATIONS > 1 else [])
        for n in names:
            if n not in keep:
                log.info("deleting unused index generation %s", n)
                for collection in generations[n]:
                    with self.writing():
                        self.client.delete_collection(collection)

    # -- disk ---------------------------------------------------------------------------------

    def remove_unused_folders(self) -> int:
        """Remove the segment folders of deleted collections; the bytes freed.

        Chroma deletes a collection's rows but leaves its HNSW folder, named after the segment,
        in the index folder (chroma-core/chroma#5520). A segment's row is written when its
        collection is created, before any folder, so a folder that no row names, read after
        the folder was seen, belongs to nothing. Embedded mode only.
        """
        folder = self.folder()
        database = folder / SQLITE_FILE if folder else None
        if folder is None or database is None or not database.is_file():
            return 0
        seen = [e for e in folder.iterdir()
                if _is_segment_name(e.name) and e.is_dir() and not e.is_symlink()]
        with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
            owned = {str(row[0]) for row in db.execute("SELECT id FROM segments")}
        freed = 0
        for entry in seen:
            if entry.name in owned:
                continue
            size = _size(entry)
            shutil.rmtree(entry)
            freed += size
            log.info("removed the folder of a deleted index segment %s", entry.name)
        return freed

    def compact(self) -> int:
        """Give back the disk space of deleted generations; the bytes freed.

        Removes their folders; merges Chroma's full-text index, which keeps a deleted record's
        terms until a merge happens to reach them; then VACUUMs the SQLite file, which
        otherwise keeps every page it ever held. None of it changes what the index holds.
        Embedded mode only (a server owns its files). VACUUM needs the database to itself:
        when another process is using it, it is left for the next ingest. A step that fails
        (a disk too full to VACUUM into) is logged and left: the index is sound either way.
        """
        folder = self.folder()
        if folder is None or not (folder / SQLITE_FILE).is_file():
            return 0
        before = _size(folder)
        try:
            self.remove_unused_folders()
        except (OSError, sqlite3.Error) as exc:
            log.warning("could not remove the folders of deleted index generations: %s", exc)
        try:
            with closing(sqlite3.connect(folder / SQLITE_FILE, isolation_level=None)) as db:
                db.execute(f"PRAGMA busy_timeout = {VACUUM_WAIT_MS}")
                if db.execute("SELECT 1 FROM sqlite_master WHERE name = ?",
                              (FULLTEXT_TABLE,)).fetchone():
                    db.execute(f"INSERT INTO {FULLTEXT_TABLE}({FULLTEXT_TABLE}) "
                               "VALUES ('optimize')")
                db.execute("VACUUM")
        except sqlite3.Error as exc:  # "database is locked", "database or disk is full"
            log.warning("the index database was not compacted (%s); the next ingest that "
                        "changes the index tries again", exc)
        freed = max(0, before - _size(folder))
        log.info("compacted the index folder %s: %d bytes given back", folder, freed)
        return freed

    def embeddings_for(self, ids: Iterable[str]) -> dict[str, list[float]]:
        wanted = list(ids)
        if not wanted or not self.active_name():
            return {}
        out: dict[str, list[float]] = {}
        for coll in self._active().values():
            missing = [i for i in wanted if i not in out]
            for i in range(0, len(missing), PAGE):
                page = coll.get(ids=missing[i : i + PAGE], include=["embeddings"])
                for id_, emb in zip(page["ids"], page["embeddings"], strict=True):
                    out[id_] = [float(x) for x in emb]
        return out


def _is_segment_name(name: str) -> bool:
    try:
        return str(uuid.UUID(name)) == name
    except ValueError:
        return False


def _size(path: Path) -> int:
    """Bytes in the files under `path` (or of the file itself)."""
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
