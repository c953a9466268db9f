"""The runtime's own subcommands (each module registers one)."""

from collections.abc import Callable
from typing import Any

from assistant.commands import ask

COMMANDS: list[Callable[[Any], None]] = [ask.register]
