"""`send-assistant eval` and `send-assistant bench`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.answer import Engine
from assistant.embeddings import load_embedder
from assistant.settings import Settings
from evals.cases import load_cases
from evals.metrics import compare, gate, summarise
from evals.report import render_terminal, results_document, write_reports
from evals.runner import DEFAULT_CASES, load_thresholds, run_cases


def register_eval(sub: Any) -> None:
    p = sub.add_parser("eval", help="run the answer-quality suite")
    p.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases YAML file")
    p.add_argument("--json", action="store_true", help="print summary and cases as JSON")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="write results.json, junit.xml and report.html here")
    p.add_argument("--compare", type=Path, metavar="OLD.json",
                   help="list cases that newly fail or pass against an earlier results.json")
    p.add_argument("--baseline", action="store_true",
                   help="also run a textbook RAG on the same corpus and cases, side by side")
    p.add_argument("--gate", action="store_true",
                   help="exit non-zero below the thresholds in evals/thresholds.yaml")
    p.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    cases = load_cases(args.cases)
    embedder = load_embedder(settings)
    engine = Engine.from_settings(settings, embedder=embedder)
    results = run_cases(engine.answer, cases)
    summary = summarise(results)
    baseline_summary = None
    if args.baseline:
        from evals.baseline import TextbookRAG

        rag = TextbookRAG.build(list(settings.source_paths), embedder)
        baseline_summary = summarise(run_cases(rag.answer, cases))
    if args.report:
        paths = write_reports(args.report, summary, results, baseline_summary)
        print(f"reports written: {', '.join(str(p) for p in paths.values())}", file=sys.stderr)
    if args.json:
        doc = results_document(summary, results)
        if baseline_summary is not None:
            doc["baseline_summary"] = baseline_summary
        print(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    else:
        print(render_terminal(summary, results, baseline_summary))
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))
        diff = compare(old, results_document(summary, results))
        print(f"newly failing: {', '.join(diff['newly_failing']) or 'none'}")
        print(f"newly passing: {', '.join(diff['newly_passing']) or 'none'}")
    if args.gate:
        failures = gate(summary, load_thresholds())
        for f in failures:
            print(f"gate: {f}", file=sys.stderr)
        if failures:
            return 1
        print("gate: passed", file=sys.stderr)
    return 0


def register_bench(sub: Any) -> None:
    p = sub.add_parser("bench", help="benchmarks that print figures")
    which = p.add_subparsers(dest="bench", metavar="WHAT", required=True)
    i = which.add_parser("ingest", help="pipeline throughput against the raw encoder")
    i.add_argument("--chunks", type=int, default=2000, help="size of the generated corpus")
    i.set_defaults(handler=lambda a, s: _bench("ingest", a, s))
    a = which.add_parser("answer", help="answer() latency against the retrieval floor")
    a.add_argument("--synthetic", type=int, default=100_000,
                   help="chunks in the large synthetic index (0 to skip)")
    a.set_defaults(handler=lambda a, s: _bench("answer", a, s))
    s = which.add_parser("serve", help="20 clients over loopback against the web API")
    s.add_argument("--url", help="an already running server (default: start one)")
    s.add_argument("--clients", type=int, default=20)
    s.add_argument("--seconds", type=float, default=60.0)
    s.set_defaults(handler=lambda a, st: _bench("serve", a, st))


def _bench(which: str, args: argparse.Namespace, settings: Settings) -> int:
    if which == "serve":
        from evals.bench_serve import main_serve

        return main_serve(args, settings)
    from evals import bench

    return int(bench.ingest(args, settings) if which == "ingest" else bench.answer(args, settings))
