"""Domain vocabulary: the many ways parents and staff write the same thing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Group:
    pattern: re.Pattern[str]
    expand: str
    generic: bool = False


class Vocabulary:
    def __init__(self, groups: list[Group]) -> None:
        self.groups = groups

    def expand(self, text: str) -> str:
        """`text` followed by the expansion of every group it mentions."""
        extra = [g.expand for g in self.groups if g.pattern.search(text)]
        return f"{text} {' '.join(extra)}" if extra else text

    def mentions(self, text: str) -> int:
        """How many SEND groups the text mentions (a crude sign it is about SEND)."""
        return sum(1 for g in self.groups if not g.generic and g.pattern.search(text))


def parse_vocabulary(data: dict[str, object]) -> Vocabulary:
    groups = []
    for g in data.get("groups") or []:  # type: ignore[attr-defined]
        terms = sorted((str(t) for t in g["terms"]), key=len, reverse=True)
        alts = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in terms)
        groups.append(
            Group(
                re.compile(rf"(?<![\w£])(?:{alts})(?![\w])", re.I),
                g["expand"],
                bool(g.get("generic", False)),
            )
        )
    return Vocabulary(groups)


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    text = resources.files("assistant").joinpath("data/vocabulary.yaml").read_text("utf-8")
    return parse_vocabulary(yaml.safe_load(text))
