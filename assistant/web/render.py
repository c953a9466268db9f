"""HTML for the chat and helpline views: source cards, help panels, status lines.

Pure functions of an Answer or passages, so they are tested without a browser. Every value is
escaped; links are http(s) only.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from assistant.letters import Letter, to_docx
from assistant.types import Answer, Citation, Passage, Signpost

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

HELP_HEADINGS = {
    "safeguarding": "Get help now",
    "not_found": "Who can help with this",
    "out_of_scope": "Who can help with this",
    "answer": "More help and advice",
}
STATUS = {
    "answer": "Answer ready, with {n} numbered sources below.",
    "not_found": "The guidance does not cover this. Places that can help are listed.",
    "out_of_scope": "This is outside what the assistant covers. Places that can help are listed.",
    "safeguarding": "Important: urgent help contacts are listed first.",
}


EMPTY_PANEL = (
    '<p class="hint panel-empty">When you ask a question, the sources the answer comes from '
    "appear here as numbered cards, with organisations that can help.</p>"
)


def _link(url: str, text: str) -> str:
    if not url.startswith(("https://", "http://")):
        return ""
    return (f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(text)}'
            '<span class="sr-only"> (opens in a new tab)</span></a>')


def source_card(c: Citation) -> str:
    """One numbered, expandable card: title and first authority, then passage and link."""
    first = f'<span class="source-auth">{escape(c.authorities[0])}</span>' if c.authorities else ""
    rest = ""
    if c.authorities:
        items = "".join(f"<li>{escape(a)}</li>" for a in c.authorities)
        rest = f'<p class="source-label">Legal basis</p><ul class="source-authorities">{items}</ul>'
    section = f'<p class="source-section">{escape(c.section)}</p>' if c.section else ""
    return (
        f'<li><details class="source-card" id="source-{c.n}">'
        f'<summary><span class="source-n">[{c.n}]</span> '
        f'<span class="source-title">{escape(c.title)}</span>{first}</summary>'
        f'<div class="source-body">{section}{rest}'
        f'<blockquote class="source-quote">{escape(c.quote)}</blockquote>'
        f'{_link(c.url, "Read the source")}</div></details></li>'
    )


def sources_html(answer: Answer | None) -> str:
    if answer is None or not answer.citations:
        return ""
    cards = "".join(source_card(c) for c in answer.citations)
    return (
        '<section class="sources" aria-labelledby="sources-heading">'
        '<h2 id="sources-heading">Sources for this answer</h2>'
        '<p class="hint">Open a source to read the passage the answer is based on.</p>'
        f'<ol class="source-list">{cards}</ol></section>'
    )


def _signpost(s: Signpost) -> str:
    link = _link(s.url, "Website") if s.url else ""
    return (f'<li class="signpost"><strong class="signpost-name">{escape(s.name)}</strong>'
            f'<span class="signpost-contact">{escape(s.contact)}</span>'
            f'<span class="signpost-purpose">{escape(s.purpose)}</span>{link}</li>')


def help_html(answer: Answer | None) -> str:
    """Signposts, in the engine's order (crisis contacts first); urgent ones as an alert."""
    if answer is None or not answer.signposts:
        return ""
    urgent = answer.kind == "safeguarding"
    lead = ('<p class="help-lead">If a child is in immediate danger, call 999 now.</p>'
            if urgent else "")
    items = "".join(_signpost(s) for s in answer.signposts)
    role = ' role="alert"' if urgent else ""
    kind = "help-urgent" if urgent else f"help-{answer.kind.replace('_', '-')}"
    return (f'<section class="help {kind}"{role} aria-labelledby="help-heading">'
            f'<h2 id="help-heading">{HELP_HEADINGS[answer.kind]}</h2>{lead}'
            f'<ul class="signposts">{items}</ul></section>')


