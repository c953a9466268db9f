"""Loaders: every supported format becomes one Markdown-flavoured `Document` with its metadata;
a file that cannot be read is reported by name with a reason and skipped, the rest ingested."""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from assistant.errors import DocumentError, SendAssistantError
from assistant.settings import Settings
from assistant.store import ChunkStore
from ingest.loaders import load
from ingest.pipeline import NothingIngested, Summary, load_all, run_ingest
from tests.conftest import FakeEmbedder
from tests.ingest.helpers import CORPUS, copy_notes, pdf_bytes, stored_ids, write_docx

NOTE = CORPUS / "six-week-decision-to-assess.md"

HTML_PAGE = """<!doctype html>
<html><head>
  <title>Asking for an assessment | Example SEND Charity</title>
  <link rel="canonical" href="https://example.org/guides/asking-for-an-assessment">
  <meta property="og:site_name" content="Example SEND Charity">
  <script>var tracking = "analytics-snippet";</script>
  <style>.hidden { display: none }</style>
</head><body>
  <a class="skip-link" href="#main">Skip to main content</a>
  <header><a href="/">Home</a> <button>Toggle menu</button></header>
  <nav><ul><li><a href="/a">About us</a></li><li><a href="/b">Donate today</a></li></ul></nav>
  <div id="cookie-banner"><p>We use cookies to make this website work.</p>
    <button>Accept all cookies</button></div>
  <main>
    <h1>Asking for an EHC needs assessment</h1>
    <p>A parent can ask the council for an assessment directly, in writing.</p>
    <h2>What to include</h2>
    <ul><li>Your child's name and date of birth</li>
        <li>What the school has already tried</li></ul>
    <div class="share-buttons"><a>Share on Facebook</a> <a>Print this page</a></div>
    <p>Keep a copy of the letter and note the date you sent it.</p>
  </main>
  <aside class="related"><p>Related guides: Annual reviews explained</p></aside>
  <footer><p>Registered charity 123456. Sign up to our newsletter.</p></footer>
</body></html>
"""


# -- each format --------------------------------------------------------------------------------


def test_markdown_note_carries_its_front_matter() -> None:
    raw = NOTE.read_text(encoding="utf-8")
    meta = yaml.safe_load(raw.split("---")[1])
    doc = load(NOTE, CORPUS)
    assert doc.format == "markdown"
    assert doc.doc_id == meta["id"] == "six-week-decision-to-assess"
    assert doc.title == meta["title"] == "The 6-week decision on whether to assess"
    assert doc.url == meta["sources"][0]
    assert doc.publisher == "SEND assistant guidance notes"
    assert doc.authorities == tuple(meta["authorities"])
    assert "SEND Regulations 2014, reg 5(1)" in doc.authorities
    assert doc.topics == tuple(meta["topics"]) == ("ehc-assessment", "deadlines", "disagreements")
    assert doc.questions == tuple(meta["questions"])
    assert doc.note is not None and doc.note.nation == "england"
    # The body only: the front matter is metadata, not text to embed.
    assert not doc.text.lstrip().startswith("---")
    assert "summary:" not in doc.text
    assert doc.text.lstrip().startswith("## The 6-week deadline")


def test_markdown_without_front_matter_takes_its_title_from_the_first_heading(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "Guides"
    folder.mkdir()
    f = folder / "Talking To School.md"
    f.write_text("Intro line.\n\n# Talking to the school first\n\nBook a meeting with the SENCO.\n")
    doc = load(f, tmp_path)
    assert doc.title == "Talking to the school first"
    assert doc.doc_id == "guides-talking-to-school"  # its path below the root, as a slug
    assert doc.note is None and doc.url == "" and doc.authorities == ()


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        ("id: bad-note\ntitle: x\n", r"invalid front matter: front matter is missing summary"),
        ("id: [unclosed\n", r"invalid front matter: front matter is not valid YAML at line \d"),
        ("- just\n- a list\n", r"must be a mapping"),
    ],
)
def test_bad_front_matter_says_what_is_wrong(tmp_path: Path, front: str, reason: str) -> None:
    f = tmp_path / "bad-note.md"
    f.write_text(f"---\n{front}---\n\n## Body\n\nSome text.\n")
    with pytest.raises(DocumentError, match=reason):
        load(f, tmp_path)


def test_a_note_whose_id_differs_from_its_file_name_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "renamed-note.md"
    f.write_text(NOTE.read_text(encoding="utf-8"))
    with pytest.raises(DocumentError, match="must match the file name 'renamed-note'"):
        load(f, tmp_path)


