"""The runtime's own subcommands (each module registers one)."""

from collections.abc import Callable
from typing import Any

from assistant.commands import ask, deadline, review, serve

COMMANDS: list[Callable[[Any], None]] = [ask.register, deadline.register, review.register,
                                         serve.register]
