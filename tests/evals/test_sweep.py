"""Every knob can be re-measured by a sweep; sweeps replay cases without re-embedding them."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.errors import ConfigError
from evals.cases import parse_cases
from evals.metrics import check_case
from evals.sweep import SWEEPS, Memo, card_precision, knob_names, run_sweep
from tests.conftest import FakeEmbedder


def test_every_knob_has_a_sweep() -> None:
    assert set(knob_names()) == set(SWEEPS)
    assert all(len(s.values) >= 4 and s.columns for s in SWEEPS.values())


def test_the_memo_embeds_each_text_once() -> None:
    inner = FakeEmbedder()
    memo = Memo(inner)
    first = memo.embed_documents(["a b", "c d", "a b"])
    again = memo.embed_documents(["c d"])
    assert inner.texts_embedded == 2 and first[0] == first[2] and again[0] == first[1]


def test_card_precision_counts_cards_given_where_a_card_is_named_or_none_is_wanted() -> None:
    cases = parse_cases({"version": 1, "cases": [
        {"id": "a", "question": "q", "expect": {"card": "x"}},
        {"id": "b", "question": "q", "expect": {"card": "x"}},
        {"id": "c", "question": "q", "expect": {"outcome": "not_found"}},
        {"id": "d", "question": "q"}]})

    def reply(card: str | None) -> dict[str, Any]:
        return {"kind": "answer", "text": "t", "citations": [], "card": card}
    results = [check_case(cases[0], reply("x")), check_case(cases[1], reply("y")),
               check_case(cases[2], reply("z")), check_case(cases[3], reply("w"))]
    assert card_precision(results) == 1 / 3


def test_an_unknown_sweep_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="No sweep named 'nope'"):
        run_sweep(None, [], "nope")  # type: ignore[arg-type]
