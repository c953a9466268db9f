"""`send-assistant ingest [PATH ...] [--rebuild] [--json]`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.embeddings import load_embedder
from assistant.settings import Settings
from assistant.store import ChunkStore
from ingest.pipeline import NothingIngested, Summary, run_ingest


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ingest",
        help="clean, chunk and embed guidance documents into the index",
        description="Ingest documents into the index. The index mirrors the paths given: "
        "documents no longer there are removed. Unchanged documents are not re-embedded.",
    )
    p.add_argument("paths", nargs="*", type=Path,
                   help="files or folders (default: SEND_SOURCE_PATHS, i.e. corpus/)")
    p.add_argument("--rebuild", action="store_true",
                   help="re-embed everything (needed after changing the model or chunk size)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    paths = args.paths or list(settings.source_paths)
    store = ChunkStore.open(settings)
    bar: Any = None

    def on_total(n: int) -> None:
        nonlocal bar
        if n and not args.no_progress:
            from tqdm import tqdm

            bar = tqdm(total=n, unit="chunk", desc="embedding", file=sys.stderr)

    def progress(n: int) -> None:
        if bar is not None:
            bar.update(n)

    try:
        summary = run_ingest(paths, settings, store, lambda: load_embedder(settings),
                             rebuild=args.rebuild, progress=progress, on_total=on_total)
    except NothingIngested as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print(json.dumps(summary.as_dict(), indent=2))
    else:
        print(render(summary))
    return 0


def render(s: Summary) -> str:
    lines = [
        f"documents: {len(s.added)} added, {len(s.changed)} changed, "
        f"{len(s.unchanged)} unchanged, {len(s.removed)} removed, {len(s.skipped)} skipped",
        f"chunks: {s.chunks} passages; {s.embedded} records embedded, {s.reused} reused"
        + ("" if s.written else " (index unchanged)"),
        f"seconds: {s.seconds:.2f}",
    ]
    for sk in s.skipped:
        lines.append(f"skipped {sk.path}: {sk.reason}")
    for d in s.removed:
        lines.append(f"removed {d}")
    lines += [f"warning: {w}" for w in s.warnings]
    return "\n".join(lines)
