"""HTML for the chat and helpline views: answers with their own numbered sources, help
panels, letters, status lines, helpline citations and passages.

Pure functions of an Answer or passages, so they are tested without a browser. Text from the
engine and the user is escaped; Markdown in answers and passages (lists, tables, emphasis) is
rendered with raw HTML escaped and links kept to http(s).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from html import escape

from markdown_it import MarkdownIt

from assistant.compose import DISCLAIMER
from assistant.letters import Letter, to_docx
from assistant.query import ANSWERING
from assistant.text import sentences
from assistant.types import Answer, Citation, Passage, Signpost

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

HELP_HEADINGS = {
    "safeguarding": "Get help now",
    "not_found": "Who can help with this",
    "out_of_scope": "Who can help with this",
    "answer": "More help and advice",
}
#: The status line under the question box: sources sit inside each answer at every width.
STATUS = {
    "answer": "Answer ready, with {sources} under it.",
    "not_found": "The guidance does not cover this. Places that can help are listed in the "
                 "answer.",
    "out_of_scope": "This is outside what the assistant covers. Places that can help are listed "
                    "in the answer.",
    "safeguarding": "Important: urgent help contacts are listed first in the answer.",
}
#: The helpline's heading for each kind of reply (the engine's kind names are not shown).
HELPLINE_HEADINGS = {
    "answer": "Answer",
    "not_found": "Not covered by the guidance",
    "out_of_scope": "Outside what the assistant covers",
    "safeguarding": "Safeguarding: urgent help first",
}
SUGGESTIONS_LEAD = "You could also ask:"

# Citation markers become placeholders before Markdown is rendered (so that no Markdown rule
# can read them as link syntax) and links after.
_MARK = re.compile(r"\[(\d+)\]")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


def _web_link(url: str) -> bool:
    return url.strip().lower().startswith(("https://", "http://"))


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
    md.enable("table")
    # Only web links survive: no javascript: or data: URLs.
    md.validateLink = _web_link  # type: ignore[method-assign]

    def link_open(self, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        tokens[idx].attrSet("target", "_blank")
        tokens[idx].attrSet("rel", "noopener noreferrer")
        return self.renderToken(tokens, idx, options, env)

    md.add_render_rule("link_open", link_open)
    return md


_MD = _markdown()


def _separate_lists(text: str) -> str:
    """A blank line after a list when a plain line follows it, so that the line (an
    "Answering: …" line, a closing sentence) is not read as part of the last item."""
    out: list[str] = []
    in_list = False
    for line in text.split("\n"):
        if line.strip() and in_list and not _LIST_ITEM.match(line) and not line.startswith(" "):
            out.append("")
        if line.strip():
            in_list = bool(_LIST_ITEM.match(line)) or (in_list and line.startswith(" "))
        out.append(line)
    return "\n".join(out)


def markdown_html(text: str) -> str:
    """Markdown (lists, tables, emphasis) as HTML; raw HTML in the text is escaped."""
    return _MD.render(_separate_lists(text)).strip()


def _link(url: str, text: str) -> str:
    if not url.startswith(("https://", "http://")):
        return ""
    return (f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(text)}'
            '<span class="sr-only"> (opens in a new tab)</span></a>')


def _data_url(media_type: str, content: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _attr(text: str) -> str:
    """Text for an attribute or a <pre>, on one line: Gradio re-indents a message's lines."""
    return escape(text).replace("\n", "&#10;")


def copy_button(text: str, label: str, name: str | None = None) -> str:
    """A button that copies `text`; `name` is its accessible name (it starts with `label`)."""
    aria = f' aria-label="{escape(name)}"' if name and name != label else ""
    return (f'<button type="button" class="copy-btn" data-copy="{_attr(text)}"{aria}>'
            f"{escape(label)}</button>")


def card_label(c: Citation) -> str:
    """A source card's label: the passage's own title and section."""
    if c.section and c.section != c.title:
        return f"{c.title} — {c.section}"
    return c.title


# -- the parents' chat ---------------------------------------------------------------------


def source_id(turn: int, n: int) -> str:
    """The id of source `n` of the answer at `turn`: unique on the page, so an earlier
    answer's [n] keeps pointing at its own source."""
    return f"a{turn}-source-{n}"


