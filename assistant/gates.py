"""Checks on the text itself before it is read: input limits, and steering phrases.

Steering text ("ignore your instructions…") is removed and the rest of the message is answered
as any other: hostile wording never stands in the way of a real question. Only a message with
nothing left once it is removed gets the "I can only answer questions about SEND" reply.
"""

from __future__ import annotations

import re

from assistant.errors import QuestionError

# Text that tries to steer the assistant rather than ask it something. Each alternative is a
# phrase no parent's question needs: words like "pretend" or "from now on" are left alone.
_HOSTILE = re.compile(
    r"(?:ignore|disregard|forget|override|bypass)\b[^.?!\n]{0,40}\b(?:instructions?|rules?|"
    r"prompts?|guidelines|polic(?:y|ies)|restrictions?|system message)|"
    r"(?:system|hidden|developer|initial|original) (?:prompt|message|instructions?)|"
    r"reveal (?:your|the) (?:prompt|instructions|rules|config\w*|settings|system)[^.?!\n]{0,30}|"
    r"show me (?:your|the) (?:prompt|instructions|config\w*|source code|files?|settings|"
    r"environment)|print (?:your|the) (?:prompt|instructions|config\w*|system prompt)|"
    r"\byou are now\b[^.?!\n]{0,40}|\bjailbreak\w*\b|\bdeveloper mode\b|\bDAN\b|"
    r"\bdo anything now\b|\brepeat after me\b|"
    r"/etc/passwd|\.env\b|api[_ ]?keys?|<\s*/?\s*script[^>]*>|\bdrop table\b|;\s*--",
    re.I,
)
_TAG = re.compile(r"<[^>]{0,200}>")


def check_question(question: object, max_chars: int) -> str:
    """The question stripped, or QuestionError with a message fit to show the user."""
    if not isinstance(question, str):
        raise QuestionError("Please type your question as text.")
    q = question.replace("\x00", "").strip()
    if not q:
        raise QuestionError("Please type a question — the box was empty.")
    if len(q) > max_chars:
        raise QuestionError(
            f"That question is {len(q):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it to the main thing you want to know."
        )
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in q):
        raise QuestionError("The question holds characters that cannot be read (a broken "
                            "emoji or symbol). Please retype it.")
    if not re.search(r"[A-Za-z]", q):
        raise QuestionError("Please type your question in words.")
    return q


def is_steering(text: str) -> bool:
    """Whether the text holds markup or a phrase that tries to steer the assistant."""
    return bool(_HOSTILE.search(text) or _TAG.search(text))


def strip_hostile(question: str) -> str:
    """Remove markup and the phrases that try to steer the assistant; keep any real question."""
    text = _TAG.sub(" ", question)
    text = _HOSTILE.sub(" ", text)
    text = re.sub(r"^[\s,.;:!-]*(?:and|then|now|please|just|instead)?[\s,.;:-]*", "", text,
                  flags=re.I)
    return " ".join(text.split())