def _data_url(media_type: str, content: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def letter_html(letter: Letter | None) -> str:
    """A model letter to read, copy or download (.txt, .docx).

    The files are built here and travel inside the page as data: links, so the letter (which
    may hold a child's name the parent typed) is never written to the server's disk.
    """
    if letter is None:
        return ""
    t = letter.template
    txt = _data_url("text/plain;charset=utf-8", letter.text.encode("utf-8"))
    docx = _data_url(DOCX_TYPE, to_docx(letter))
    return (
        '<section class="letter" aria-labelledby="letter-heading">'
        f'<h2 id="letter-heading">A letter you can adapt</h2>'
        f'<p class="letter-title"><strong>{escape(t.title)}</strong></p>'
        '<p class="hint">Fill in the parts in [square brackets] and check every detail before '
        "you send it. The letter is made for you now and is not saved.</p>"
        '<details class="letter-preview"><summary>Read the letter</summary>'
        f'<pre class="letter-text">{escape(letter.text)}</pre></details>'
        '<p class="letter-downloads">'
        f'<a class="download-btn" download="{escape(letter.filename("txt"))}" href="{txt}">'
        "Download as text (.txt)</a> "
        f'<a class="download-btn" download="{escape(letter.filename("docx"))}" href="{docx}">'
        "Download for Word (.docx)</a></p></section>"
    )


def panel_html(answer: Answer | None) -> str:
    """The side panel: for an answer its sources come first; otherwise the help does."""
    if answer is not None and answer.kind == "answer":
        return letter_html(answer.letter) + sources_html(answer) + help_html(answer)
    return help_html(answer) + sources_html(answer)


def status_text(answer: Answer) -> str:
    return STATUS[answer.kind].format(n=len(answer.citations))


def notice_html(message: str) -> str:
    """A friendly message shown in place of results (busy, limit reached, unavailable)."""
    return f'<p class="notice" role="alert">{escape(message)}</p>'


# -- helpline ------------------------------------------------------------------------------


def copy_button(label: str, what: str = "citation") -> str:
    return (f'<button type="button" class="copy-btn" data-copy="{escape(label)}" '
            f'aria-label="Copy {what}: {escape(label)}">Copy {what}</button>')


def passage_label(p: Passage) -> str:
    """The citation a helpline adviser pastes for a passage (as `Citation.label`)."""
    c = p.chunk
    return Citation(p.rank, c.doc_id, c.title, c.section, list(c.authorities), c.url,
                    "").label()


def helpline_answer_html(answer: Answer) -> str:
    text = "".join(f"<p>{escape(line)}</p>" for line in answer.text.split("\n") if line.strip())
    cites = "".join(
        f'<li><span class="cite-label">[{c.n}] {escape(c.label())}</span>'
        + (f' <span class="hint">({escape(c.section)})</span>' if c.section else "")
        + f" {copy_button(c.label())}</li>" for c in answer.citations)
    cited = f'<h3>Citations</h3><ol class="cite-list">{cites}</ol>' if cites else ""
    help_ = "".join(
        f"<li>{escape(s.name)}: {escape(s.contact)}</li>" for s in answer.signposts)
    signposts = f'<h3>Signposts</h3><ul>{help_}</ul>' if help_ else ""
    return (f'<section class="hl-answer" aria-labelledby="hl-answer-heading">'
            f'<h2 id="hl-answer-heading">Answer <span class="kind">({escape(answer.kind)})'
            f'</span></h2>{text}{cited}{signposts}</section>')


def passage_card(p: Passage) -> str:
    c = p.chunk
    auth = "".join(f"<li>{escape(a)}</li>" for a in c.authorities)
    section = f" — {escape(c.section)}" if c.section else ""
    return (
        f'<li class="hl-passage"><div class="hl-passage-head">'
        f'<span class="hl-rank">#{p.rank}</span> <strong>{escape(c.title)}</strong>{section}'
        f' <span class="hl-score">score {p.score:.4f}</span></div>'
        f'<ul class="hl-authorities">{auth}</ul>'
        f'<p class="hl-text">{escape(c.text)}</p>'
        f'<div class="hl-actions">{copy_button(passage_label(p))} {_link(c.url, "Source")}'
        f"</div></li>"
    )


def passages_html(passages: Sequence[Passage]) -> str:
    if not passages:
        return '<p class="notice">No passages match this search and these filters.</p>'
    cards = "".join(passage_card(p) for p in passages)
    return (f'<section aria-labelledby="hl-passages-heading"><h2 id="hl-passages-heading">'
            f'Ranked passages</h2><ol class="hl-passages">{cards}</ol></section>')