def _marked(quote: str, html: str) -> str:
    """The passage's HTML with the quoted sentence marked, where it appears as written."""
    q = escape(quote.strip(), quote=False)
    if not q or q not in html:
        return html
    return html.replace(q, f'<mark class="source-quoted">{q}</mark>', 1)


def source_card(c: Citation, turn: int) -> str:
    """One numbered, collapsed card: label and first authority; inside, the whole passage
    with the quoted sentence marked, the legal basis and a link."""
    first = f'<span class="source-auth">{escape(c.authorities[0])}</span>' if c.authorities else ""
    rest = ""
    if c.authorities:
        items = "".join(f"<li>{escape(a)}</li>" for a in c.authorities)
        rest = f'<p class="source-label">Legal basis</p><ul class="source-authorities">{items}</ul>'
    if c.passage:
        body = f'<div class="source-passage">{_marked(c.quote, markdown_html(c.passage))}</div>'
    else:
        body = f'<blockquote class="source-quote">{escape(c.quote)}</blockquote>'
    return (
        f'<li><details class="source-card" id="{source_id(turn, c.n)}">'
        f'<summary><span class="source-n">[{c.n}]</span> '
        f'<span class="source-title">{escape(card_label(c))}</span>{first}</summary>'
        f'<div class="source-body">{body}{rest}'
        f'{_link(c.url, "Read the source")}</div></details></li>'
    )


def sources_html(answer: Answer | None, turn: int = 1) -> str:
    if answer is None or not answer.citations:
        return ""
    cards = "".join(source_card(c, turn) for c in answer.citations)
    heading = f"a{turn}-sources"
    return (
        f'<section class="sources" aria-labelledby="{heading}">'
        f'<h2 id="{heading}" class="sources-heading">Sources for this answer</h2>'
        f'<ol class="source-list">{cards}</ol></section>'
    )


def _cite_links(html: str, answer: Answer, turn: int) -> str:
    numbers = {c.n: c for c in answer.citations}

    def link(m: re.Match[str]) -> str:
        c = numbers[int(m.group(1))]
        return (f'<a class="cite-ref" href="#{source_id(turn, c.n)}" '
                f'title="{escape(card_label(c))}"><span aria-hidden="true">[{c.n}]</span>'
                f'<span class="sr-only">source {c.n}</span></a>')

    return _PLACEHOLDER.sub(link, html)


def _text_html(answer: Answer, turn: int | None) -> tuple[str, bool]:
    """The answer's text as HTML, and whether it closed with the disclaimer.

    The "Answering: …" line is shown as the question answered; with `turn`, each [n] links to
    its source card, without it the markers stay as text (the helpline lists its citations
    right after the text).
    """
    numbers = {c.n for c in answer.citations}
    parts: list[str] = []
    block: list[str] = []
    closed = False

    def flush() -> None:
        if not block:
            return
        text = "\n".join(block).strip("\n")
        block.clear()
        if not text.strip():
            return
        if turn is not None:
            text = _MARK.sub(lambda m: f"\ue000{m.group(1)}\ue001"
                             if int(m.group(1)) in numbers else m.group(), text)
        html = markdown_html(text)
        parts.append(_cite_links(html, answer, turn) if turn is not None else html)

    for line in answer.text.split("\n"):
        if line.startswith(ANSWERING):
            flush()
            asked = line[len(ANSWERING):].strip()
            parts.append(f'<p class="answering"><span class="answering-label">Answering:</span> '
                         f"{escape(asked)}</p>")
        elif line.strip() == DISCLAIMER:
            flush()
            closed = True
        else:
            block.append(line)
    flush()
    return "".join(parts), closed


def _signpost(s: Signpost) -> str:
    link = _link(s.url, "Website") if s.url else ""
    return (f'<li class="signpost"><strong class="signpost-name">{escape(s.name)}</strong>'
            f'<span class="signpost-contact">{escape(s.contact)}</span>'
            f'<span class="signpost-purpose">{escape(s.purpose)}</span>{link}</li>')


