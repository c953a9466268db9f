"""`send-assistant deadline KIND DATE [--certificate DATE] [--today DATE] [--json]`."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from assistant.deadlines import (
    ALIASES,
    DATE_FORMS,
    RULES,
    Deadline,
    Rule,
    compute,
    format_date,
    parse_date,
    resolve_kind,
)
from assistant.settings import Settings


def register(sub: Any) -> None:
    p = sub.add_parser(
        "deadline", help="work out a statutory SEND deadline from a date",
        description="Work out a statutory SEND deadline from the date it runs from.\n"
                    f"Dates are read the UK way: {DATE_FORMS}.",
        epilog=kinds_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", metavar="KIND", help="one of the kinds below, or its short name")
    # Several words, so `deadline assess 3 March 2026` works without quotes.
    p.add_argument("date", metavar="DATE", nargs="+", help="the date the period runs from")
    p.add_argument("--certificate", metavar="DATE",
                   help="appeal only: the date on the mediation certificate (quote it if it has "
                        "spaces)")
    p.add_argument("--today", metavar="DATE", help="count as if today were DATE")
    p.add_argument("--json", action="store_true", help="print the deadline as JSON")
    p.set_defaults(handler=run)


def counted(rule: Rule, start: str = "") -> str:
    """How the rule counts, e.g. '6 weeks from 3 March 2026 (the day ... request)'."""
    if rule.kind.startswith("phase-transfer"):  # a fixed day, not a period from the start
        return rule.period + (f", for a move on {start}" if start else "")
    return f"{rule.period} from " + (f"{start} ({rule.starts})" if start else rule.starts)


def kinds_help() -> str:
    lines = ["kinds (short names in brackets):"]
    for kind, rule in RULES.items():
        short = [a for a, k in ALIASES.items() if k == kind]
        lines.append(f"  {kind}" + (f" ({', '.join(short)})" if short else ""))
        lines.append(f"      {counted(rule)} — {rule.authority}")
    return "\n".join(lines)


def render(d: Deadline, assumed: list[str], today: date) -> str:
    r = d.rule
    lines = [f"{r.label[0].upper()}{r.label[1:]}: {format_date(d.due)}",
             f"  {counted(r, format_date(d.start))} — {r.authority}"]
    if r.exceptions:
        lines.append(f"  Exceptions: {r.exceptions}")
    lines += [f"  {line}" for line in (*d.notes, *assumed)]
    if d.passed:
        lines.append("  This date has passed.")
    elif d.due == today:
        lines.append("  That is today.")
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    kind = resolve_kind(args.kind)  # a wrong kind is reported before a wrong date
    today = parse_date(args.today, date.today()).value if args.today else date.today()
    start = parse_date(" ".join(args.date), today)
    certificate = parse_date(args.certificate, today) if args.certificate else None
    result = compute(kind, start.value, today=today,
                     certificate=certificate.value if certificate else None)
    assumed = [p.assumed for p in (start, certificate) if p and p.assumed]
    if args.json:
        print(json.dumps({**result.to_dict(), "assumed": " ".join(assumed)}, indent=2,
                         ensure_ascii=False))
    else:
        print(render(result, assumed, today))
    return 0
