"""`send-assistant ask "QUESTION" [--json]`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from assistant.answer import Engine
from assistant.settings import Settings
from assistant.types import Answer


def register(sub: Any) -> None:
    p = sub.add_parser("ask", help="answer one question with numbered sources")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    p.add_argument("--passages", action="store_true", help="with --json, include passages")
    p.set_defaults(handler=run)


def render(a: Answer) -> str:
    lines = [a.text]
    if a.citations:
        lines += ["", "Sources:"]
        for c in a.citations:
            auth = "; ".join(c.authorities)
            lines.append(f"[{c.n}] {c.title}" + (f" — {auth}" if auth else ""))
            if c.url:
                lines.append(f"    {c.url}")
    if a.letter is not None:
        lines += ["", f"Model letter: {a.letter.template.title}", "-" * 40, a.letter.text,
                  "-" * 40]
    if a.signposts:
        lines += ["", "Where to get help:"]
        lines += [f"- {s.name}: {s.contact}" + (f" ({s.url})" if s.url else "")
                  for s in a.signposts]
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    result = Engine.from_settings(settings).answer(args.question)
    if args.json:
        print(json.dumps(result.to_dict(include_passages=args.passages), indent=2,
                         ensure_ascii=False))
    else:
        print(render(result))
    return 0
