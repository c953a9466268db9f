"""`send-assistant eval` and `send-assistant bench`."""

from __future__ import annotations

from typing import Any


def register_eval(sub: Any) -> None:
    pass


def register_bench(sub: Any) -> None:
    pass
