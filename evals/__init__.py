"""Evaluation: cases, metrics (pure functions), runner, reports, benchmarks."""
