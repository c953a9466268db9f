"""The runtime's own subcommands (each module registers one)."""

from collections.abc import Callable
from typing import Any

COMMANDS: list[Callable[[Any], None]] = []
