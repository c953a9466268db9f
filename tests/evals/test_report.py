"""results.json, junit.xml, report.html and the terminal report."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from evals.cases import parse_cases
from evals.metrics import CaseResult, check_case, summarise
from evals.report import latency_histogram_svg, render_html, render_terminal, write_reports

CASES = parse_cases(
    {
        "version": 1,
        "cases": [
            {
                "id": "deadline-ok",
                "question": "How long to decide?",
                "expect": {"facts": [["six weeks"]], "cites": [r"9\.14"]},
                "tags": ["deadline", "ehcp"],
            },
            {
                "id": "deadline-wrong",
                "question": "How long to decide?",
                "expect": {"facts": [["six weeks"]], "absent": ["20 weeks to decide"]},
                "tags": ["deadline"],
            },
            {
                "id": "self-harm",
                "question": "She wants to hurt herself",
                "expect": {"outcome": "safeguarding"},
                "tags": ["safeguarding"],
            },
            {"id": "no-tags", "question": "Hello?", "expect": {"outcome": "out_of_scope"}},
        ],
    }
)

LONG_TEXT = "The council has 20 weeks to decide. " + "More words here. " * 60
NASTY_TEXT = "See <script>alert(\"x\")</script> & https://example.org/x \x01 'quoted'"


def reply(kind: str, text: str, ms: float, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "text": text,
        "citations": extra.get("citations", []),
        "signposts": [],
        "timings_ms": {"total": ms},
        "passages": extra.get("passages", []),
    }


CITE = {
    "n": 1,
    "doc_id": "cop",
    "title": "EHC needs assessments",
    "section": "9",
    "authorities": ["SEND Code of Practice 9.14"],
    "url": "https://www.gov.uk/government/publications/send-code-of-practice-0-to-25",
    "quote": "within 6 weeks",
}

REPLIES = [
    reply(
        "answer", "Within six weeks [1].", 120.0, citations=[CITE], passages=[CITE | {"rank": 1}]
    ),
    reply("answer", LONG_TEXT, 340.0, citations=[CITE]),
    reply("answer", NASTY_TEXT, 90.0),
    reply("out_of_scope", "I can only help with SEND questions.", 15.0),
]


@pytest.fixture
def results() -> list[CaseResult]:
    return [check_case(c, r) for c, r in zip(CASES, REPLIES, strict=True)]


@pytest.fixture
def summary(results: list[CaseResult]) -> dict[str, Any]:
    return summarise(results)


BASELINE = {
    "pass_rate": 0.25,
    "hit_at_5": 0.4,
    "mrr": 0.3,
    "fact_accuracy": 0.5,
    "latency_p50_ms": 800.0,
}


def test_fixture_has_the_failures_the_tests_expect(results: list[CaseResult]) -> None:
    assert [r.passed for r in results] == [True, False, False, True]


def test_write_reports_writes_three_files(
    tmp_path: Path, summary: dict[str, Any], results: list[CaseResult]
) -> None:
    paths = write_reports(tmp_path / "out", summary, results)

    assert {p.name for p in paths.values()} == {"results.json", "junit.xml", "report.html"}
    assert all(p.is_file() and p.parent == tmp_path / "out" for p in paths.values())


def test_results_json_round_trips(
    tmp_path: Path, summary: dict[str, Any], results: list[CaseResult]
) -> None:
    write_reports(tmp_path, summary, results)

    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))

    assert doc["summary"] == summary
    first = doc["cases"][0]
    for key in (
        "id",
        "passed",
        "failed",
        "kind",
        "text",
        "citations",
        "tags",
        "latency_ms",
        "rank",
    ):
        assert key in first
    assert first["rank"] == 1
    rebuilt = [CaseResult.from_dict(c) for c in doc["cases"]]
    assert rebuilt == results
    assert summarise(rebuilt) == summary


def test_junit_has_one_testcase_per_case_with_failures(
    tmp_path: Path, summary: dict[str, Any], results: list[CaseResult]
) -> None:
    write_reports(tmp_path, summary, results)

    root = ET.parse(tmp_path / "junit.xml").getroot()

    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert list(cases) == ["deadline-ok", "deadline-wrong", "self-harm", "no-tags"]
    assert cases["deadline-ok"].get("classname") == "evals.deadline"
    assert cases["no-tags"].get("classname") == "evals.untagged"
    assert cases["self-harm"].get("classname") == "evals.safeguarding"
    assert cases["deadline-ok"].find("failure") is None
    assert cases["no-tags"].find("failure") is None
    assert cases["deadline-wrong"].get("time") == "0.340"

    wrong = cases["deadline-wrong"].find("failure")
    assert wrong is not None
    assert wrong.get("message") == (
        "facts[0]: none of ['six weeks'] matched; "
        "absent: '20 weeks to decide' matched '20 weeks to decide'"
    )
    harm = cases["self-harm"].find("failure")
    assert harm is not None
    assert harm.get("message") == "outcome: expected safeguarding, got answer"
    assert '<script>alert("x")</script>' in (harm.text or "")


def test_html_is_self_contained(
    tmp_path: Path, summary: dict[str, Any], results: list[CaseResult]
) -> None:
    write_reports(tmp_path, summary, results, baseline_summary=BASELINE)

    html = (tmp_path / "report.html").read_text(encoding="utf-8")

    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html


def test_html_escapes_reply_text(summary: dict[str, Any], results: list[CaseResult]) -> None:

    html = render_html(summary, results)

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


class _Outline(HTMLParser):
    """Collects what the accessibility checks need from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.svg_titles: list[str] = []
        self._stack: list[str] = []
        self._data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._stack.append(tag)
        self._data = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and "svg" in self._stack[:-1] and self._stack[-2] == "svg":
            self.svg_titles.append("".join(self._data))
        while self._stack and self._stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        self._data.append(data)


