"""Eval reports: results.json, junit.xml, a self-contained report.html and a terminal summary.

The HTML page loads nothing from anywhere: styles are inline and the charts are SVG drawn here,
so it can be attached to a CI run or emailed and still render.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from assistant.types import ANSWER_KINDS
from evals.metrics import UNTAGGED, CaseResult

TEXT_LIMIT = 300
# Characters XML 1.0 forbids; a reply containing one would make junit.xml unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NUMERIC = re.compile(r"[-+]?[\d.,]+( ms| pts|%)?|n/a")
# (label, summary key, format) for the baseline comparison, in display order.
_BASELINE_ROWS = (
    ("Pass rate", "pass_rate", "pct"),
    ("hit@5", "hit_at_5", "pct"),
    ("MRR", "mrr", "num"),
    ("Fact accuracy", "fact_accuracy", "pct"),
    ("Latency p50", "latency_p50_ms", "ms"),
)


def write_reports(
    directory: str | Path,
    summary: Mapping[str, Any],
    results: Sequence[CaseResult],
    baseline_summary: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write results.json, junit.xml and report.html into `directory`; return their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / "results.json",
        "junit": out / "junit.xml",
        "html": out / "report.html",
    }
    doc = results_document(summary, results)
    paths["json"].write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", "utf-8")
    paths["junit"].write_bytes(render_junit(results))
    paths["html"].write_text(render_html(summary, results, baseline_summary), "utf-8")
    return paths


def results_document(summary: Mapping[str, Any], results: Sequence[CaseResult]) -> dict[str, Any]:
    """The results.json document; `CaseResult.from_dict` reads its cases back."""
    return {"summary": dict(summary), "cases": [r.to_dict() for r in results]}


# ---------------------------------------------------------------- formatting helpers


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


def _fmt(value: float | None, how: str) -> str:
    return {"pct": _pct, "num": _num, "ms": _ms}[how](value)


def _delta(ours: float | None, theirs: float | None, how: str) -> str:
    if ours is None or theirs is None:
        return "n/a"
    diff = ours - theirs
    if how == "pct":
        return f"{diff * 100:+.1f} pts"
    if how == "ms":
        return f"{diff:+.0f} ms"
    return f"{diff:+.3f}"


def _truncate(text: str, limit: int = TEXT_LIMIT) -> str:
    text = " ".join(_XML_INVALID.sub("", text).split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _citation_label(citation: Mapping[str, Any]) -> str:
    authorities = citation.get("authorities") or []
    title = str(citation.get("title", ""))
    return f"{authorities[0]} — {title}" if authorities else title


def _first_tag(result: CaseResult) -> str:
    return result.tags[0] if result.tags else UNTAGGED


# ---------------------------------------------------------------- junit.xml


def render_junit(results: Sequence[CaseResult]) -> bytes:
    """One <testcase> per eval case; failed checks go in <failure message=...>."""
    failures = sum(not r.passed for r in results)
    total_s = sum(r.latency_ms for r in results) / 1000
    root = ET.Element("testsuites", name="evals", tests=str(len(results)))
    suite = ET.SubElement(
        root,
        "testsuite",
        name="evals",
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{total_s:.3f}",
    )
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"evals.{_first_tag(r)}",
            name=r.id,
            time=f"{r.latency_ms / 1000:.3f}",
        )
        if not r.passed:
            failure = ET.SubElement(
                case, "failure", message=_xml_safe("; ".join(r.failed)), type="EvalFailure"
            )
            cited = "; ".join(_citation_label(c) for c in r.citations) or "none"
            failure.text = _xml_safe(
                "\n".join(
                    [*r.failed, "", f"got kind: {r.kind}", f"cited: {cited}", "text:", r.text]
                )
            )
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_safe(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", text)


# ---------------------------------------------------------------- terminal


def _text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [
            str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _tag_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    rows = [
        [
            tag,
            str(s["cases"]),
            str(s["passed"]),
            _pct(s["pass_rate"]),
            _pct(s["fact_accuracy"]),
            _pct(s["hit_at_5"]),
        ]
        for tag, s in summary.get("by_tag", {}).items()
    ]
    rows.append(
        [
            "all",
            str(summary["cases"]),
            str(summary["passed"]),
            _pct(summary["pass_rate"]),
            _pct(summary["fact_accuracy"]),
            _pct(summary["hit_at_5"]),
        ]
    )
    return rows


_TAG_HEADERS = ("tag", "cases", "passed", "pass rate", "fact acc", "hit@5")


def _baseline_rows(summary: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[list[str]]:
    return [
        [
            label,
            _fmt(summary.get(key), how),
            _fmt(baseline.get(key), how),
            _delta(summary.get(key), baseline.get(key), how),
        ]
        for label, key, how in _BASELINE_ROWS
    ]


def answer_line(s: Mapping[str, Any]) -> str:
    """The headline of what a parent sees: contradictions, leads, cards, abstention, risk."""
    return (
        f"Answers: contradictions {s.get('contradictions', 0)} of "
        f"{s.get('polarity_cases', 0)} yes/no; lead accuracy {_pct(s.get('lead_accuracy'))} "
        f"({s.get('lead_cases', 0)}); card top-1 {_pct(s.get('card_top1'))} "
        f"({s.get('card_cases', 0)}); abstention precision "
        f"{_pct(s.get('abstention_precision'))}, recall {_pct(s.get('abstention_recall'))}; "
        f"safeguarding recall {_pct(s.get('safeguarding_recall'))}, false alarms "
        f"{_pct(s.get('false_alarm_rate'))}"
    )


def render_terminal(
    summary: Mapping[str, Any],
    results: Sequence[CaseResult],
    baseline_summary: Mapping[str, Any] | None = None,
) -> str:
    """A plain-text report: headline, a table per tag, failing cases, baseline comparison."""
    s = summary
    parts = [
        f"Eval: {s['cases']} cases, {s['passed']} passed ({_pct(s['pass_rate'])}); "
        f"facts {_pct(s['fact_accuracy'])}, citations {_pct(s['citation_accuracy'])}, "
        f"outcomes {_pct(s['outcome_accuracy'])}, absent violations {s['absent_violations']}",
        f"Retrieval: hit@5 {_pct(s['hit_at_5'])}, MRR {_num(s['mrr'])} "
        f"over {s.get('retrieval_cases', 0)} case(s) with cites; "
        f"latency p50 {_ms(s['latency_p50_ms'])}, p95 {_ms(s['latency_p95_ms'])}",
        answer_line(s),
        "",
        _text_table(_TAG_HEADERS, _tag_rows(s)),
    ]
    failing = [r for r in results if not r.passed]
    if failing:
        parts += ["", f"Failing cases ({len(failing)}):"]
        for r in failing:
            cited = "; ".join(_citation_label(c) for c in r.citations) or "none"
            parts += [
                f"- {r.id} [{', '.join(r.tags) or UNTAGGED}]",
                f"    expected: {r.expected_outcome}",
                *(f"    failed:   {f}" for f in r.failed),
                f"    got:      {r.kind}: {_truncate(r.text)}",
                f"    cited:    {cited}",
            ]
    else:
        parts += ["", "No failing cases."]
    if baseline_summary is not None:
        parts += [
            "",
            "Compared with baseline:",
            _text_table(
                ("metric", "ours", "baseline", "change"),
                _baseline_rows(summary, baseline_summary),
            ),
        ]
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- report.html

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1a1a1a;
background:#fff;margin:2rem auto;max-width:70rem;padding:0 1rem;line-height:1.5}
h1,h2{line-height:1.2}
table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #6b6b6b;padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{background:#e9eef4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.25rem 0}
.fail{color:#a4000f;font-weight:600}
.ok{color:#0b5d1e;font-weight:600}
figure{margin:1rem 0}
figcaption{font-size:.95rem}
ul.checks{margin:0;padding-left:1.1rem}
svg{max-width:100%;height:auto}
svg text{font-family:inherit}
""".strip()