def test_plain_text_lines_standing_alone_become_headings(tmp_path: Path) -> None:
    f = tmp_path / "advice.txt"
    f.write_text(
        "Help with SEN support\n\n"
        "Schools must use their best endeavours to meet a child's needs.\n\n"
        "Talking to the SENCO\n\n"
        "Ask for a meeting. Bring notes of what you have seen at home.\n"
        "Keep a record of what was agreed.\n"
    )
    doc = load(f, tmp_path)
    assert doc.format == "text"
    assert doc.title == "Help with SEN support"
    assert "## Talking to the SENCO" in doc.text.splitlines()
    # Lines inside a paragraph are not headings, even when short.
    assert "Keep a record of what was agreed." in doc.text.splitlines()


def test_html_keeps_the_main_content_and_its_metadata(tmp_path: Path) -> None:
    f = tmp_path / "assessment.html"
    f.write_text(HTML_PAGE)
    doc = load(f, tmp_path)
    assert doc.format == "html"
    assert doc.title == "Asking for an assessment | Example SEND Charity"
    assert doc.url == "https://example.org/guides/asking-for-an-assessment"
    assert doc.publisher == "Example SEND Charity"
    lines = doc.text.splitlines()
    assert "# Asking for an EHC needs assessment" in lines
    assert "## What to include" in lines
    assert "- Your child's name and date of birth" in lines
    assert "Keep a copy of the letter and note the date you sent it." in lines
    for junk in ("Skip to main content", "Toggle menu", "About us", "cookies", "Share on",
                 "Print this page", "Related guides", "newsletter", "analytics-snippet",
                 "display: none", "Registered charity"):
        assert junk not in doc.text, junk


def test_pdf_text_layer_and_title(tmp_path: Path) -> None:
    f = tmp_path / "reviews.pdf"
    f.write_bytes(pdf_bytes(
        ["Annual reviews", "The council must review the plan at least every 12 months.",
         "Parents must be invited to the review meeting."],
        title="Annual reviews guide",
    ))
    doc = load(f, tmp_path)
    assert doc.format == "pdf"
    assert doc.title == "Annual reviews guide"  # from the PDF's metadata
    assert "The council must review the plan at least every 12 months." in doc.text
    assert "Parents must be invited to the review meeting." in doc.text


def test_pdf_without_a_title_is_named_by_its_first_line(tmp_path: Path) -> None:
    f = tmp_path / "untitled.pdf"
    f.write_bytes(pdf_bytes(["Mediation certificates", "You need one before most appeals."]))
    assert load(f, tmp_path).title == "Mediation certificates"


def test_docx_headings_lists_and_properties(tmp_path: Path) -> None:
    f = write_docx(tmp_path / "senco-meeting.docx")
    doc = load(f, tmp_path)
    assert doc.format == "docx"
    assert doc.title == "Talking to the SENCO"
    assert doc.publisher == "Example Parent Forum"
    lines = doc.text.splitlines()
    assert "# Before the meeting" in lines
    assert "## At the meeting" in lines
    assert "- Bring recent school reports" in lines
    assert "- Bring any letters from professionals" in lines


# -- bad input ----------------------------------------------------------------------------------


def _zip_without_word_parts() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a Word document")
    return buf.getvalue()


