"""Small builders for ingest tests: real PDF and Word files, corpus copies, index snapshots."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from assistant.settings import PROJECT_ROOT
from assistant.store import ChunkStore
from ingest.pipeline import Summary, build_chunks, load_all

CORPUS = PROJECT_ROOT / "corpus"


def pdf_bytes(lines: Iterable[str], title: str | None = None) -> bytes:
    """A minimal valid one-page PDF whose text layer holds `lines`, one per line.

    Written by hand (object offsets and xref computed) because no installed package writes
    PDF text; pypdf reads it back like any exported document.
    """

    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    content = "BT /F1 12 Tf 14 TL 72 720 Td " + " ".join(f"({esc(s)}) Tj T*" for s in lines)
    content += " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    if title:
        objects.append(f"<< /Title ({esc(title)}) >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


def write_docx(path: Path, title: str = "Talking to the SENCO",
               author: str = "Example Parent Forum") -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = title
    d.core_properties.author = author
    d.add_heading("Before the meeting", level=1)
    d.add_paragraph("Write down what you have noticed at home and what the school has told you.")
    d.add_paragraph("Bring recent school reports", style="List Bullet")
    d.add_paragraph("Bring any letters from professionals", style="List Number")
    d.add_heading("At the meeting", level=2)
    d.add_paragraph("Ask what support is in place and when it will be reviewed.")
    d.save(str(path))
    return path


def copy_notes(dest: Path, names: Iterable[str] | None = None) -> Path:
    """Copy corpus notes (all, or the named ones without .md) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    files = [CORPUS / f"{n}.md" for n in names] if names is not None else CORPUS.glob("*.md")
    for f in files:
        shutil.copy(f, dest / f.name)
    return dest


def expected_ids(paths: Iterable[Path], budget: int) -> set[str]:
    """Every record id a complete index of `paths` holds, computed without any index."""
    return {c.id for c in build_chunks(load_all(list(paths), Summary()), budget)}


def stored_ids(store: ChunkStore) -> set[str]:
    return {c.id for c, _ in store.iter_records()}