def _table(
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    row_headers: bool = True,
    raw: bool = False,
) -> str:
    """An HTML table. Cells are escaped unless `raw` (for cells already rendered as HTML)."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            content = cell if raw else escape(cell)
            if i == 0 and row_headers:
                cells.append(f'<th scope="row">{content}</th>')
            else:
                numeric = not raw and bool(_NUMERIC.fullmatch(cell))
                cells.append(
                    f'<td class="num">{content}</td>' if numeric else f"<td>{content}</td>"
                )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _svg(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> str:
    return (
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def tag_chart_svg(summary: Mapping[str, Any]) -> str:
    """Horizontal bars: pass rate for each tag."""
    by_tag = summary.get("by_tag", {})
    label_w, bar_w, row_h, top = 180, 380, 28, 8
    height = top * 2 + row_h * max(1, len(by_tag))
    parts = []
    desc = []
    for i, (tag, s) in enumerate(by_tag.items()):
        rate = s["pass_rate"] or 0.0
        y = top + i * row_h
        text = f"{tag}: {s['passed']} of {s['cases']} passed ({_pct(s['pass_rate'])})"
        desc.append(text)
        parts.append(
            f"<g><title>{escape(text)}</title>"
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="13" '
            f'fill="#1a1a1a">{escape(_truncate(tag, 24))}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 8}" '
            f'fill="#e6e6e6"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{rate * bar_w:.1f}" height="{row_h - 8}" '
            f'fill="#1f5f99"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 18}" font-size="13" fill="#1a1a1a">'
            f"{escape(_pct(s['pass_rate']))}</text></g>"
        )
    if not by_tag:
        desc.append("No cases.")
    return _svg(
        "pass-rate-by-tag",
        "Pass rate by tag",
        "; ".join(desc),
        label_w + bar_w + 70,
        height,
        "".join(parts),
    )


def _nice_step(span: float, bins: int) -> float:
    """A round bin width (1, 2 or 5 times a power of ten) so `bins` bins cover `span`."""
    raw = max(span / bins, 1.0)  # at least 1 ms a bin
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def latency_histogram_svg(latencies: Sequence[float], bins: int = 10) -> str:
    """Vertical bars: how many cases took each band of milliseconds."""
    left, bottom, plot_w, plot_h, top = 40, 44, 600, 180, 20
    width, height = left + plot_w + 20, top + plot_h + bottom
    if not latencies:
        return _svg(
            "latency-histogram",
            "Latency histogram",
            "No latency data.",
            width,
            60,
            '<text x="10" y="35" font-size="14" fill="#1a1a1a">No latency data</text>',
        )
    step = _nice_step(max(latencies), bins)
    counts = [0] * bins
    for value in latencies:
        counts[min(int(value // step), bins - 1)] += 1
    peak = max(counts)
    bar_w = plot_w / bins
    parts = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#1a1a1a"/>'
    ]
    desc = []
    for i, count in enumerate(counts):
        lo, hi = i * step, (i + 1) * step
        band = f"{lo:g}–{hi:g} ms" if i < bins - 1 else f"{lo:g} ms and over"
        desc.append(f"{band}: {count}")
        h = plot_h * count / peak
        x = left + i * bar_w
        parts.append(
            f"<g><title>{escape(f'{band}: {count} case(s)')}</title>"
            f'<rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 4:.1f}" '
            f'height="{h:.1f}" fill="#1f5f99"/>'
            + (
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" '
                f'text-anchor="middle" font-size="12" fill="#1a1a1a">{count}</text>'
                if count
                else ""
            )
            + f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11" '
            f'fill="#1a1a1a">{lo:g}</text></g>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle" font-size="12" '
        'fill="#1a1a1a">milliseconds per reply</text>'
    )
    return _svg(
        "latency-histogram",
        "Latency histogram",
        "Cases per latency band: " + "; ".join(desc),
        width,
        height,
        "".join(parts),
    )


def _confusion_table(summary: Mapping[str, Any]) -> str:
    confusion: Mapping[str, Mapping[str, int]] = summary.get("confusion", {})
    seen = {k for row in confusion.values() for k in row} | set(confusion)
    kinds = [*ANSWER_KINDS, *sorted(seen - set(ANSWER_KINDS))]
    rows = [
        [expected, *(str(confusion.get(expected, {}).get(got, 0)) for got in kinds)]
        for expected in kinds
        if expected in confusion
    ]
    return _table(
        "Outcome confusion: rows are the expected kind, columns the kind returned",
        ["expected \\ got", *kinds],
        rows,
    )


def _failing_table(results: Sequence[CaseResult]) -> str:
    failing = [r for r in results if not r.passed]
    if not failing:
        return "<p>No failing cases.</p>"
    rows = []
    for r in failing:
        checks = "".join(f"<li>{escape(f)}</li>" for f in r.failed)
        cited = "; ".join(_citation_label(c) for c in r.citations) or "none"
        rows.append(
            [
                escape(r.id),
                escape(", ".join(r.tags) or UNTAGGED),
                f'<p>outcome: {escape(r.expected_outcome)}</p><ul class="checks">{checks}</ul>',
                f"<p>kind: {escape(r.kind)}</p><p>{escape(_truncate(r.text))}</p>"
                f"<p>cited: {escape(cited)}</p>",
            ]
        )
    return _table(
        f"Failing cases ({len(failing)})", ["case", "tags", "expected", "got"], rows, raw=True
    )


def render_html(
    summary: Mapping[str, Any],
    results: Sequence[CaseResult],
    baseline_summary: Mapping[str, Any] | None = None,
) -> str:
    """The whole report.html page as a string (no external resources)."""
    s = summary
    headline = [
        ["Cases", str(s["cases"])],
        ["Passed", str(s["passed"])],
        ["Pass rate", _pct(s["pass_rate"])],
        ["Fact accuracy", _pct(s["fact_accuracy"])],
        ["Citation accuracy", _pct(s["citation_accuracy"])],
        ["Outcome accuracy", _pct(s["outcome_accuracy"])],
        ["Absent-fact violations", str(s["absent_violations"])],
        ["hit@5", _pct(s["hit_at_5"])],
        ["MRR", _num(s["mrr"])],
        ["Latency p50", _ms(s["latency_p50_ms"])],
        ["Latency p95", _ms(s["latency_p95_ms"])],
    ]
    status = (
        '<p class="ok">Every case passed.</p>'
        if s["cases"] and s["passed"] == s["cases"]
        else f'<p class="fail">{s["cases"] - s["passed"]} of {s["cases"]} cases failed.</p>'
    )
    sections = [
        "<h1>SEND assistant evaluation</h1>",
        status,
        "<h2>Headline numbers</h2>",
        _table("Headline numbers", ["metric", "value"], headline),
        "<p>Latency percentiles use the nearest-rank method. hit@5 and MRR count only cases "
        "that expect citations.</p>",
        "<h2>Pass rate by tag</h2>",
        f"<figure>{tag_chart_svg(s)}<figcaption>Share of cases passed for each tag; the same "
        "numbers are in the table below.</figcaption></figure>",
        _table("Results by tag", list(_TAG_HEADERS), _tag_rows(s)),
        "<h2>Latency</h2>",
        f"<figure>{latency_histogram_svg([r.latency_ms for r in results])}"
        f"<figcaption>Number of cases in each latency band. p50 {escape(_ms(s['latency_p50_ms']))}"
        f", p95 {escape(_ms(s['latency_p95_ms']))}.</figcaption></figure>",
        "<h2>Outcomes</h2>",
        _confusion_table(s),
        "<h2>Failing cases</h2>",
        _failing_table(results),
    ]
    if baseline_summary is not None:
        sections += [
            "<h2>Compared with baseline</h2>",
            _table(
                "Ours against the baseline",
                ["metric", "ours", "baseline", "change"],
                _baseline_rows(s, baseline_summary),
            ),
        ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>SEND assistant evaluation</title><style>{_CSS}</style></head>"
        f"<body><main>{''.join(sections)}</main></body></html>\n"
    )
