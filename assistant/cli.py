"""The `send-assistant` command.

Subcommands are found through the `send_assistant.commands` entry point group, so that the
runtime package does not import the packages built on it (`ingest`, `evals`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from assistant.errors import ConfigError, IndexMissingError, SendAssistantError
from assistant.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="send-assistant",
        description="Cited answers about SEND support in English schools.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from assistant.commands import COMMANDS

    for register in COMMANDS:
        register(sub)
    for ep in sorted(entry_points(group="send_assistant.commands"), key=lambda e: e.name):
        ep.load()(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
        return int(args.handler(args, settings) or 0)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except IndexMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except SendAssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
