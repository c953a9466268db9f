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
from evals.runner import SPLITS, load_thresholds, run_cases


def register_eval(sub: Any) -> None:
    p = sub.add_parser("eval", help="run the answer-quality suite")
    p.add_argument("--cases", type=Path, metavar="FILE",
                   help="one cases YAML file (default: both splits, evals/cases.yaml for "
                        "tuning and evals/holdout.yaml, which no knob is chosen on)")
    p.add_argument("--json", action="store_true", help="print summary and cases as JSON")
    p.add_argument("--report", type=Path, metavar="DIR",
                   help="write results.json, junit.xml and report.html here (one folder a split)")
    p.add_argument("--compare", type=Path, metavar="OLD.json",
                   help="list cases that newly fail or pass against an earlier results.json")
    p.add_argument("--baseline", action="store_true",
                   help="also run a textbook RAG on the same corpus and cases, side by side")
    p.add_argument("--gate", action="store_true",
                   help="exit non-zero below the thresholds in evals/thresholds.yaml")
    p.add_argument("--sweep", metavar="NAME",
                   help="replay the tuning split over a range of one knob's values "
                        "(see assistant/data/knobs.yaml) and print the figures")
    p.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    splits = {args.cases.stem: args.cases} if args.cases else dict(SPLITS)
    loaded = {name: load_cases(path) for name, path in splits.items()}
    embedder = load_embedder(settings)
    engine = Engine.from_settings(settings, embedder=embedder)
    if args.sweep:
        from evals.sweep import run_sweep

        print(run_sweep(engine, loaded.get("tuning") or next(iter(loaded.values())), args.sweep))
        return 0
    rag = None
    if args.baseline:
        from evals.baseline import TextbookRAG

        rag = TextbookRAG.build(list(settings.source_paths), embedder)
    failures: list[str] = []
    documents: dict[str, Any] = {}
    for name, cases in loaded.items():
        results = run_cases(engine.answer, cases)
        summary = summarise(results)
        baseline_summary = summarise(run_cases(rag.answer, cases)) if rag else None
        if args.report:
            where = args.report / name if len(loaded) > 1 else args.report
            paths = write_reports(where, summary, results, baseline_summary)
            print(f"reports written: {', '.join(str(p) for p in paths.values())}",
                  file=sys.stderr)
        doc = results_document(summary, results)
        if baseline_summary is not None:
            doc["baseline_summary"] = baseline_summary
        documents[name] = doc
        if not args.json:
            print(f"== {name} split ({splits[name]}) ==")
            print(render_terminal(summary, results, baseline_summary))
        if args.gate:
            failures += [f"{name}: {f}" for f in gate(summary, load_thresholds())]
    if args.json:
        print(json.dumps(documents if len(documents) > 1 else next(iter(documents.values())),
                         indent=2, ensure_ascii=False, default=str))
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))
        new = documents.get(next(iter(documents)))
        diff = compare(old, new or {})
        print(f"newly failing: {', '.join(diff['newly_failing']) or 'none'}")
        print(f"newly passing: {', '.join(diff['newly_passing']) or 'none'}")
    if args.gate:
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
    s.add_argument("--workers", default="",
                   help="e.g. 1,2: serve from a Chroma server with each number of worker "
                        "processes in turn and compare (default: one embedded server)")
    s.set_defaults(handler=lambda a, st: _bench("serve", a, st))


def _bench(which: str, args: argparse.Namespace, settings: Settings) -> int:
    if which == "serve":
        from evals.bench_serve import main_serve

        return main_serve(args, settings)
    from evals import bench

    return int(bench.ingest(args, settings) if which == "ingest" else bench.answer(args, settings))
