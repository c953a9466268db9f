"""Model letters parents can send, shipped as package data and filled from the user's own words.

A template is a Markdown file in ``assistant/data/letters``: YAML front matter (id, title, to,
doc_id, authorities, summary, triggers) and a body with ``{placeholder}`` fields. A field with no
value renders as a bracketed prompt, so a letter is always whole enough to edit and send. The
authorities come from the front matter and are added as the letter's last line, so the body and
its citations cannot drift apart. Nothing a user types is stored or logged here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from io import BytesIO
from pathlib import Path
from typing import Any

import yaml
from docx import Document

from assistant.authorities import parse_authority
from assistant.deadlines import MONTHS, day_month_year, find_dates
from assistant.errors import DeadlineError, LetterError
from assistant.text import STOPWORDS

#: The placeholders a body may use, and the prompt shown when a value is missing.
PLACEHOLDERS: dict[str, str] = {
    "today": "[date]",
    "parent_name": "[your full name]",
    "parent_address": "[your address]",
    "child_name": "[your child's full name]",
    "child_dob": "[your child's date of birth]",
    "school": "[your child's school]",
    "council": "[the council's name]",
    "decision_date": "[the date of the decision]",
    "decision_subject": "[what the decision was about]",
}
RECIPIENTS = ("council", "school", "mediation-adviser")
KEYS = ("id", "title", "to", "doc_id", "authorities", "summary", "triggers")
AUTHORITIES_LABEL = "Law and guidance referred to"

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.S)
_FIELD = re.compile(r"\{([^{}]*)\}")

# A template's triggers say what the user wants a letter about; these say the user wants to act
# (ask, write, complain) rather than to know something. Both must match.
_LETTER_WORDS = re.compile(
    r"\b(?:template|model\s+letter|sample\s+letter|example\s+letter|letters?\s+(?:to|asking|"
    r"requesting|for|of|about)|e-?mail\s+(?:to|asking|requesting)|write|writing\s+to|draft|"
    r"wording)\b", re.I)
_ACT = re.compile(
    r"\b(?:how|where)\s+(?:do|can|should|would|could|shall)\s+(?:i|we)\b"
    r"|\b(?:help|assist)\s+(?:me|us)\b|\b(?:can|could|would|will)\s+you\b"
    r"|\b(?:i|we)(?:'d|’d|\s+would)?\s+(?:just\s+|really\s+|only\s+|now\s+)?"
    r"(?:want|wish|like|need|plan|intend|hope)\s+(?:to|a|an|the|my|our|some|written)\b"
    r"|\b(?:i'm|i’m|i\s+am|we're|we’re|we\s+are)\s+(?:going|trying|planning|hoping|looking)\s+to\b"
    r"|\b(?:can|could|may|should|shall)\s+(?:i|we)\b"
    r"|^\W*(?:please\s+)?(?:request|ask|apply|complain|get|obtain|write|draft|give|send|make)\b",
    re.I)
_INFO_START = re.compile(
    r"^\W*(?:do|does|did|is|are|was|were|must|has|have|had|will|what|when|who|whom|why|which"
    r"|how\s+(?:long|often|many|much|soon|quickly|far))\b", re.I)

# Names are only taken where the user wrote them, capitalised, right after a word for the child.
_NAME = r"([A-Z][a-z\u00e0-\u00ff]+(?:[-'’][A-Z][a-z\u00e0-\u00ff]+)?)(?![\w-])"
_KID = (r"(?:son|daughter|child|boy|girl|kid|stepson|stepdaughter|grandson|granddaughter"
        r"|foster\s+(?:son|daughter|child)|youngest|eldest|oldest)")
_CHILD_NAME = (
    re.compile(rf"(?i:\bmy\s+{_KID}),?\s+{_NAME}"),
    re.compile(rf"(?i:\b(?:his|her|their|my\s+{_KID}(?:'s|’s))\s+name\s+is)\s+{_NAME}"),
    re.compile(rf"(?i:\b(?:{_KID}|he|she|they)(?:\s+is|'s|’s|\s+are)?\s+(?:called|named))"
               rf"\s+{_NAME}"),
)
_NOT_NAMES = frozenset(
    """school year reception nursery college academy primary secondary autism autistic adhd
    asd dyslexia dyslexic sen send ehcp ehc council needs mum dad mother father teacher senco
    aged age currently recently who has is was and but monday tuesday wednesday thursday friday
    saturday sunday today yesterday tomorrow""".split()
    + [m.lower() for m in MONTHS]
)
_PROPER = r"(?:St\.?|[A-Z][A-Za-z'’\-]+)"
_SCHOOL = re.compile(
    rf"\b((?:{_PROPER}\s+){{1,5}}(?:(?:Church\s+of\s+England|C\s+of\s+E|CE|Catholic|Junior"
    r"|Infant|Infants|Secondary|High|Grammar|Free|Community|Special)\s+)?"
    r"(?:Primary\s+School|Primary\s+Academy|School|Academy|College|Primary))\b")
_COUNCIL = re.compile(
    rf"\b((?:{_PROPER}\s+(?:(?:upon|on|and)\s+)?){{1,4}}Council)\b"
    r"|\b((?:London|Royal)\s+Borough\s+of\s+[A-Z][a-z]+(?:\s+(?:upon\s+|and\s+)?[A-Z][a-z]+){0,2})")
_GENERIC = frozenset("""primary secondary junior infant infants high grammar free community
    special school academy college city county borough district metropolitan council""".split())
#: A decision date is one the user wrote out in full, with its year.
_WITH_YEAR = re.compile(r"\d{4}\b|/\d{2}$")
_DECISION_CUE = re.compile(r"\b(?:decision|decided|decide|letter|refus\w*|dated|notice)\b", re.I)


@dataclass(frozen=True)
class LetterTemplate:
    id: str
    title: str
    to: str
    doc_id: str
    authorities: tuple[str, ...]
    summary: str
    triggers: tuple[re.Pattern[str], ...]
    body: str

    def render(self, fields: Mapping[str, str] | None = None, today: date | None = None) -> str:
        """The letter text; `today` (or fields['today']) dates it, missing fields become prompts."""
        values = {k: v.strip() for k, v in (fields or {}).items()
                  if k in PLACEHOLDERS and v and v.strip()}
        if today is not None:
            values["today"] = day_month_year(today)
        text = _FIELD.sub(lambda m: values.get(m.group(1)) or PLACEHOLDERS[m.group(1)], self.body)
        return f"{text.strip()}\n\n{AUTHORITIES_LABEL}: {'; '.join(self.authorities)}\n"


@dataclass(frozen=True)
class Letter:
    """A filled letter, as the chat offers it."""

    template: LetterTemplate
    text: str

    def filename(self, ext: str) -> str:
        """A download name built from the template id only, never from what the user typed."""
        ext = ext.lstrip(".").lower()
        if not ext.isalnum():
            raise ValueError(f"{ext!r} is not a file extension; use one like 'txt' or 'docx'.")
        return f"{self.template.id}.{ext}"

    def to_dict(self) -> dict[str, Any]:
        t = self.template
        return {"id": t.id, "title": t.title, "summary": t.summary,
                "authorities": list(t.authorities), "text": self.text}


def parse_template(name: str, text: str) -> LetterTemplate:
    """One template from its file text; every problem is named with the file and field."""
    m = _FRONT.match(text.replace("\r\n", "\n"))
    if not m:
        raise LetterError(f"Letter template {name}: start the file with YAML front matter "
                          "between two '---' lines, then the letter body.")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise LetterError(f"Letter template {name}: the front matter is not valid YAML: {exc}"
                          ) from None
    if not isinstance(meta, dict):
        raise LetterError(f"Letter template {name}: the front matter must be a mapping of fields.")
    problems = [f"unknown field '{k}'" for k in meta if k not in KEYS]
    for key in ("id", "title", "to", "doc_id", "summary"):
        if not isinstance(meta.get(key), str) or not meta[key].strip():
            problems.append(f"field '{key}' is missing or empty")
    stem = name.rsplit("/", 1)[-1].removesuffix(".md")
    if isinstance(meta.get("id"), str) and meta["id"] != stem:
        problems.append(f"field 'id' is {meta['id']!r} but must match the file name {stem!r}")
    if "to" in meta and meta["to"] not in RECIPIENTS:
        problems.append(f"field 'to' must be one of {', '.join(RECIPIENTS)}")
    authorities = _strings(meta, "authorities", problems)
    for a in authorities:
        try:
            parse_authority(a)
        except ValueError as exc:
            problems.append(f"field 'authorities': {exc}")
    triggers: list[re.Pattern[str]] = []
    for t in _strings(meta, "triggers", problems):
        try:
            triggers.append(re.compile(t, re.I))
        except re.error as exc:
            problems.append(f"field 'triggers': {t!r} is not a valid regex ({exc})")
    body = m.group(2).strip()
    if not body:
        problems.append("the letter body is empty")
    for field in _FIELD.findall(body):
        if field not in PLACEHOLDERS:
            problems.append(f"body: unknown placeholder {{{field}}}; use one of "
                            + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS))
    if re.search(r"[{}]", _FIELD.sub("", body)):
        problems.append("body: a '{' or '}' that is not part of a {placeholder}")
    if problems:
        raise LetterError(f"Letter template {name}: " + "; ".join(problems) + ".")
    return LetterTemplate(meta["id"], meta["title"].strip(), meta["to"], meta["doc_id"],
                          tuple(authorities), " ".join(meta["summary"].split()),
                          tuple(triggers), body)


def _strings(meta: Mapping[str, Any], key: str, problems: list[str]) -> list[str]:
    value = meta.get(key)
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value):
        problems.append(f"field '{key}' must be a non-empty list of strings")
        return []
    return [v.strip() for v in value]


def load_letters(folder: Path | None = None) -> dict[str, LetterTemplate]:
    """Every template in `folder` (default: the package's data/letters), by id, validated."""
    root: Traversable = folder if folder is not None else resources.files("assistant").joinpath(
        "data/letters")
    if not root.is_dir():
        raise LetterError(f"The letter templates folder {root} is missing.")
    files = sorted((f for f in root.iterdir() if f.name.endswith(".md")), key=lambda f: f.name)
    if not files:
        raise LetterError(f"No letter templates (*.md files) were found in {root}.")
    templates: dict[str, LetterTemplate] = {}
    for f in files:
        t = parse_template(str(f), f.read_text(encoding="utf-8"))
        templates[t.id] = t
    return templates


def match_letter(question: str, templates: Mapping[str, LetterTemplate]) -> LetterTemplate | None:
    """The template the user wants to act on, or None when the question only asks for facts.

    When several templates trigger, the one whose trigger follows an intent phrase most closely
    wins ("the SENCO won't meet me, I want to make a formal complaint" asks for the complaint).
    """
    q = " ".join(question.split())
    letter_words = [m.start() for m in _LETTER_WORDS.finditer(q)]
    acts = [] if _INFO_START.search(q) else [m.start() for m in _ACT.finditer(q)]
    intents = sorted(letter_words + acts)
    if not intents:
        return None
    best: tuple[tuple[int, int, int], LetterTemplate] | None = None
    for t in templates.values():
        for p in t.triggers:
            for m in p.finditer(q):
                before = [i for i in intents if i <= m.start()]
                key = ((0, m.start() - before[-1]) if before else (1, intents[0] - m.start()))
                rank = (*key, -len(m.group(0)))
                if best is None or rank < best[0]:
                    best = (rank, t)
    return best[1] if best else None


def fields_from_conversation(question: str, history: Sequence[Mapping[str, str]],
                             today: date | None = None) -> dict[str, str]:
    """Letter fields the user typed (never what the assistant said), newest mention first."""
    texts = [question, *(str(turn.get("content", "")) for turn in reversed(history)
                         if turn.get("role") == "user")]
    when = today or date.today()
    fields: dict[str, str] = {}
    for key, find in (("child_name", _child_name), ("school", _school), ("council", _council),
                      ("decision_date", lambda text: _decision_date(text, when))):
        value = next((v for v in map(find, texts) if v), None)
        if value:
            fields[key] = value
    return fields


def _child_name(text: str) -> str | None:
    for pattern in _CHILD_NAME:
        for m in pattern.finditer(text):
            if not _common(m.group(1)):
                return m.group(1)
    return None


def _common(word: str) -> bool:
    w = word.lower().replace("'", "").replace("’", "")
    return w in STOPWORDS or w in _NOT_NAMES


def _proper_name(words: list[str]) -> str | None:
    """The words left after dropping leading common words, if more than a generic type remains."""
    while words and _common(words[0]):
        words = words[1:]
    if len(words) < 2 or words[0].lower() in _GENERIC:
        return None
    return " ".join(words)


def _school(text: str) -> str | None:
    return next((n for m in _SCHOOL.finditer(text) if (n := _proper_name(m.group(1).split()))),
                None)


def _council(text: str) -> str | None:
    for m in _COUNCIL.finditer(text):
        if m.group(2):
            return " ".join(m.group(2).split())
        if name := _proper_name(m.group(1).split()):
            return name
    return None


def _decision_date(text: str, today: date) -> str | None:
    """A fully written date near a word about a decision ("letter dated 14 February 2026")."""
    try:
        found = find_dates(text, today)
    except DeadlineError:  # a date that does not exist is not filled in
        return None
    for parsed in found:
        at = text.find(parsed.text)
        window = text[max(0, at - 80): at + len(parsed.text) + 80]
        if _WITH_YEAR.search(parsed.text) and _DECISION_CUE.search(window):
            return day_month_year(parsed.value)
    return None


def fill(template: LetterTemplate, question: str, history: Sequence[Mapping[str, str]],
         today: date) -> Letter:
    """The template filled from the user's own words and dated `today`."""
    return Letter(template, template.render(fields_from_conversation(question, history, today),
                                            today))


def to_docx(letter: Letter) -> bytes:
    """The letter as a Word document, built in memory: one paragraph per paragraph, no title."""
    document = Document()
    props = document.core_properties
    props.title, props.author, props.comments = letter.template.title, "", ""
    for block in re.split(r"\n\s*\n", letter.text.strip()):
        paragraph = document.add_paragraph()
        lines = block.splitlines()
        for i, line in enumerate(lines):
            run = paragraph.add_run(line)
            if i < len(lines) - 1:
                run.add_break()
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
