"""Run eval cases through an answerer and score them."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from evals.cases import Case
from evals.metrics import CaseResult, Thresholds, check_case

#: Anything that answers like `Engine.answer` and returns an object with `to_dict`.
Answerer = Callable[[str, list[dict[str, str]]], Any]
THRESHOLDS = Path(__file__).with_name("thresholds.yaml")
#: The tuning split: thresholds and knobs are chosen on these cases.
DEFAULT_CASES = Path(__file__).with_name("cases.yaml")
#: The untouched split: no threshold or knob is ever chosen on it; it is only reported.
HOLDOUT_CASES = Path(__file__).with_name("holdout.yaml")
SPLITS = {"tuning": DEFAULT_CASES, "holdout": HOLDOUT_CASES}


def run_cases(answer: Answerer, cases: Sequence[Case]) -> list[CaseResult]:
    results = []
    for case in cases:
        history = [{"role": t.role, "content": t.content} for t in case.history]
        started = time.perf_counter()
        reply = answer(case.question, history)
        latency = (time.perf_counter() - started) * 1000
        results.append(check_case(case, reply.to_dict(include_passages=True, include_trace=True),
                                  latency))
    return results


def load_thresholds(path: Path = THRESHOLDS) -> Thresholds:
    return Thresholds.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
