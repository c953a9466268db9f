"""The ingest run: discover → load → clean → chunk → embed (only what is new) → write.

Incremental and idempotent: chunk ids are content hashes, so vectors already in the live
index are copied rather than re-embedded, and an unchanged corpus writes nothing. Each run that
changes anything writes a complete new generation and then switches to it (see
`assistant.store`), so readers never see half an index.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.embeddings import Embedder
from assistant.errors import DocumentError, SendAssistantError
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


def discover(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(file, root) for every supported file under the paths. A missing path is an error."""
    found: list[tuple[Path, Path]] = []
    for p in paths:
        if not p.exists():
            raise SendAssistantError(
                f"The path {p} does not exist. Give a file or folder of .md, .txt, .html, "
                ".pdf or .docx documents."
            )
        if p.is_file():
            found.append((p, p.parent))
            continue
        for f in sorted(p.rglob("*")):
            if f.is_file() and f.suffix.lower() in SUPPORTED and not f.name.startswith("."):
                found.append((f, p))
    return found


def load_all(paths: Sequence[Path], summary: Summary) -> list[Document]:
    docs: dict[str, Document] = {}
    for f, root in discover(paths):
        try:
            doc = load(f, root)
            doc.text = clean_text(doc.text, markup=doc.format in {"markdown", "html", "docx"})
            if not doc.text.strip():
                raise DocumentError("nothing is left after removing page furniture")
            if not clean_text(doc.title).strip():
                # A scraped page's first line is often furniture ("Skip to main content");
                # it must not become the title every chunk is cited and embedded with.
                first = next(ln for ln in doc.text.splitlines() if ln.strip())
                doc.title = first.lstrip("#").strip()[:120]
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
        docs[doc.doc_id] = doc
    return list(docs.values())


def build_chunks(docs: Iterable[Document], budget: int) -> list[Chunk]:
    out: dict[str, Chunk] = {}
    for doc in docs:
        for c in chunk_document(doc, budget):
            out.setdefault(c.id, c)  # identical text twice in one document is stored once
    return list(out.values())


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
    docs = load_all(paths, summary)
    if not docs:
        raise NothingIngested(
            "No document could be ingested"
            + (f" ({len(summary.skipped)} skipped; see the reasons above)." if summary.skipped
               else ": the paths hold no .md, .txt, .html, .pdf or .docx files.")
            + " The previous index, if any, is unchanged."
        )
    chunks = build_chunks(docs, settings.chunk_tokens)
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
    if kept:
        gen.add(kept, [reuse[c.id] for c in kept])
    for i in range(0, len(todo), EMBED_CALL):
        part = todo[i : i + EMBED_CALL]
        vectors = embedder.embed_documents([embed_text(c) for c in part])
        gen.add(part, vectors)
        if progress:
            progress(len(part))
    gen.commit(expected=len(chunks))
    store.drop_orphans()
    summary.embedded = len(todo)
    summary.reused = len(kept)
    summary.written = True
    summary.seconds = time.perf_counter() - started
    return summary
