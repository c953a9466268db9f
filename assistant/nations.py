"""Which UK nation a message is about, from the data file `data/nations.yaml`.

The guidance covers England only. A message is about another nation when it names a place there
as where the family is (not where they came from: "we moved from Cardiff to Bristol" is England),
or uses a word only that nation's system uses (IDP, ALN, CSP). Weak words ("statement", "the
EA") count only beside another sign of the same nation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

ENGLAND = "england"
#: A place named just after one of these words is where someone used to be.
_PAST = re.compile(r"\b(?:from|left|leaving|used to live in|grew up in|born in)\s+(?:the\s+)?$",
                   re.I)


@dataclass(frozen=True)
class Nation:
    id: str
    system: str
    places: re.Pattern[str]
    strong: re.Pattern[str] | None
    weak: re.Pattern[str] | None


def _words(items: list[Any]) -> re.Pattern[str] | None:
    names = sorted({str(i).lower() for i in items}, key=len, reverse=True)
    if not names:
        return None
    alts = "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names)
    return re.compile(rf"(?<![\w-])(?:{alts})(?![\w-])", re.I)


class NationFinder:
    def __init__(self, nations: list[Nation]) -> None:
        self.nations = nations
        self.by_id = {n.id: n for n in nations}

    def find(self, text: str) -> str | None:
        """The nation (other than England) the message is about, or None for England."""
        strong = {n.id for n in self.nations if n.strong and n.strong.search(text)}
        places: list[tuple[int, str]] = []
        for n in self.nations:
            for m in n.places.finditer(text):
                if not _PAST.search(text[max(0, m.start() - 25) : m.start()]):
                    places.append((m.start(), n.id))
        where = max(places)[1] if places else None
        if where == ENGLAND and not strong:
            return None
        if where and where != ENGLAND:
            return where
        weak = {n.id for n in self.nations if n.weak and n.weak.search(text)}
        candidates = strong | (weak & {w for _, w in places})
        others = sorted(candidates - {ENGLAND})
        return others[0] if others else None

    def system(self, nation: str) -> str:
        return self.by_id[nation].system


def parse_nations(data: dict[str, Any]) -> NationFinder:
    out = []
    for nid, raw in (data.get("nations") or {}).items():
        out.append(Nation(str(nid), str(raw.get("system", "")),
                          _words(raw.get("places") or []) or re.compile(r"(?!)"),
                          _words(raw.get("strong") or []), _words(raw.get("weak") or [])))
    return NationFinder(out)


@lru_cache(maxsize=1)
def default_nations() -> NationFinder:
    text = resources.files("assistant").joinpath("data/nations.yaml").read_text("utf-8")
    return parse_nations(yaml.safe_load(text))
