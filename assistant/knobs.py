"""The thresholds and weights that decide answers, read from `data/knobs.yaml`.

Each knob there has a value and a line saying what it was chosen for and what measured it
(`send-assistant eval --sweep NAME` prints the sweep). Code and tests refer to knobs by name.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from assistant.errors import ConfigError


@dataclass(frozen=True)
class Knobs:
    #: A card whose match score reaches this answers the question.
    card_threshold: float
    #: Weight of the lexical share against meaning similarity in a card's match score.
    card_lexical_weight: float
    #: Weight of the card's centre (the mean of its wordings) against the wording itself.
    card_centre_weight: float
    #: A card may open with its Yes or No only when no card with another opening word scores
    #: within this margin of it.
    yes_no_margin: float
    #: ...and only when the question is at least this close in meaning to the card wording,
    yes_no_min_similarity: float
    #: ...and the card's wordings use at least this (idf-weighted) share of its words,
    yes_no_min_coverage: float
    #: ...and the message uses at least this share of the matched wording's words.
    yes_no_min_specificity: float
    #: Added to the score of the previous answer's `next` cards when a follow-up is read.
    follow_up_bonus: float
    #: Below this cosine similarity of the nearest passage, no passage is shown as "closest".
    closest_threshold: float
    #: Below this (and with no card, no SEND words) the question is off topic altogether.
    off_topic_threshold: float
    #: A deliberately-not-covered topic wins when its examples are this close and closer than
    #: the best card.
    not_covered_threshold: float
    #: A sentence this much closer to its nearest risk messages than to its nearest ordinary
    #: text gets crisis signposting first...
    safeguarding_threshold: float
    #: ...comparing the mean similarity of this many nearest neighbours on each side.
    safeguarding_neighbours: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Knobs:
        names = {f.name for f in fields(cls)}
        raw = data.get("knobs") or {}
        unknown, missing = sorted(set(raw) - names), sorted(names - set(raw))
        if unknown or missing:
            raise ConfigError(f"knobs.yaml: unknown knobs {unknown or 'none'}, "
                              f"missing knobs {missing or 'none'}")
        values = {}
        for name in names:
            entry = raw[name]
            if not isinstance(entry, dict) or "value" not in entry or not entry.get("why"):
                raise ConfigError(f"knobs.yaml: {name} needs a value and a 'why' line")
            values[name] = float(entry["value"])
        return cls(**values)

    def with_(self, **changes: float) -> Knobs:
        from dataclasses import replace

        return replace(self, **changes)


@lru_cache(maxsize=1)
def default_knobs() -> Knobs:
    text = resources.files("assistant").joinpath("data/knobs.yaml").read_text("utf-8")
    return Knobs.from_dict(yaml.safe_load(text))
