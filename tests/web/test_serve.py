"""`send-assistant serve` and `send-assistant bench serve`."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from assistant.cli import build_parser
from assistant.errors import ConfigError
from assistant.settings import Settings
from evals import bench_serve
from tests.web.conftest import LiveServer


def test_serve_is_a_subcommand_with_host_and_port() -> None:
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert (args.command, args.host, args.port) == ("serve", "0.0.0.0", 8123)
    defaults = build_parser().parse_args(["serve"])
    assert defaults.host is None and defaults.port is None  # settings decide


@pytest.mark.parametrize(("env", "message"), [
    ({"SEND_PORT": "0"}, "SEND_PORT"),
    ({"SEND_RATE_LIMIT_PER_MINUTE": "-1"}, "0 \\(no limit\\)"),
    ({"SEND_MAX_CONCURRENT": "0"}, "at least 1"),
])
def test_web_settings_are_validated(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env)


def test_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench_serve.percentile(values, 50) == 50
    assert bench_serve.percentile(values, 95) == 95
    assert bench_serve.percentile([], 95) == 0


@pytest.mark.slow
def test_bench_against_a_running_server(live_server: LiveServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(url=live_server.url, clients=2, seconds=2.0)
    assert bench_serve.main_serve(args, Settings()) == 0
    out = capsys.readouterr().out
    assert "requests/s" in out and "latency p95" in out and "errors       0 (none)" in out


@pytest.mark.slow
def test_bench_starts_and_always_stops_its_own_server(corpus_settings: Settings,
                                                      tmp_path: Path) -> None:
    # A copy of the index: embedded Chroma is opened by one process at a time.
    index = shutil.copytree(corpus_settings.index_dir, tmp_path / "index")
    with bench_serve.started_server(corpus_settings.with_(index_dir=index)) as server:
        load = bench_serve.run_load(server.url, 2, 1.0)
    assert load.latencies_ms and not load.errors
    assert server.proc.poll() is not None  # stopped
