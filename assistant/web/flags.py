"""Answers that helpline advisers flagged as wrong or unhelpful, kept in a local SQLite file.

The file sits in the index folder (SEND_INDEX_DIR) as `flags.sqlite3` and is made on the first
flag. A flag holds the question only because an adviser chose to flag it, with contact
details, names, dates of birth, addresses, postcodes and NHS numbers taken out first; the
parents' chat has no flag and writes nothing here. `send-assistant review` lists the flags
and exports them as eval cases.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from assistant.errors import QuestionError
from assistant.privacy import redact_personal
from assistant.settings import Settings
from assistant.types import Answer

FILE_NAME = "flags.sqlite3"
SCHEMA_VERSION = 1
Verdict = Literal["wrong", "unhelpful"]
VERDICTS: tuple[str, ...] = ("wrong", "unhelpful")
#: Longest reason, right answer and authority accepted (a flag is a note, not an essay).
MAX_NOTE_CHARS = 2000
MAX_AUTHORITY_CHARS = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('wrong', 'unhelpful')),
    reason TEXT NOT NULL,
    question TEXT NOT NULL,
    answer_kind TEXT NOT NULL,
    card TEXT,
    answering TEXT,
    answer_text TEXT NOT NULL,
    citations TEXT NOT NULL,
    right_answer TEXT NOT NULL DEFAULT '',
    authority TEXT NOT NULL DEFAULT ''
)
"""


@dataclass(frozen=True)
class Flag:
    """One adviser's flag on one answer. `citations` are the answer's, as pasted."""

    verdict: Verdict
    reason: str
    question: str
    answer_kind: str
    answer_text: str
    card: str | None = None
    answering: str | None = None
    citations: tuple[str, ...] = ()
    right_answer: str = ""
    authority: str = ""
    id: int = 0
    created: str = ""

    @classmethod
    def of(cls, answer: Answer, question: str, verdict: str, reason: str,
           right_answer: str = "", authority: str = "") -> Flag:
        """A flag on `answer`, checked; QuestionError (shown to the adviser) if unusable."""
        reason, right_answer, authority = (x.strip() for x in (reason, right_answer, authority))
        if verdict not in VERDICTS:
            raise QuestionError("Choose whether the answer is wrong or unhelpful.")
        if not reason:
            raise QuestionError("Please say why the answer is wrong or unhelpful.")
        for name, text, limit in (("The reason", reason, MAX_NOTE_CHARS),
                                  ("The right answer", right_answer, MAX_NOTE_CHARS),
                                  ("The authority", authority, MAX_AUTHORITY_CHARS)):
            if len(text) > limit:
                raise QuestionError(f"{name} is too long; the limit is {limit:,} characters.")
        return cls(verdict=verdict, reason=redact_personal(reason),  # type: ignore[arg-type]
                   question=redact_personal(question), answer_kind=answer.kind,
                   answer_text=answer.text, card=answer.card, answering=answer.answering,
                   citations=tuple(c.full() for c in answer.citations),
                   right_answer=redact_personal(right_answer), authority=authority)


@dataclass
class FlagStore:
    """The flags file: `add` one, read them `all`. Each call opens its own connection, so
    the store is safe to share between the server's threads."""

    path: Path
    _ready: bool = field(default=False, repr=False)

    @classmethod
    def for_settings(cls, settings: Settings) -> FlagStore:
        return cls(Path(settings.index_dir) / FILE_NAME)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            if not self._ready:
                db.execute(_SCHEMA)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._ready = True
            yield db

    def add(self, flag: Flag) -> int:
        """Keep a flag; its id."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO flags (created, verdict, reason, question, answer_kind, card, "
                "answering, answer_text, citations, right_answer, authority) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (created, flag.verdict, flag.reason, flag.question, flag.answer_kind, flag.card,
                 flag.answering, flag.answer_text, json.dumps(list(flag.citations)),
                 flag.right_answer, flag.authority))
            return int(cursor.lastrowid or 0)

    def all(self) -> list[Flag]:
        """Every flag, oldest first; none when no flag was ever made."""
        if not self.path.is_file():
            return []
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, created, verdict, reason, question, answer_kind, card, answering, "
                "answer_text, citations, right_answer, authority FROM flags ORDER BY id"
            ).fetchall()
        return [Flag(id=r[0], created=r[1], verdict=r[2], reason=r[3], question=r[4],
                     answer_kind=r[5], card=r[6], answering=r[7], answer_text=r[8],
                     citations=tuple(json.loads(r[9])), right_answer=r[10], authority=r[11])
                for r in rows]