def test_html_has_the_charts_and_tables(summary: dict[str, Any], results: list[CaseResult]) -> None:

    html = render_html(summary, results)
    outline = _Outline()
    outline.feed(html)

    names = [t for t, _ in outline.tags]
    assert names.count("h1") == 1 and "h2" in names
    svgs = [a for t, a in outline.tags if t == "svg"]
    assert [a["id"] for a in svgs] == ["pass-rate-by-tag", "latency-histogram"]
    assert all(a.get("role") == "img" and a.get("aria-labelledby") for a in svgs)
    assert outline.svg_titles == ["Pass rate by tag", "Latency histogram"]
    assert all(a.get("scope") in {"col", "row"} for t, a in outline.tags if t == "th")
    assert ("html", {"lang": "en"}) in outline.tags

    chart = html[html.index('id="pass-rate-by-tag"') : html.index("</svg>")]
    for tag in ("deadline", "ehcp", "safeguarding", "untagged"):
        assert f">{tag}</text>" in chart
    assert "deadline: 1 of 2 passed (50.0%)" in chart

    assert "Outcome confusion" in html
    assert "Failing cases (2)" in html
    assert "outcome: expected safeguarding, got answer" in html
    assert "deadline-ok</th>" not in html.split("Failing cases (2)")[1]
    assert "Compared with baseline" not in html


def test_html_baseline_table(summary: dict[str, Any], results: list[CaseResult]) -> None:

    html = render_html(summary, results, baseline_summary=BASELINE)

    section = html.split("<h2>Compared with baseline</h2>")[1]
    for label in ("Pass rate", "hit@5", "MRR", "Fact accuracy", "Latency p50"):
        assert f'<th scope="row">{label}</th>' in section
    assert '<td class="num">50.0%</td><td class="num">25.0%</td>' in section
    assert "+25.0 pts" in section
    assert "800 ms" in section


def test_latency_histogram_counts_cases_per_band() -> None:
    svg = latency_histogram_svg([5.0, 15.0, 16.0, 95.0, 100.0])

    assert "0–10 ms: 1 case(s)" in svg
    assert "10–20 ms: 2 case(s)" in svg
    assert "90 ms and over: 2 case(s)" in svg
    assert "No latency data" in latency_histogram_svg([])


def test_terminal_report(summary: dict[str, Any], results: list[CaseResult]) -> None:
    text = render_terminal(summary, results)
    lines = text.splitlines()

    assert lines[0] == (
        "Eval: 4 cases, 2 passed (50.0%); facts 50.0%, citations 100.0%, outcomes 75.0%, "
        "absent violations 1"
    )
    header = next(i for i, line in enumerate(lines) if line.startswith("tag "))
    assert lines[header].split() == [
        "tag",
        "cases",
        "passed",
        "pass",
        "rate",
        "fact",
        "acc",
        "hit@5",
    ]
    rows = {line.split()[0]: line.split()[1:] for line in lines[header + 1 : header + 6]}
    assert rows["deadline"] == ["2", "1", "50.0%", "50.0%", "100.0%"]
    assert rows["untagged"] == ["1", "1", "100.0%", "n/a", "n/a"]
    assert rows["all"] == ["4", "2", "50.0%", "50.0%", "100.0%"]

    assert "Failing cases (2):" in text
    assert "- deadline-wrong [deadline]" in text
    assert "    failed:   facts[0]: none of ['six weeks'] matched" in text
    assert "    expected: safeguarding" in text
    got = next(line for line in lines if line.startswith("    got:      answer: The council"))
    assert len(got) <= len("    got:      answer: ") + 300
    assert got.endswith("...")
    assert "    cited:    SEND Code of Practice 9.14 — EHC needs assessments" in text
    assert "deadline-ok" not in text
    assert "baseline" not in text


def test_terminal_baseline_table(summary: dict[str, Any], results: list[CaseResult]) -> None:
    text = render_terminal(summary, results, baseline_summary=BASELINE)

    section = text.split("Compared with baseline:\n")[1].splitlines()
    assert section[0].split() == ["metric", "ours", "baseline", "change"]
    assert section[1].split() == ["Pass", "rate", "50.0%", "25.0%", "+25.0", "pts"]
    assert section[3].split() == ["MRR", "1.000", "0.300", "+0.700"]
    assert section[5].split() == ["Latency", "p50", "90", "ms", "800", "ms", "-710", "ms"]


def test_terminal_when_everything_passes(results: list[CaseResult]) -> None:
    passing = [r for r in results if r.passed]

    assert "No failing cases." in render_terminal(summarise(passing), passing)
