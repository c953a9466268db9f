"""The guidance notes' front matter: split from the body and validated against the schema."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from assistant.authorities import parse_authority
from assistant.types import Card
from ingest.cards import CardError, parse_cards

AUDIENCES = {"parents", "staff", "both"}
NATIONS = {"england", "wales", "scotland", "northern-ireland"}
REQUIRED = (
    "id", "title", "summary", "audience", "topics", "authorities", "sources", "questions",
    "last_reviewed", "nation",
)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_FENCE = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


class FrontMatterError(ValueError):
    """Front matter that does not fit the schema; the message names every problem."""


@dataclass(frozen=True)
class NoteMeta:
    id: str
    title: str
    summary: str
    audience: str
    topics: tuple[str, ...]
    authorities: tuple[str, ...]
    sources: tuple[str, ...]
    questions: tuple[str, ...]
    last_reviewed: dt.date
    nation: str
    myth: str = ""
    #: The note's answer cards (`answers:`), checked against its body.
    cards: tuple[Card, ...] = ()
    #: `confidence: medium` marks a note resting on a point the checked facts do not confirm.
    confidence: str = "high"
    extra: dict[str, Any] = field(default_factory=dict)


def split_front_matter(text: str) -> tuple[dict[str, Any] | None, str]:
    """(front matter as a dict, or None when the file has none; the body)."""
    m = _FENCE.match(text)
    if not m:
        return None, text
    try:
        data = yaml.safe_load(m.group("yaml"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark else ""
        raise FrontMatterError(f"front matter is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise FrontMatterError("front matter must be a mapping of field: value")
    return data, text[m.end() :]


def _strings(data: dict[str, Any], key: str, problems: list[str]) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{key} must be a list of non-empty strings")
        return ()
    return tuple(v.strip() for v in value)


OPTIONAL = ("myth", "answers", "confidence", "unconfirmed")
CONFIDENCE = ("high", "medium")


def validate_note(data: dict[str, Any], expected_id: str | None = None, body: str = ""
                  ) -> NoteMeta:
    """Check a note's front matter (and its cards against `body`); raise FrontMatterError
    listing every problem found."""
    problems: list[str] = []
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise FrontMatterError("front matter is missing " + ", ".join(missing))

    note_id = data["id"]
    if not isinstance(note_id, str) or not SLUG.match(note_id):
        problems.append("id must be a lowercase slug (letters, digits, hyphens)")
    elif expected_id is not None and note_id != expected_id:
        problems.append(f"id {note_id!r} must match the file name {expected_id!r}")
    for key in ("title", "summary"):
        if not isinstance(data[key], str) or not data[key].strip():
            problems.append(f"{key} must be a non-empty string")
    if isinstance(data["summary"], str) and not data["summary"].strip().endswith((".", "?")):
        problems.append("summary must be one sentence ending with a full stop")
    if data["audience"] not in AUDIENCES:
        problems.append(f"audience must be one of {', '.join(sorted(AUDIENCES))}")
    topics = _strings(data, "topics", problems)
    if topics and not all(SLUG.match(t) for t in topics):
        problems.append("topics must be lowercase slugs")
    if not isinstance(data["authorities"], list):
        problems.append("authorities must be a list")
        authorities: tuple[str, ...] = ()
    else:
        authorities = tuple(str(a).strip() for a in data["authorities"])
        for a in authorities:
            try:
                parse_authority(a)
            except ValueError as exc:
                problems.append(f"authorities: {exc}")
    sources = _strings(data, "sources", problems)
    bad_urls = [s for s in sources if not URL.match(s)]
    if bad_urls:
        problems.append("sources must be URLs: " + ", ".join(bad_urls))
    questions = _strings(data, "questions", problems)
    if questions and not 3 <= len(questions) <= 6:
        problems.append(f"questions must hold 3 to 6 entries, not {len(questions)}")
    reviewed = data["last_reviewed"]
    if isinstance(reviewed, str):
        with contextlib.suppress(ValueError):
            reviewed = dt.date.fromisoformat(reviewed)
    if not isinstance(reviewed, dt.date):
        problems.append("last_reviewed must be a date like 2026-11-23")
    if data["nation"] not in NATIONS:
        problems.append(f"nation must be one of {', '.join(sorted(NATIONS))}")
    myth = data.get("myth", "")
    if myth and not isinstance(myth, str):
        problems.append("myth must be a string")
    confidence = str(data.get("confidence", "high"))
    if confidence not in CONFIDENCE:
        problems.append("confidence must be high or medium")
    unconfirmed = data.get("unconfirmed")
    if confidence == "medium" and not (isinstance(unconfirmed, list) and unconfirmed
                                       and all(isinstance(u, str) for u in unconfirmed)):
        problems.append("a note with confidence: medium must name its unconfirmed points "
                        "(unconfirmed: a list of strings)")
    cards: list[Card] = []
    if isinstance(note_id, str) and "answers" in data:
        try:
            cards = parse_cards(data["answers"], note_id, body, authorities)
        except CardError as exc:
            problems.append(str(exc))
    if problems:
        raise FrontMatterError("; ".join(problems))
    return NoteMeta(
        id=note_id,
        title=data["title"].strip(),
        summary=data["summary"].strip(),
        audience=data["audience"],
        topics=topics,
        authorities=authorities,
        sources=sources,
        questions=questions,
        last_reviewed=reviewed,
        nation=data["nation"],
        myth=str(myth or "").strip(),
        cards=tuple(cards),
        confidence=confidence,
        extra={k: v for k, v in data.items() if k not in REQUIRED and k not in OPTIONAL},
    )
