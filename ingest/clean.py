"""Cleaning: strip what scraped pages carry besides their content.

Navigation ("Skip to main content", "Toggle menu"), share and print widgets, newsletter and
subscription blocks, cookie notices, placeholder text ("Lorem ipsum"), feedback prompts and
repeated link lists. Works on the Markdown-flavoured text every loader produces.
"""

from __future__ import annotations

import re

# Whole lines that are page furniture, never content.
_JUNK_LINE = re.compile(
    r"^\W*(?:"
    r"skip to (?:main )?content|skip to navigation|toggle (?:menu|navigation|search)|"
    r"(?:main )?menu|close menu|open menu|search(?: this site)?|back to top|return to top|"
    r"share(?: this(?: page| article)?)?(?: on \w+)?|print(?: this page)?|print icon|"
    r"(?:facebook|twitter|x|linkedin|email|whatsapp|instagram)(?: icon)?(?:\s+(?:facebook|"
    r"twitter|x|linkedin|email|whatsapp|instagram)(?: icon)?)*|"
    r"was this page (?:helpful|useful)\??|yes\s*no|is there anything wrong with this page\??|"
    r"buy now|read more|find out more|learn more|sign in|log in|register|"
    r"add your heading text here|this is the heading|\?\?+|"
    r"(?:view|download) .{0,40}\(opens (?:in )?a new (?:window|tab)\)|"
    r"related (?:guides|pages|articles|links)|disclaimer|cookie settings|accept(?: all)? cookies|"
    r"reject(?: all)? cookies|manage cookies|home\s*[/>›].*"
    r")\W*$",
    re.I,
)
# Paragraphs that are furniture wherever they appear.
_JUNK_PARAGRAPH = re.compile(
    r"lorem ipsum|we use (?:some )?(?:essential )?cookies|this (?:web)?site uses cookies|"
    r"cookies (?:on|to make) this (?:site|website)|opens (?:in )?a new (?:window|tab)",
    re.I,
)
# Paragraphs that are furniture and open a subscription or sales block.
_BLOCK_START = re.compile(
    r"subscribe (?:to|for)\b|sign up (?:to|for) (?:our|the)\b.*newsletter|newsletters?\b.*sign up|"
    r"(?:our|the) (?:most recent|latest) newsletter|educational insight in your inbox|"
    r"try before you buy",
    re.I,
)
# Lines that belong to a subscription or sales block once one has started.
_BLOCK_TAIL = re.compile(r"^(?:[☑✓✔•*-]\s|.{0,60}$)")


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text)]


def _is_heading(line: str) -> bool:
    return line.lstrip().startswith("#")


def clean_text(text: str, markup: bool = True) -> str:
    """Return `text` without page furniture. `markup` is False for sources with no headings."""
    text = text.replace("\r\n", "\n").replace("\u00a0", " ")
    seen_lines: set[str] = set()
    out: list[str] = []
    in_block = False
    for para in _paragraphs(text):
        lines = [ln.rstrip() for ln in para.split("\n")]
        kept: list[str] = []
        for line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            key = re.sub(r"\W+", " ", stripped.lower()).strip()
            if _JUNK_LINE.match(stripped):
                continue
            # A repeated line (a link list or a block scraped twice) is kept once.
            if len(key) > 3 and key in seen_lines and not _is_heading(stripped):
                continue
            seen_lines.add(key)
            kept.append(line)
        if not kept:
            continue
        joined = "\n".join(kept)
        if _BLOCK_START.search(joined):
            in_block = True
            continue
        if _JUNK_PARAGRAPH.search(joined):
            continue  # a cookie notice or placeholder opens no block: what follows is content
        if in_block:
            # Inside a subscription block, short lines and ticked bullets are more of it;
            # a heading or a real paragraph ends it.
            if not _is_heading(joined) and all(_BLOCK_TAIL.match(k.strip()) for k in kept):
                continue
            in_block = False
        if not markup:
            kept = _drop_menus(kept)
            if not kept:
                continue
        out.append("\n".join(kept))
    return "\n\n".join(out).strip() + "\n"


def _drop_menus(lines: list[str]) -> list[str]:
    """Drop runs of three or more very short lines: a navigation list with no sentences."""
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) < 3:
            out.extend(run)
        run.clear()

    for line in lines:
        words = line.strip().lstrip("-•* ").split()
        if 0 < len(words) <= 3 and not re.search(r"[.:;!?]$", line.strip()):
            run.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return out
