"""Spelling correction against the guidance's own vocabulary, with symspellpy.

Parents type fast and worried: "counsel said no to assesing". A word is left alone when it is
an English word (symspellpy's frequency list) or a word of the guidance; any other word is
replaced by the nearest word of the guidance within the edit distance, most frequent first.
Only the guidance's words are candidates, so a correction can only move a question towards
something the guidance says.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from symspellpy import SymSpell, Verbosity

_TOKEN = re.compile(r"[A-Za-z][A-Za-z']*")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The words of symspellpy's English frequency list (82,765 of them)."""
    text = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
    return frozenset(line.split(" ", 1)[0] for line in text.read_text("utf-8").splitlines())


class Speller:
    """Corrects words that are neither English nor the guidance's, towards the guidance's."""

    def __init__(self, corpus_texts: Iterable[str], max_distance: int = 2,
                 min_length: int = 4) -> None:
        counts = Counter(w.lower() for t in corpus_texts for w in _TOKEN.findall(t))
        self.vocabulary = frozenset(counts)
        self.max_distance = max_distance
        self.min_length = min_length
        self._sym = SymSpell(max_dictionary_edit_distance=max_distance, prefix_length=7)
        for word, n in counts.items():
            if len(word) >= 2:
                self._sym.create_dictionary_entry(word, n)
        self._known = english_words() | self.vocabulary

    def correct_word(self, word: str) -> str:
        """The word, or its correction (same case shape) when it is not a known word."""
        low = word.lower()
        if len(low) < self.min_length or low in self._known or "'" in low:
            return word
        found = self._sym.lookup(low, Verbosity.CLOSEST, max_edit_distance=self.max_distance)
        if not found:
            return word
        best = found[0].term
        return best.upper() if word.isupper() else best

    def correct(self, text: str) -> str:
        """The text with each unknown word corrected; everything else kept as it was."""
        return _TOKEN.sub(lambda m: self.correct_word(m.group(0)), text)
