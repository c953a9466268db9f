"""The knobs that decide answers: every one in the data file, with what chose it."""

from __future__ import annotations

from dataclasses import fields
from importlib import resources

import pytest
import yaml

from assistant.errors import ConfigError
from assistant.knobs import Knobs, default_knobs


def raw() -> dict[str, dict[str, object]]:
    text = resources.files("assistant").joinpath("data/knobs.yaml").read_text("utf-8")
    return dict(yaml.safe_load(text)["knobs"])


def test_every_knob_has_a_value_and_says_what_chose_it() -> None:
    data = raw()
    assert set(data) == {f.name for f in fields(Knobs)}
    for name, entry in data.items():
        why = str(entry["why"])
        assert len(why) > 40 and "PROVISIONAL" not in why, name
        assert "sweep" in why or "compared" in why, name
    k = default_knobs()
    assert 0 < k.card_threshold < 1 and 0 <= k.card_lexical_weight <= 1
    assert k.safeguarding_neighbours >= 1


def test_a_knob_without_a_reason_is_refused() -> None:
    data = {name: {"value": 0.5, "why": "measured"} for name in raw()}
    data["card_threshold"] = {"value": 0.5}
    with pytest.raises(ConfigError, match="card_threshold needs a value and a 'why' line"):
        Knobs.from_dict({"knobs": data})
    with pytest.raises(ConfigError, match="unknown knobs"):
        Knobs.from_dict({"knobs": {**data, "card_threshold": {"value": 1, "why": "x"},
                                   "stray": {"value": 1, "why": "x"}}})
