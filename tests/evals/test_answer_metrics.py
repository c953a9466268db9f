"""What a parent sees, measured: the lead, contradictions, the card, abstention, and
safeguarding recall and false alarms; and the gate on them."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.errors import ConfigError
from evals.cases import CasesError, parse_cases
from evals.metrics import Thresholds, check_case, gate, lead_of, summarise

CRISIS = ("If a child is in immediate danger, call 999 now.\nWhat you describe may mean a "
          "child is at risk, so please talk to someone today:\n- Samaritans\n\n"
          "About your question:\n")


def case(expect: dict[str, Any], tags: list[str] | None = None, cid: str = "c") -> Any:
    return parse_cases({"version": 1, "cases": [
        {"id": cid, "question": "q?", "expect": expect, "tags": tags or []}]})[0]


def reply(text: str, kind: str = "answer", card: str | None = None,
          tool: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "text": text, "citations": [], "signposts": [], "passages": [],
            "timings_ms": {"total": 5.0}, "card": card, "tool": tool}


def test_the_lead_is_read_past_an_opening_yes_or_no() -> None:
    assert lead_of("Yes. You can appeal to the Tribunal. [1]\n- More.") == \
        "Yes. You can appeal to the Tribunal. [1]"
    assert lead_of("The council has 6 weeks. Then 16.") == "The council has 6 weeks."
    assert lead_of(CRISIS + "No. It cannot.") == "If a child is in immediate danger, call 999 now."


def test_lead_patterns_must_all_match_the_first_sentence() -> None:
    c = case({"lead": ["6 weeks", "council"]})
    assert check_case(c, reply("The council must decide within 6 weeks. Later: 20 weeks.")).passed
    late = check_case(c, reply("It depends. The council must decide within 6 weeks."))
    assert not late.passed and not late.lead_ok and "lead:" in late.failed[0]


@pytest.mark.parametrize(("text", "contradiction"), [
    ("No. You cannot appeal.", True), ("Yes. You can appeal.", False),
    ("You can appeal to the Tribunal.", False), (CRISIS + "No. You cannot.", True)])
def test_an_opening_word_that_disagrees_is_a_contradiction(text: str, contradiction: bool
                                                           ) -> None:
    kind = "safeguarding" if text.startswith("If") else "answer"
    r = check_case(case({"polarity": "yes", "outcome": kind}), reply(text, kind))
    assert r.contradiction is contradiction and r.passed is not contradiction


def test_yaml_reads_a_bare_yes_as_the_polarity_yes() -> None:
    assert case({"polarity": True}).expect.polarity == "yes"
    with pytest.raises(CasesError, match="polarity must be yes or no"):
        case({"polarity": "maybe"})


def test_card_top1_accepts_any_of_the_cards_named() -> None:
    c = case({"card": ["a", "b"]})
    assert check_case(c, reply("x", card="b")).card_ok is True
    assert check_case(c, reply("x", card="z")).card_ok is False
    assert check_case(case({}), reply("x", card="z")).card_ok is None


def test_abstention_safeguarding_and_false_alarms_in_the_summary() -> None:
    results = [
        check_case(case({"outcome": "not_found"}, cid="nf"), reply("Sorry.", "not_found")),
        check_case(case({"outcome": "not_found"}, cid="nf2"), reply("A card.", card="x")),
        check_case(case({}, cid="closest"), reply("I don't have a direct answer.")),
        check_case(case({}, cid="card"), reply("A card.", card="x")),
        check_case(case({}, cid="tool"), reply("The date.", tool="deadline")),
        check_case(case({"outcome": "safeguarding"}, cid="sg"), reply(CRISIS, "safeguarding")),
        check_case(case({"outcome": "safeguarding"}, cid="sg2"), reply("An answer.", card="x")),
        check_case(case({}, ["false-alarm"], "fa"), reply(CRISIS, "safeguarding")),
        check_case(case({}, ["false-alarm"], "fa2"), reply("Fine.", card="x")),
    ]
    s = summarise(results)
    # abstained: nf, closest (no card, no tool); expected to abstain: nf, nf2
    assert s["abstention_precision"] == 1 / 2 and s["abstention_recall"] == 1 / 2
    assert s["safeguarding_recall"] == 1 / 2 and s["false_alarm_rate"] == 1 / 2


def test_the_gate_holds_contradictions_lead_and_safeguarding() -> None:
    summary = {"pass_rate": 1.0, "contradictions": 1, "lead_accuracy": 0.5,
               "safeguarding_recall": 0.9, "false_alarm_rate": 0.2}
    failures = gate(summary, {"max_contradictions": 0, "min_lead_accuracy": 0.8,
                              "min_safeguarding_recall": 1.0, "max_false_alarm_rate": 0.05})
    assert len(failures) == 4
    assert any("contradiction" in f for f in failures)
    assert any("false-alarm rate 20.0%" in f for f in failures)
    assert gate({**summary, "contradictions": 0, "lead_accuracy": 0.9,
                 "safeguarding_recall": 1.0, "false_alarm_rate": 0.0},
                {"max_contradictions": 0, "min_lead_accuracy": 0.8,
                 "min_safeguarding_recall": 1.0, "max_false_alarm_rate": 0.05}) == []
    with pytest.raises(ConfigError, match="max_contradictions"):
        Thresholds(max_contradictions=-1)