def help_html(answer: Answer | None) -> str:
    """Signposts, in the engine's order (crisis contacts first). After an ordinary answer they
    are collapsed; otherwise, and urgently for safeguarding, they are shown open."""
    if answer is None or not answer.signposts:
        return ""
    items = "".join(_signpost(s) for s in answer.signposts)
    heading = HELP_HEADINGS[answer.kind]
    if answer.kind == "answer":
        return (f'<details class="help help-answer"><summary>{heading}</summary>'
                f'<ul class="signposts">{items}</ul></details>')
    urgent = answer.kind == "safeguarding"
    lead = ('<p class="help-lead">If a child is in immediate danger, call 999 now.</p>'
            if urgent else "")
    kind = "help-urgent" if urgent else f"help-{answer.kind.replace('_', '-')}"
    return (f'<section class="help {kind}"><h2 class="help-heading">{heading}</h2>{lead}'
            f'<ul class="signposts">{items}</ul></section>')


def letter_html(letter: Letter | None, turn: int = 1) -> str:
    """A model letter to read, copy or download (.txt, .docx).

    The files are built here and travel inside the page as data: links, so the letter (which
    may hold a child's name the parent typed) is never written to the server's disk.
    """
    if letter is None:
        return ""
    t = letter.template
    txt = _data_url("text/plain;charset=utf-8", letter.text.encode("utf-8"))
    docx = _data_url(DOCX_TYPE, to_docx(letter))
    heading = f"a{turn}-letter"
    return (
        f'<section class="letter" aria-labelledby="{heading}">'
        f'<h2 id="{heading}" class="letter-heading">A letter you can adapt</h2>'
        f'<p class="letter-title"><strong>{escape(t.title)}</strong></p>'
        '<p class="hint">Fill in the parts in [square brackets] and check every detail before '
        "you send it. The letter is made for you now and is not saved.</p>"
        '<details class="letter-preview"><summary>Read the letter</summary>'
        f'<pre class="letter-text">{_attr(letter.text)}</pre></details>'
        '<p class="letter-actions">'
        f"{copy_button(letter.text, 'Copy the letter')} "
        f'<a class="download-btn" download="{escape(letter.filename("txt"))}" href="{txt}">'
        "Download as text (.txt)</a> "
        f'<a class="download-btn" download="{escape(letter.filename("docx"))}" href="{docx}">'
        "Download for Word (.docx)</a></p></section>"
    )


def plain_answer(answer: Answer) -> str:
    """The answer as a person pastes it: its text, then each source in full."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        lines += [f"[{c.n}] {c.full()}" for c in answer.citations]
    return "\n".join(lines)


def answer_html(answer: Answer, turn: int) -> str:
    """One answer as a chat message: its text (each [n] a link to its source), the question
    it answers, then its letter, its own sources (collapsed), help, the disclaimer and a copy
    button. `turn` numbers the answer in the conversation, for ids unique on the page."""
    text, closed = _text_html(answer, turn)
    parts = [f'<div class="answer answer-{answer.kind.replace("_", "-")}">',
             f'<div class="answer-text">{text}</div>']
    if answer.kind == "answer":
        parts += [letter_html(answer.letter, turn), sources_html(answer, turn),
                  help_html(answer)]
    else:
        parts += [help_html(answer), letter_html(answer.letter, turn),
                  sources_html(answer, turn)]
    if closed:
        parts.append(f'<p class="disclaimer">{escape(DISCLAIMER)}</p>')
    parts.append(f'<p class="answer-actions">{copy_button(plain_answer(answer), "Copy answer")}'
                 "</p>")
    if answer.suggestions:
        parts.append(f'<p class="suggestions-lead">{SUGGESTIONS_LEAD}</p>')
    parts.append("</div>")
    return "".join(parts)


def user_html(text: str) -> str:
    """The user's own words as a chat message, escaped (nothing they type is markup)."""
    return f'<p class="user-text">{_attr(text)}</p>'


def notice_message(text: str) -> str:
    """A refusal (busy, limit reached, unavailable) as a chat message."""
    return f'<p class="notice-text">{escape(text)}</p>'


def sources_phrase(n: int) -> str:
    return "no sources" if n == 0 else "1 numbered source" if n == 1 else f"{n} numbered sources"


def status_text(answer: Answer) -> str:
    return STATUS[answer.kind].format(sources=sources_phrase(len(answer.citations)))


