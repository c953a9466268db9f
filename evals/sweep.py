"""`send-assistant eval --sweep NAME`: replay the tuning cases at a range of values of one knob
and print what each value does to the figures that knob was chosen for.

Only the tuning split (evals/cases.yaml) is ever swept: the holdout split stays untouched.
Embeddings are memoised for the sweep, so each value costs the routing, not the model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from assistant.answer import Engine
from assistant.errors import ConfigError
from assistant.knobs import Knobs
from evals.cases import Case
from evals.metrics import CaseResult, summarise
from evals.runner import run_cases


@dataclass(frozen=True)
class Sweep:
    values: tuple[float, ...]
    #: (column, function of the results) printed for each value
    columns: tuple[tuple[str, Callable[[Sequence[CaseResult]], Any]], ...]


def card_precision(results: Sequence[CaseResult]) -> float | None:
    """Of the replies that used a card, on cases that name one or expect no answer: the share
    whose card is the one named."""
    judged = [r for r in results if r.card and (r.card_ok is not None
                                                or r.expected_outcome in ("not_found",
                                                                          "out_of_scope"))]
    return sum(bool(r.card_ok) for r in judged) / len(judged) if judged else None


def card_recall(results: Sequence[CaseResult]) -> float | None:
    named = [r for r in results if r.card_ok is not None]
    return sum(bool(r.card_ok) for r in named) / len(named) if named else None


def _metric(key: str) -> Callable[[Sequence[CaseResult]], Any]:
    return lambda results: summarise(results)[key]


def _tag_pass(tag: str) -> Callable[[Sequence[CaseResult]], Any]:
    def rate(results: Sequence[CaseResult]) -> float | None:
        mine = [r for r in results if tag in r.tags]
        return sum(r.passed for r in mine) / len(mine) if mine else None
    return rate


def _yes_no_shown(results: Sequence[CaseResult]) -> float | None:
    asked = [r for r in results if r.expected.get("polarity")]
    return sum(r.opening is not None for r in asked) / len(asked) if asked else None


CARD = (("card precision", card_precision), ("card recall", card_recall),
        ("contradictions", _metric("contradictions")), ("pass rate", _metric("pass_rate")),
        ("abstain P", _metric("abstention_precision")), ("abstain R", _metric("abstention_recall")))
YES_NO = (("contradictions", _metric("contradictions")), ("Yes/No shown", _yes_no_shown),
          ("lead acc", _metric("lead_accuracy")), ("pass rate", _metric("pass_rate")))
RISK = (("sg recall", _metric("safeguarding_recall")),
        ("false alarms", _metric("false_alarm_rate")), ("pass rate", _metric("pass_rate")))
ABSTAIN = (("abstain P", _metric("abstention_precision")),
           ("abstain R", _metric("abstention_recall")), ("pass rate", _metric("pass_rate")),
           ("not-found pass", _tag_pass("not-found")))


def _steps(lo: float, hi: float, step: float) -> tuple[float, ...]:
    n = round((hi - lo) / step)
    return tuple(round(lo + i * step, 4) for i in range(n + 1))


SWEEPS: dict[str, Sweep] = {
    "card_threshold": Sweep(_steps(0.50, 0.80, 0.02), CARD),
    "card_lexical_weight": Sweep(_steps(0.0, 0.5, 0.05), CARD),
    "card_centre_weight": Sweep(_steps(0.0, 1.0, 0.125), CARD),
    "yes_no_margin": Sweep(_steps(0.0, 0.10, 0.01), YES_NO),
    "yes_no_min_coverage": Sweep(_steps(0.0, 1.0, 0.1), YES_NO),
    "yes_no_min_specificity": Sweep(_steps(0.0, 1.0, 0.1), YES_NO),
    "yes_no_min_similarity": Sweep(_steps(0.55, 0.90, 0.025), YES_NO),
    "follow_up_bonus": Sweep(_steps(0.0, 0.15, 0.01),
                             (("followup pass", _tag_pass("followup")),
                              ("pass rate", _metric("pass_rate")))),
    "closest_threshold": Sweep(_steps(0.20, 0.60, 0.025), ABSTAIN),
    "off_topic_threshold": Sweep(_steps(0.10, 0.60, 0.025),
                                 (*ABSTAIN, ("out-of-scope pass", _tag_pass("out-of-scope")))),
    "not_covered_threshold": Sweep(_steps(0.40, 0.80, 0.025), ABSTAIN),
    "safeguarding_threshold": Sweep(_steps(-0.06, 0.06, 0.01), RISK),
    "safeguarding_neighbours": Sweep((1.0, 3.0, 5.0, 10.0), RISK),
}


class Memo:
    """An embedder that remembers every text it has embedded (for the sweep's replays)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self._seen: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        todo = [t for t in dict.fromkeys(texts) if t not in self._seen]
        if todo:
            self._seen.update(zip(todo, self.inner.embed_documents(todo), strict=True))
        return [self._seen[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def run_sweep(engine: Engine, cases: Sequence[Case], name: str) -> str:
    if name not in SWEEPS:
        raise ConfigError(f"No sweep named {name!r}; sweeps: {', '.join(SWEEPS)}.")
    sweep = SWEEPS[name]
    base = engine.knobs
    memo = Memo(engine.reader.embedder)
    engine.reader.embedder = memo
    engine.retriever.embedder = memo  # type: ignore[assignment]
    rows = []
    try:
        for value in sweep.values:
            engine.use_knobs(base.with_(**{name: value}))
            results = run_cases(engine.answer, cases)
            rows.append([f"{value:g}" + (" *" if value == getattr(base, name) else ""),
                         *(_fmt(fn(results)) for _, fn in sweep.columns)])
    finally:
        engine.use_knobs(base)
        engine.reader.embedder = engine.retriever.embedder = memo.inner
    headers = [name, *(c for c, _ in sweep.columns)]
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    lines = [f"sweep {name} over {len(cases)} tuning cases (* = the value in knobs.yaml)",
             "  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def knob_names() -> list[str]:
    return [f.name for f in fields(Knobs)]
