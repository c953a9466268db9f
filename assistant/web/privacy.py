"""Contact details typed into the chat are never logged or stored: `redact` removes them.

Parents sometimes type an email address or a phone number into a question. The web layer
redacts questions and conversation history before the engine sees them, so neither the
engine's logs (even with SEND_LOG_QUESTIONS on) nor anything else keeps them.
"""

from __future__ import annotations

import re

EMAIL_MARK = "[email]"
PHONE_MARK = "[phone]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A run of digits, spaces, dots, dashes and brackets, perhaps after "+" or "00"; whether it
# is a phone number is decided by its count of digits (below).
_PHONE_CANDIDATE = re.compile(r"(?<![\w+])(?:\+|\(\+?)?\d[\d ().\-\u00a0]{6,}\d(?!\w)")
#: A UK number has 10 or 11 digits (07700 900123, 020 7946 0958); with +44 or 0044 up to 14;
#: an international number at most 15. Shorter runs are dates, sums or paragraph numbers.
PHONE_DIGITS = range(10, 16)


def _phone(match: re.Match[str]) -> str:
    digits = sum(ch.isdigit() for ch in match.group())
    return PHONE_MARK if digits in PHONE_DIGITS else match.group()


def redact(text: str) -> str:
    """The text with email addresses and phone numbers replaced by [email] and [phone]."""
    return _PHONE_CANDIDATE.sub(_phone, _EMAIL.sub(EMAIL_MARK, text))


def redact_history(history: list[dict[str, str]]) -> list[dict[str, str]]:
    """A conversation's turns with their contents redacted."""
    return [{**turn, "content": redact(turn.get("content", ""))} for turn in history]
