"""`send-assistant review list [--json]` and `send-assistant review export FILE [--force]`:
the answers helpline advisers flagged, and the same as eval cases for an evaluator to finish.

The export follows the eval cases schema (evals/cases.py, version 1). What an adviser gave
becomes what it can: their authority a `cites` pattern, a right answer opening "Yes" or "No"
a `polarity`, a right answer at all the outcome "answer". The facts, the lead and the card
are left for the evaluator, with the adviser's words and the card that answered written
above each case as comments.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from assistant.settings import Settings
from assistant.web.flags import Flag, FlagStore

#: The eval cases schema the export is written in (evals/cases.py's SCHEMA_VERSION).
CASES_VERSION = 1
_POLARITY = re.compile(r"^\s*(yes|no)\b", re.I)
_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")
HEADER = """\
# Answers flagged by helpline advisers, exported by `send-assistant review export`.
# Schema: evals/cases.py (version {version}). Each case still needs an evaluator: write the
# facts (regexes the right answer must state), the lead, and the card that should answer,
# check the rest, then move the case into evals/cases.yaml.
"""


def register(sub: Any) -> None:
    p = sub.add_parser("review", help="list flagged answers, or export them as eval cases",
                       description="Answers that helpline advisers flagged as wrong or "
                       "unhelpful (kept in SEND_INDEX_DIR/flags.sqlite3).")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="show the flags, oldest first")
    listing.add_argument("--json", action="store_true", help="print the flags as JSON")
    listing.set_defaults(handler=run_list)
    export = actions.add_parser("export", help="write the flags as eval cases (YAML)")
    export.add_argument("file", type=Path, metavar="FILE", help="the YAML file to write")
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    export.set_defaults(handler=run_export)


def _one_line(text: str | None, limit: int = 0) -> str:
    flat = " ".join((text or "").split())
    return flat if not limit or len(flat) <= limit else flat[: limit - 1] + "…"


def render(flags: list[Flag]) -> str:
    if not flags:
        return "No flags yet. Advisers flag answers in the helpline look-up (/helpline/)."
    lines: list[str] = []
    for f in flags:
        lines += [f"#{f.id}  {f.created}  {f.verdict}  answered by: "
                  f"{f.card or 'no card'} ({f.answer_kind})",
                  f"    question: {_one_line(f.question, 200)}",
                  f"    reason:   {_one_line(f.reason, 200)}"]
        if f.right_answer:
            lines.append(f"    right answer: {_one_line(f.right_answer, 200)}")
        if f.authority:
            lines.append(f"    authority: {f.authority}")
    lines.append(f"{len(flags)} flag{'s' if len(flags) != 1 else ''}.")
    return "\n".join(lines)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    flags = FlagStore.for_settings(settings).all()
    if args.json:
        print(json.dumps([asdict(f) for f in flags], indent=2, ensure_ascii=False))
    else:
        print(render(flags))
    return 0


def _slug(text: str, words: int = 6) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words]) or "question"


def pattern(text: str) -> str:
    """A regex matching `text` as written (`re.escape` would escape its spaces too)."""
    return _SPECIAL.sub(r"\\\1", text)


def to_case(flag: Flag) -> dict[str, Any]:
    """A flag as an eval case (evals/cases.py), for an evaluator to finish."""
    polarity = _POLARITY.match(flag.right_answer)
    return {
        "id": f"flag-{flag.id}-{_slug(flag.question)}",
        "question": flag.question,
        "expect": {
            "outcome": "answer" if flag.right_answer else flag.answer_kind,
            "facts": [],
            "cites": [pattern(flag.authority)] if flag.authority else [],
            "lead": [],
            "polarity": polarity.group(1).lower() if polarity else None,
            "card": None,
        },
        "tags": ["flagged", f"flagged-{flag.verdict}"],
    }


def _comments(flag: Flag) -> list[str]:
    lines = [f"flag {flag.id} ({flag.created}): {flag.verdict}: {_one_line(flag.reason)}",
             "answered by: " + (f"card {flag.card} ({_one_line(flag.answering)})" if flag.card
                                else f"no card ({flag.answer_kind})")]
    if flag.right_answer:
        lines.append(f"right answer (adviser): {_one_line(flag.right_answer)}")
    if flag.authority:
        lines.append(f"its authority (adviser): {_one_line(flag.authority)}")
    return [f"  # {line}" for line in lines]


def export_yaml(flags: list[Flag]) -> str:
    """The eval cases file for `flags`, with each flag's story as comments above its case."""
    parts = [HEADER.format(version=CASES_VERSION), f"version: {CASES_VERSION}", "cases:"]
    for flag in flags:
        case = yaml.safe_dump([to_case(flag)], sort_keys=False, allow_unicode=True, width=100)
        parts += _comments(flag)
        parts += [f"  {line}" if line else line for line in case.rstrip("\n").split("\n")]
    return "\n".join(parts) + "\n"


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    flags = FlagStore.for_settings(settings).all()
    if not flags:
        print("error: there are no flags to export yet.", file=sys.stderr)
        return 1
    path: Path = args.file
    if path.exists() and not args.force:
        print(f"error: {path} exists; choose another FILE or add --force to replace it.",
              file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(export_yaml(flags), encoding="utf-8")
    print(f"Wrote {len(flags)} case{'s' if len(flags) != 1 else ''} to {path}. Finish each "
          "case's facts, lead and card, then add it to evals/cases.yaml.")
    return 0
