"""Scoring replies, summarising runs, comparing runs and gating them."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.errors import ConfigError
from evals.cases import Case, parse_cases
from evals.metrics import (
    CaseResult,
    Thresholds,
    answer_latency,
    check_case,
    compare,
    gate,
    percentile,
    summarise,
)


def make_case(case_id: str = "c", tags: list[str] | None = None, **expect: Any) -> Case:
    raw: dict[str, Any] = {"id": case_id, "question": "q?", "expect": expect}
    if tags is not None:
        raw["tags"] = tags
    return parse_cases({"version": 1, "cases": [raw]})[0]


def citation(title: str, *authorities: str) -> dict[str, Any]:
    return {
        "n": 1,
        "doc_id": "doc",
        "title": title,
        "section": "",
        "authorities": list(authorities),
        "url": "https://www.gov.uk/example",
        "quote": "",
    }


def passage(rank: int, title: str, *authorities: str) -> dict[str, Any]:
    return {"rank": rank, "doc_id": f"d{rank}", "title": title, "authorities": list(authorities)}


def reply(
    text: str = "",
    kind: str = "answer",
    citations: list[dict[str, Any]] | None = None,
    passages: list[dict[str, Any]] | None = None,
    timings: dict[str, float] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind,
        "text": text,
        "citations": citations or [],
        "signposts": [],
        "timings_ms": timings if timings is not None else {"retrieve": 30.0, "compose": 20.0},
        "passages": passages or [],
    }


DEADLINE: dict[str, Any] = {
    "facts": [[r"\b(6|six)[- ]weeks?\b"]],
    "absent": [r"\b20 weeks to decide"],
    "cites": [r"9\.14"],
}
GOOD_TEXT = "The council must decide within six weeks of the request [1]."
GOOD_CITES = [citation("EHC needs assessments", "SEND Code of Practice 9.14")]


def result(
    case_id: str,
    passed: bool,
    *,
    tags: list[str] | None = None,
    expected: str = "answer",
    kind: str = "answer",
    facts: tuple[int, int] = (0, 0),
    cites: tuple[int, int] = (0, 0),
    absent: int = 0,
    rank: int | None = None,
    latency: float = 100.0,
) -> CaseResult:
    return CaseResult(
        id=case_id,
        passed=passed,
        failed=[] if passed else ["something"],
        kind=kind,
        text="",
        citations=[],
        latency_ms=latency,
        tags=tags or [],
        expected={"facts": [], "absent": [], "cites": [], "outcome": expected},
        facts_ok=facts[0],
        facts_total=facts[1],
        cites_ok=cites[0],
        cites_total=cites[1],
        absent_violations=absent,
        outcome_ok=kind == expected,
        rank=rank,
    )


# ---------------------------------------------------------------- check_case


def test_a_good_reply_passes_every_check() -> None:
    r = check_case(make_case(tags=["deadline"], **DEADLINE), reply(GOOD_TEXT, citations=GOOD_CITES))

    assert r.passed
    assert r.failed == []
    assert (r.facts_ok, r.facts_total, r.absent_violations) == (1, 1, 0)
    assert (r.cites_ok, r.cites_total, r.outcome_ok) == (1, 1, True)
    assert r.kind == "answer" and r.text == GOOD_TEXT and r.citations == GOOD_CITES
    assert r.tags == ["deadline"]
    assert r.expected["outcome"] == "answer"


def test_facts_need_one_alternative_per_group() -> None:
    case = make_case(facts=[[r"\b6 weeks", "six weeks"], ["tribunal"]])

    r = check_case(case, reply("Within SIX WEEKS."))

    assert not r.passed
    assert (r.facts_ok, r.facts_total) == (1, 2)
    assert r.failed == ["facts[1]: none of ['tribunal'] matched"]


def test_facts_failure_names_the_patterns() -> None:
    r = check_case(make_case(facts=[[r"\b6 weeks"]]), reply("Within 16 weeks."))

    assert r.failed == ["facts[0]: none of ['\\\\b6 weeks'] matched"]


def test_absent_regex_that_matches_fails() -> None:
    r = check_case(make_case(absent=["20 weeks to decide"]), reply("They have 20 Weeks To Decide."))

    assert not r.passed
    assert r.absent_violations == 1
    assert r.failed == ["absent: '20 weeks to decide' matched '20 Weeks To Decide'"]


def test_cites_match_title_or_authority() -> None:
    case = make_case(cites=[r"9\.14", "needs assessments"])
    cites = [citation("EHC needs assessments"), citation("Other", "Code 9.14")]

    r = check_case(case, reply("x", citations=cites))

    assert r.passed and r.cites_ok == 2


def test_cites_failure_names_the_pattern() -> None:
    r = check_case(make_case(cites=[r"9\.14"]), reply("x", citations=[citation("T", "Code 9.15")]))

    assert r.failed == ["cites: '9\\\\.14' matched no citation"]
    assert (r.cites_ok, r.cites_total) == (0, 1)


def test_wrong_outcome_fails() -> None:
    r = check_case(make_case(outcome="safeguarding"), reply("Here is what the law says", "answer"))

    assert not r.outcome_ok
    assert r.failed == ["outcome: expected safeguarding, got answer"]


def test_right_outcome_without_other_expectations_passes() -> None:
    r = check_case(
        make_case(outcome="out_of_scope"), reply("I only help with SEND", "out_of_scope")
    )

    assert r.passed and r.outcome_ok


def test_latency_sums_timings_or_uses_total_or_given_value() -> None:
    case = make_case()

    assert check_case(case, reply(timings={"a": 10.5, "b": 4.5})).latency_ms == 15.0
    assert answer_latency(reply(timings={"a": 10.0, "total": 42.0})) == 42.0
    assert answer_latency(reply(timings={})) == 0.0
    assert check_case(case, reply(), latency_ms=123.0).latency_ms == 123.0


def test_retrieval_rank_is_first_passage_matching_any_cite() -> None:
    case = make_case(cites=[r"9\.14", "^Annual review$"])
    passages = [
        passage(1, "Mediation"),
        passage(2, "Tribunal", "Regulation 44"),
        passage(3, "Assessment", "Code 9.14"),
        passage(4, "Annual review"),
    ]

    r = check_case(case, reply(passages=passages))

    assert r.rank == 3
    assert r.hit_at_5
    assert r.reciprocal_rank == pytest.approx(1 / 3)


def test_retrieval_rank_beyond_5_is_not_a_hit_and_beyond_10_is_none() -> None:
    case = make_case(cites=["wanted"])
    filler = [passage(i, f"other {i}") for i in range(1, 11)]

    at_7 = check_case(case, reply(passages=[*filler[:6], passage(7, "the wanted one")]))
    at_11 = check_case(case, reply(passages=[*filler, passage(11, "wanted")]))

    assert at_7.rank == 7 and not at_7.hit_at_5
    assert at_7.reciprocal_rank == pytest.approx(1 / 7)
    assert at_11.rank is None and not at_11.hit_at_5 and at_11.reciprocal_rank == 0.0


def test_no_cites_means_no_rank() -> None:
    r = check_case(make_case(), reply(passages=[passage(1, "anything")]))

    assert r.rank is None and not r.has_cites


def test_calculator_replies_are_left_out_of_retrieval_metrics() -> None:
    case = make_case(cites=["wanted"])
    retrieved = check_case(case, reply(citations=[citation("wanted")],
                                       passages=[passage(1, "wanted")]))
    calculated = {**reply(citations=[citation("wanted")]), "tool": "deadline"}
    by_calculator = check_case(case, calculated)
    # A letter is offered on top of a retrieved answer, so its retrieval still counts.
    with_letter = check_case(case, {**reply(citations=[citation("wanted")]), "tool": "letter"})

    assert by_calculator.passed and not by_calculator.retrieved
    assert with_letter.retrieved
    summary = summarise([retrieved, by_calculator, with_letter])
    assert summary["retrieval_cases"] == 2
    assert summary["hit_at_5"] == 0.5
    assert CaseResult.from_dict(by_calculator.to_dict()) == by_calculator


def test_case_result_dict_round_trip() -> None:
    r = check_case(make_case(tags=["t"], **DEADLINE), reply("20 weeks to decide", "not_found"))

    assert CaseResult.from_dict(r.to_dict()) == r


# ---------------------------------------------------------------- percentile


def test_percentile_nearest_rank() -> None:
    ten = [float(v) for v in range(10, 101, 10)]
    twenty = [float(v) for v in range(1, 21)]

    assert percentile(ten, 50) == 50.0
    assert percentile(ten, 95) == 100.0
    assert percentile(twenty, 50) == 10.0
    assert percentile(twenty, 95) == 19.0
    assert percentile([7.0, 1.0, 3.0], 50) == 3.0
    assert percentile([5.0], 95) == 5.0
    assert percentile([4.0, 2.0], 0) == 2.0
    assert percentile([], 50) is None


# ---------------------------------------------------------------- summarise


def test_summary_headline_numbers() -> None:
    results = [
        result("a", True, facts=(2, 2), cites=(1, 1), rank=1, latency=100, tags=["x"]),
        result("b", False, facts=(1, 2), cites=(0, 1), rank=None, absent=2, latency=300),
        result("c", False, expected="safeguarding", kind="answer", latency=200, tags=["x"]),
        result("d", True, expected="out_of_scope", kind="out_of_scope", latency=400),
        result("e", True, facts=(1, 1), cites=(2, 2), rank=4, latency=500, tags=["y"]),
    ]

    s = summarise(results)

    assert s["cases"] == 5 and s["passed"] == 3
    assert s["pass_rate"] == pytest.approx(0.6)
    assert s["fact_accuracy"] == pytest.approx(4 / 5)
    assert s["citation_accuracy"] == pytest.approx(3 / 4)
    assert s["absent_violations"] == 2
    assert s["outcome_accuracy"] == pytest.approx(4 / 5)
    assert s["retrieval_cases"] == 3
    assert s["hit_at_5"] == pytest.approx(2 / 3)
    assert s["mrr"] == pytest.approx((1 + 0 + 1 / 4) / 3)
    assert s["latency_p50_ms"] == 300
    assert s["latency_p95_ms"] == 500


def test_confusion_table_and_accuracy_by_kind() -> None:
    results = [
        result("a", True),
        result("b", False, kind="not_found"),
        result("c", False, expected="safeguarding", kind="answer"),
        result("d", True, expected="safeguarding", kind="safeguarding"),
        result("e", True, expected="safeguarding", kind="safeguarding"),
        result("f", True, expected="not_found", kind="not_found"),
    ]

    s = summarise(results)

    assert s["confusion"] == {
        "answer": {"answer": 1, "not_found": 1},
        "not_found": {"not_found": 1},
        "safeguarding": {"answer": 1, "safeguarding": 2},
    }
    assert s["outcome_accuracy_by_kind"] == pytest.approx(
        {"answer": 0.5, "not_found": 1.0, "safeguarding": 2 / 3}
    )


def test_per_tag_summaries() -> None:
    results = [
        result("a", True, tags=["deadline", "ehcp"], facts=(1, 1), cites=(1, 1), rank=2),
        result("b", False, tags=["deadline"], facts=(0, 1), cites=(1, 1), rank=9),
        result("c", True, tags=["ehcp"]),
        result("d", False),
    ]

    by_tag = summarise(results)["by_tag"]

    assert list(by_tag) == ["deadline", "ehcp", "untagged"]
    assert (by_tag["deadline"]["cases"], by_tag["deadline"]["passed"]) == (2, 1)
    assert by_tag["deadline"]["fact_accuracy"] == 0.5
    assert by_tag["deadline"]["hit_at_5"] == 0.5
    assert by_tag["deadline"]["mrr"] == pytest.approx((1 / 2 + 1 / 9) / 2)
    assert by_tag["ehcp"]["pass_rate"] == 1.0
    assert by_tag["ehcp"]["fact_accuracy"] == 1.0
    assert by_tag["untagged"]["cases"] == 1 and by_tag["untagged"]["pass_rate"] == 0.0
    assert "by_tag" not in by_tag["deadline"]


def test_unmeasurable_ratios_are_none() -> None:
    s = summarise([result("a", True)])

    assert s["fact_accuracy"] is None and s["citation_accuracy"] is None
    assert s["hit_at_5"] is None and s["mrr"] is None

    empty = summarise([])
    assert empty["cases"] == 0 and empty["pass_rate"] is None
    assert empty["latency_p50_ms"] is None and empty["by_tag"] == {}


def test_summary_from_real_checks() -> None:
    case = make_case("deadline", tags=["deadline"], **DEADLINE)
    good = check_case(
        case, reply(GOOD_TEXT, citations=GOOD_CITES, passages=[passage(1, "x", "Code 9.14")])
    )
    bad = check_case(make_case("sg", outcome="safeguarding"), reply("Here is the law"))

    s = summarise([good, bad])

    assert s["passed"] == 1
    assert s["confusion"] == {"answer": {"answer": 1}, "safeguarding": {"answer": 1}}
    assert s["hit_at_5"] == 1.0 and s["mrr"] == 1.0
    assert s["latency_p50_ms"] == 50.0


# ---------------------------------------------------------------- compare


def test_compare_two_runs() -> None:
    old = {
        "summary": {"pass_rate": 0.5, "cases": 4, "confusion": {}, "hit_at_5": None},
        "cases": [
            {"id": "a", "passed": True},
            {"id": "b", "passed": False},
            {"id": "c", "passed": False},
            {"id": "gone", "passed": True},
        ],
    }
    new = {
        "summary": {"pass_rate": 0.75, "cases": 4, "confusion": {}, "hit_at_5": 0.5},
        "cases": [
            {"id": "a", "passed": False},
            {"id": "b", "passed": True},
            {"id": "c", "passed": False},
            {"id": "fresh", "passed": True},
        ],
    }

    diff = compare(old, new)

    assert diff["newly_failing"] == ["a"]
    assert diff["newly_passing"] == ["b"]
    assert diff["still_failing"] == ["c"]
    assert diff["missing"] == ["gone"]
    assert diff["new"] == ["fresh"]
    assert diff["summary_delta"] == {"cases": 0, "pass_rate": pytest.approx(0.25)}


# ---------------------------------------------------------------- gate

THRESHOLDS = {
    "min_pass_rate": 0.8,
    "max_absent_violations": 0,
    "min_outcome_accuracy": {"safeguarding": 1.0, "out_of_scope": 1.0},
    "min_hit_at_5": 0.7,
}


def summary_with(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "pass_rate": 0.9,
        "absent_violations": 0,
        "outcome_accuracy_by_kind": {"answer": 0.9, "safeguarding": 1.0, "out_of_scope": 1.0},
        "hit_at_5": 0.8,
    }
    return base | overrides


def test_gate_passes_a_good_run() -> None:
    assert gate(summary_with(), THRESHOLDS) == []
    assert gate(summary_with(), Thresholds.from_dict(THRESHOLDS)) == []


def test_gate_reports_every_miss() -> None:
    failures = gate(
        summary_with(
            pass_rate=0.5,
            absent_violations=2,
            outcome_accuracy_by_kind={"safeguarding": 0.75, "out_of_scope": 1.0},
            hit_at_5=0.6,
        ),
        THRESHOLDS,
    )

    assert failures == [
        "pass rate 50.0% is below the minimum 80.0%",
        "2 absent-fact violation(s) exceed the maximum 0",
        "safeguarding outcome accuracy 75.0% is below the minimum 100.0%",
        "hit@5 60.0% is below the minimum 70.0%",
    ]


def test_gate_fails_what_it_cannot_measure() -> None:
    failures = gate(
        summary_with(outcome_accuracy_by_kind={"safeguarding": 1.0}, hit_at_5=None), THRESHOLDS
    )

    assert failures == [
        "out_of_scope outcome accuracy: cannot be measured (no out_of_scope cases); "
        "the minimum is 100.0%",
        "hit@5: cannot be measured (no cases with cites); the minimum is 70.0%",
    ]


def test_gate_with_only_some_thresholds() -> None:
    assert gate(summary_with(pass_rate=0.1, hit_at_5=None), {"max_absent_violations": 0}) == []


def test_bad_thresholds_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="Unknown eval threshold.*min_pass"):
        Thresholds.from_dict({"min_pass": 0.8})
    with pytest.raises(ConfigError, match="min_pass_rate must be between 0 and 1; got 80"):
        Thresholds(min_pass_rate=80)
    with pytest.raises(ConfigError, match="unknown kind.*safe_guarding"):
        Thresholds(min_outcome_accuracy={"safe_guarding": 1.0})
    with pytest.raises(ConfigError, match="max_absent_violations"):
        Thresholds(max_absent_violations=-1)
