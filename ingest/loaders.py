"""Loaders: one function per format, each turning a file into a `Document`.

Every loader produces Markdown-flavoured text (``#`` headings, ``-`` list items, blank lines
between paragraphs) so that cleaning and chunking see one shape whatever the source.
A file that cannot be read raises `DocumentError` with a reason a person can act on.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.cards import card_payload
from assistant.errors import DocumentError
from assistant.types import Card
from ingest.frontmatter import FrontMatterError, NoteMeta, split_front_matter, validate_note

# Bumped when the metadata stored with chunks changes shape, so the next ingest rewrites it.
METADATA_VERSION = "m2"
SUPPORTED = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}


@dataclass
class Document:
    doc_id: str
    title: str
    text: str
    source_path: str
    format: str
    url: str = ""
    publisher: str = ""
    authorities: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    note: NoteMeta | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def myth(self) -> str:
        return self.note.myth if self.note else ""

    @property
    def cards(self) -> tuple[Card, ...]:
        return self.note.cards if self.note else ()

    @property
    def content_hash(self) -> str:
        """Changes whenever anything stored about the document changes."""
        h = hashlib.sha256(METADATA_VERSION.encode())
        cards = "|".join(card_payload(c) for c in self.cards)
        for part in (self.myth, self.doc_id, self.title, self.url, self.publisher, self.text,
                     "|".join(self.authorities), "|".join(self.topics), "|".join(self.questions),
                     cards):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()[:16]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def _decode(raw: bytes) -> str:
    if not raw.strip():
        raise DocumentError("the file is empty")
    if b"\0" in raw[:8192]:
        raise DocumentError("the file is binary, not text; save it as .txt, .md, .pdf or .docx")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"the file is not valid UTF-8 (bad byte at position {exc.start}); "
            "re-save it with UTF-8 encoding"
        ) from None


def _first_heading(text: str) -> str:
    m = re.search(r"^#{1,6}\s+(.+)$", text, re.M)
    return m.group(1).strip() if m else ""


def load_markdown(path: Path, doc_id: str) -> Document:
    text = _decode(path.read_bytes())
    try:
        data, body = split_front_matter(text)
        note = (validate_note(data, expected_id=path.stem, body=body) if data is not None
                else None)
    except FrontMatterError as exc:
        raise DocumentError(f"invalid front matter: {exc}") from None
    if not body.strip():
        raise DocumentError("the file has front matter but no text")
    if note is None:
        return Document(doc_id, _first_heading(body) or path.stem, body, str(path), "markdown")
    return Document(
        doc_id=note.id,
        title=note.title,
        text=body,
        source_path=str(path),
        format="markdown",
        url=note.sources[0] if note.sources else "",
        publisher="SEND assistant guidance notes",
        authorities=note.authorities,
        topics=note.topics,
        questions=note.questions,
        note=note,
    )


_TXT_HEADING = re.compile(r"^[A-Z0-9][^.!?:;]{1,78}[?]?$")


def load_text(path: Path, doc_id: str) -> Document:
    text = _decode(path.read_bytes())
    # Plain text has no markup: a short line standing alone between blank lines reads as a
    # heading, which lets the chunker split on it.
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        s = line.strip()
        alone = (i == 0 or not lines[i - 1].strip()) and (
            i + 1 >= len(lines) or not lines[i + 1].strip()
        )
        if s and alone and _TXT_HEADING.match(s) and len(s.split()) <= 12:
            out.append(f"## {s}")
        else:
            out.append(line)
    body = "\n".join(out)
    title = next((ln.strip() for ln in lines if ln.strip()), path.stem)
    return Document(doc_id, title[:120], body, str(path), "text")


_HTML_DROP = ("script", "style", "nav", "header", "footer", "aside", "form", "noscript",
              "iframe", "button", "svg", "template", "select")
_HTML_JUNK_ATTR = re.compile(
    r"cookie|consent|share|social|newsletter|subscribe|breadcrumb|skip|menu|navbar|banner|"
    r"sidebar|related|print", re.I
)


def load_html(path: Path, doc_id: str) -> Document:
    from bs4 import BeautifulSoup, Tag

    raw = path.read_bytes()
    text = _decode(raw)
    soup = BeautifulSoup(text, "html.parser")
    if soup.find(True) is None:
        raise DocumentError("the file has no HTML elements")
    title = ""
    if soup.title and soup.title.string:
        title = soup.title.string.strip()
    url = ""
    canon = soup.find("link", rel="canonical")
    if isinstance(canon, Tag) and canon.get("href"):
        url = str(canon.get("href"))
    publisher = ""
    site = soup.find("meta", attrs={"property": "og:site_name"})
    if isinstance(site, Tag) and site.get("content"):
        publisher = str(site.get("content"))
    for tag in soup(_HTML_DROP):
        tag.decompose()
    for tag in list(soup.find_all(True)):
        if not isinstance(tag, Tag) or tag.attrs is None or tag.name in ("html", "body", "main"):
            continue
        marks = " ".join([str(tag.get("id") or ""), " ".join(tag.get("class") or [])])
        if marks.strip() and _HTML_JUNK_ATTR.search(marks):
            tag.decompose()
    root = soup.find("main") or soup.body or soup
    blocks: list[str] = []
    for el in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "dt", "dd",
                             "blockquote", "pre"]):
        if not isinstance(el, Tag):
            continue
        if el.find_parent(["li", "p"]) is not None and el.name in ("p", "li"):
            continue  # its text is taken with its parent
        s = " ".join(el.get_text(" ", strip=True).split())
        if not s:
            continue
        if el.name and el.name[0] == "h":
            blocks.append("#" * int(el.name[1]) + " " + s)
        elif el.name == "li":
            blocks.append("- " + s)
        else:
            blocks.append(s)
    body = "\n\n".join(blocks)
    if not body.strip():
        raise DocumentError("the page has no readable text")
    return Document(doc_id, title or _first_heading(body) or path.stem, body, str(path), "html",
                    url=url, publisher=publisher)


def load_pdf(path: Path, doc_id: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    raw = path.read_bytes()
    if not raw.strip():
        raise DocumentError("the file is empty")
    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(
            f"the PDF is damaged or not a PDF ({type(exc).__name__}); "
            "open and re-save it, or export it again"
        ) from None
    except Exception as exc:  # pypdf raises assorted errors on broken files
        raise DocumentError(f"the PDF could not be read ({type(exc).__name__})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise DocumentError("the PDF has no text layer (a scanned image?); run OCR first")
    title = str(getattr(meta, "title", "") or "") if meta else ""
    doc = load_text_from_string(text, path, doc_id, "pdf")
    if title.strip():
        doc.title = title.strip()
    return doc


def load_text_from_string(text: str, path: Path, doc_id: str, fmt: str) -> Document:
    lines = text.splitlines()
    title = next((ln.strip() for ln in lines if ln.strip()), path.stem)
    return Document(doc_id, title[:120], text, str(path), fmt)


def load_docx(path: Path, doc_id: str) -> Document:
    import docx  # python-docx

    raw = path.read_bytes()
    if not raw.strip():
        raise DocumentError("the file is empty")
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise DocumentError("the .docx is not a valid Word file (it is not a zip archive)")
    try:
        d = docx.Document(io.BytesIO(raw))
    except Exception as exc:
        raise DocumentError(f"the Word file could not be read ({type(exc).__name__})") from None
    blocks = []
    for para in d.paragraphs:
        s = para.text.strip()
        if not s:
            continue
        style = (para.style.name if para.style is not None else "") or ""
        m = re.match(r"Heading (\d)", style)
        if m:
            blocks.append("#" * int(m.group(1)) + " " + s)
        elif style == "Title":
            blocks.append("# " + s)
        elif "List" in style:
            blocks.append("- " + s)
        else:
            blocks.append(s)
    body = "\n\n".join(blocks)
    if not body.strip():
        raise DocumentError("the Word file has no text")
    title = (d.core_properties.title or "").strip() or _first_heading(body) or path.stem
    return Document(doc_id, title, body, str(path), "docx",
                    publisher=(d.core_properties.author or "").strip())


LOADERS: dict[str, Callable[[Path, str], Document]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def load(path: Path, root: Path | None = None) -> Document:
    """Load one supported file; its id is its path below `root`, made a slug."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise DocumentError(
            f"{path.suffix or 'no extension'} files are not supported; "
            "use .md, .txt, .html, .pdf or .docx"
        )
    rel = path.relative_to(root) if root and path.is_relative_to(root) else Path(path.name)
    doc_id = slug(str(rel.with_suffix("")))
    try:
        return loader(path, doc_id)
    except OSError as exc:
        raise DocumentError(f"the file cannot be read ({exc.strerror or type(exc).__name__})")\
            from None