def status_html(text: str, alert: bool = False) -> str:
    """The line under the question box. It is not a live region: the conversation (a live
    log) announces each answer once. A problem that leaves the conversation as it was (an
    empty question) is an alert instead."""
    if not text:
        return '<p class="chat-status"></p>'
    role = ' role="alert"' if alert else ""
    return f'<p class="chat-status"{role}>{escape(text)}</p>'


def notice_html(message: str) -> str:
    """A friendly message shown in place of results (busy, limit reached, unavailable)."""
    return f'<p class="notice" role="alert">{escape(message)}</p>'


# -- helpline ------------------------------------------------------------------------------


def passage_citation(p: Passage) -> Citation:
    """A ranked passage as a citation, quoting its first sentence."""
    c = p.chunk
    quote = (sentences(c.text) or [c.text])[0]
    return Citation(p.rank, c.doc_id, c.title, c.section, list(c.authorities), c.url, quote,
                    c.text, c.id)


def citation_line(c: Citation) -> str:
    """How a citation reads in the helpline: authority — title (section)."""
    return c.full().split("\n", 1)[0]


def _answered_by(answer: Answer) -> str:
    if answer.card:
        return (f'<p class="hl-card">Answered by the card <code>{escape(answer.card)}</code>'
                "</p>")
    if answer.kind == "answer" and answer.tool:
        return f'<p class="hl-card">Worked out by the {escape(answer.tool)} tool.</p>'
    if answer.kind == "answer":
        return ('<p class="hl-card">No answer card matched: the reply shows the closest '
                "passages.</p>")
    return ""


def helpline_answer_html(answer: Answer) -> str:
    text, closed = _text_html(answer, None)
    cites = "".join(
        f'<li class="cite"><span class="cite-label">[{c.n}] {escape(citation_line(c))}</span>'
        + (f'<blockquote class="cite-quote">{escape(c.quote)}</blockquote>' if c.quote else "")
        + copy_button(c.full(), "Copy citation", f"Copy citation {c.n}: {citation_line(c)}")
        + "</li>" for c in answer.citations)
    cited = f'<h3>Citations</h3><ol class="cite-list">{cites}</ol>' if cites else ""
    help_ = "".join(
        f"<li>{escape(s.name)}: {escape(s.contact)}</li>" for s in answer.signposts)
    signposts = f"<h3>Signposts</h3><ul>{help_}</ul>" if help_ else ""
    disclaimer = f'<p class="disclaimer">{escape(DISCLAIMER)}</p>' if closed else ""
    return (f'<section class="hl-answer" aria-labelledby="hl-answer-heading">'
            f'<h2 id="hl-answer-heading">{HELPLINE_HEADINGS[answer.kind]}</h2>'
            f'{_answered_by(answer)}<div class="hl-text">{text}</div>{disclaimer}{cited}'
            f"{signposts}</section>")


def passage_card(p: Passage) -> str:
    c = p.chunk
    cite = passage_citation(p)
    auth = "".join(f"<li>{escape(a)}</li>" for a in c.authorities)
    section = f" — {escape(c.section)}" if c.section and c.section != c.title else ""
    copy_label = f"Copy citation #{p.rank}: {citation_line(cite)}"
    return (
        f'<li class="hl-passage"><div class="hl-passage-head">'
        f'<span class="hl-rank">#{p.rank}</span> <strong>{escape(c.title)}</strong>{section}'
        f"</div>"
        f'<ul class="hl-authorities">{auth}</ul>'
        f'<div class="hl-text">{markdown_html(c.text)}</div>'
        f'<div class="hl-actions">'
        f'{copy_button(cite.full(), "Copy citation", copy_label)}'
        f' {_link(c.url, "Source")}</div></li>'
    )


def passages_html(passages: Sequence[Passage]) -> str:
    if not passages:
        return '<p class="notice">No passages match this search and these filters.</p>'
    cards = "".join(passage_card(p) for p in passages)
    return (f'<section aria-labelledby="hl-passages-heading"><h2 id="hl-passages-heading">'
            f'Ranked passages</h2><p class="hint">Best match first.</p>'
            f'<ol class="hl-passages">{cards}</ol></section>')