BAD_FILES: list[tuple[str, bytes, str]] = [
    ("empty.txt", b"", "the file is empty"),
    ("blank.md", b"  \n\n \n", "the file is empty"),
    ("picture.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "the file is binary"),
    ("latin1.txt", "café au lait".encode("latin-1"),
     r"not valid UTF-8 \(bad byte at position 3\); re-save it with UTF-8"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage", "the PDF is damaged"),
    ("truncated.pdf", pdf_bytes(["Hello there"])[:150], "the PDF is damaged"),
    ("empty.pdf", b"", "the file is empty"),
    ("scanned.pdf", pdf_bytes([]), "no text layer"),
    ("letter.docx", b"Dear school, this is plain text saved as docx.",
     r"not a valid Word file \(it is not a zip archive\)"),
    ("archive.docx", _zip_without_word_parts(), "the Word file could not be read"),
    ("empty.docx", b"", "the file is empty"),
    ("tagless.html", b"just words, no markup at all", "no HTML elements"),
    ("menu-only.html", b"<html><body><nav><a>Home</a></nav></body></html>", "no readable text"),
    ("sheet.xlsx", b"PK\x03\x04", r"\.xlsx files are not supported"),
]


@pytest.mark.parametrize(("name", "raw", "reason"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_bad_file_raises_a_reason_a_person_can_act_on(
    tmp_path: Path, name: str, raw: bytes, reason: str
) -> None:
    f = tmp_path / name
    f.write_bytes(raw)
    with pytest.raises(DocumentError, match=reason):
        load(f, tmp_path)


def test_a_file_that_cannot_be_read_is_a_document_error(tmp_path: Path) -> None:
    f = tmp_path / "folder.md"
    f.mkdir()  # opening it for reading fails with an OSError, as an unreadable file does
    with pytest.raises(DocumentError, match=r"the file cannot be read \(Is a directory\)"):
        load(f, tmp_path)


def _unreadable(path: Path) -> None:
    """A file that exists but cannot be read, whoever runs the tests."""
    if os.geteuid() != 0:
        path.write_text("# Secret\n\nText.\n")
        path.chmod(0)
    else:
        # root ignores permission bits; the kernel refuses reads of this file at offset 0.
        path.symlink_to("/proc/self/mem")


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = copy_notes(tmp_path / "docs", ["six-week-decision-to-assess"])
    for name, raw, _ in BAD_FILES:
        (folder / name).write_bytes(raw)
    _unreadable(folder / "locked.txt")
    return folder


def test_bad_files_are_reported_by_name_and_skipped_while_the_rest_is_ingested(
    mixed_folder: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    summary = run_ingest([mixed_folder], settings, ChunkStore.open(settings),
                         lambda: fake_embedder)
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    # Every bad file by name; an unsupported file in a folder is simply not picked up.
    expected = {name for name, _, _ in BAD_FILES if not name.endswith(".xlsx")} | {"locked.txt"}
    assert set(reasons) == expected
    for name, _, reason in BAD_FILES:
        if name in reasons:
            assert re.search(reason, reasons[name]), (name, reasons[name])
    assert reasons["locked.txt"].startswith("the file cannot be read (")
    assert summary.added == ["six-week-decision-to-assess"] and summary.written
    docs = {c.doc_id for c, _ in ChunkStore.open(settings).iter_records()}
    assert docs == {"six-week-decision-to-assess"}


def test_an_unsupported_file_named_directly_is_skipped_with_a_reason(tmp_path: Path) -> None:
    f = tmp_path / "notes.xlsx"
    f.write_bytes(b"PK\x03\x04")
    summary = Summary()
    assert load_all([f, NOTE], summary) and len(summary.skipped) == 1
    assert summary.skipped[0].path == str(f)
    reason = summary.skipped[0].reason
    assert "files are not supported; use .md, .txt, .html, .pdf or .docx" in reason


def test_two_documents_with_one_id_keep_the_first(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    copy_notes(a, ["six-week-decision-to-assess"])
    copy_notes(b, ["six-week-decision-to-assess"])
    summary = Summary()
    docs = load_all([a, b], summary)
    assert [d.source_path for d in docs] == [str(a / NOTE.name)]
    assert summary.skipped[0].path == str(b / NOTE.name)
    assert "already used by" in summary.skipped[0].reason


def test_nothing_readable_is_an_error_and_leaves_the_index_alone(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    good = copy_notes(tmp_path / "good", ["six-week-decision-to-assess", "local-offer"])
    store = ChunkStore.open(settings)
    run_ingest([good], settings, store, lambda: fake_embedder)
    before = stored_ids(store)
    bad = tmp_path / "bad"
    bad.mkdir()
    for name, raw, _ in BAD_FILES[:6]:
        (bad / name).write_bytes(raw)
    with pytest.raises(NothingIngested, match=r"No document could be ingested \(6 skipped"):
        run_ingest([bad], settings, store, lambda: fake_embedder)
    assert stored_ids(ChunkStore.open(settings)) == before  # not emptied to mirror the folder


def test_a_folder_with_no_documents_is_an_error(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(NothingIngested, match="hold no .md, .txt, .html, .pdf or .docx files"):
        run_ingest([tmp_path / "empty"], settings, ChunkStore.open(settings),
                   lambda: fake_embedder)


def test_a_missing_path_is_a_clear_error(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(SendAssistantError, match=re.escape(f"The path {missing} does not exist")):
        run_ingest([missing], settings, ChunkStore.open(settings), lambda: fake_embedder)
    assert fake_embedder.calls == 0
