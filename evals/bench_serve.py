"""`send-assistant bench serve`: web load over loopback.

Starts `send-assistant serve` on a free loopback port over the current index (or uses --url),
runs N clients posting a rotating set of realistic questions to /api/ask for S seconds, and
prints requests/s, p50/p95 latency and errors. With `--workers 1,2` it serves a copy of the
index from a Chroma server (`chroma run`), once with each number of worker processes, and
prints the figures side by side. Every server it starts is stopped.
Target: zero errors and p95 under a second with 20 clients.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from assistant.settings import PROJECT_ROOT, Settings

QUESTIONS = [
    "How long does the council have to decide whether to do an EHC needs assessment?",
    "The school says they must spend £6,000 before asking for an EHCP. Is that true?",
    "Can I ask for an EHC needs assessment myself without the school agreeing?",
    "What is SEN support and what should the school be doing for my son?",
    "How often should my daughter's EHC plan be reviewed?",
    "Does my child need a diagnosis to get SEN support?",
    "Can the school say they are full and refuse to name them in the plan?",
    "What can I do if I disagree with what is in the final EHC plan?",
    "How long do I have to appeal to the SEND tribunal?",
    "My son keeps being sent home early for his behaviour, is that allowed?",
    "What should be in section F of an EHC plan?",
    "Can the council stop the EHC plan when my daughter turns 19?",
]
TARGET_P95_MS = 1000.0
START_TIMEOUT_S = 240.0


@dataclass
class Load:
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, ms: float, error: str | None) -> None:
        with self.lock:
            if error:
                self.errors[error] += 1
            else:
                self.latencies_ms.append(ms)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/healthz", timeout=2).json().get("ready"))
    except (httpx.HTTPError, ValueError):
        return False


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]


@contextmanager
def chroma_server(index_dir: Path) -> Iterator[int]:
    """`chroma run` over a copy of the index folder, on a free loopback port; always stopped."""
    binary = Path(sys.executable).with_name("chroma")
    if not binary.exists():
        found = shutil.which("chroma")
        if not found:
            raise RuntimeError("the chroma server binary is not installed (pip install chromadb)")
        binary = Path(found)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile() as log:
        data = Path(tmp) / "index"
        shutil.copytree(index_dir, data)
        proc = subprocess.Popen([str(binary), "run", "--host", "127.0.0.1", "--port", str(port),
                                 "--path", str(data)], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _heartbeat(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError("chroma run did not come up:\n"
                                       + log.read().decode(errors="replace")[-2000:])
                time.sleep(0.2)
            yield port
        finally:
            stop_process(proc)


def _heartbeat(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).is_success
    except httpx.HTTPError:
        return False


def stop_process(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """Ask the process to end; kill it if it has not within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def started_server(settings: Settings, workers: int = 1, chroma_port: int | None = None
                   ) -> Iterator[Server]:
    """`send-assistant serve` in a subprocess with the default limits, no rate limit (every
    bench client comes from one address), over the embedded index or a Chroma server."""
    port = free_port()
    env = {
        **os.environ,
        "SEND_INDEX_DIR": str(Path(settings.index_dir).resolve()),
        "SEND_RATE_LIMIT_PER_MINUTE": "0",
        "SEND_CHROMA_HOST": "127.0.0.1" if chroma_port else "",
        "SEND_CHROMA_PORT": str(chroma_port or settings.chroma_port),
        "GRADIO_ANALYTICS_ENABLED": "False",
    }
    command = [sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            _wait_until_ready(url, proc, log)
            yield Server(url, proc)
        finally:
            stop_process(proc)


def _wait_until_ready(url: str, proc: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not _ready(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            output = log.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"the server did not become ready at {url}:\n{output}")
        time.sleep(0.5)


def _client(url: str, index: int, deadline: float, load: Load) -> None:
    with httpx.Client(base_url=url, timeout=30) as http:
        n = index
        while time.monotonic() < deadline:
            question = QUESTIONS[n % len(QUESTIONS)]
            n += 1
            t0 = time.perf_counter()
            try:
                r = http.post("/api/ask", json={"question": question})
                error = None if r.status_code == 200 else f"HTTP {r.status_code}"
            except httpx.HTTPError as exc:
                error = type(exc).__name__
            load.record((time.perf_counter() - t0) * 1000, error)


def run_load(url: str, clients: int, seconds: float) -> Load:
    """`clients` threads, each posting questions in turn until `seconds` have passed."""
    with httpx.Client(base_url=url, timeout=60) as http:  # warm every code path once
        for q in QUESTIONS:
            http.post("/api/ask", json={"question": q})
    load = Load()
    started = time.monotonic()
    deadline = started + seconds
    threads = [threading.Thread(target=_client, args=(url, i, deadline, load), daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    load.seconds = time.monotonic() - started
    return load


def report(load: Load, clients: int, url: str, workers: int | None = None) -> str:
    done = len(load.latencies_ms)
    errors = sum(load.errors.values())
    p50, p95 = percentile(load.latencies_ms, 50), percentile(load.latencies_ms, 95)
    met = errors == 0 and p95 < TARGET_P95_MS
    detail = ", ".join(f"{k}: {v}" for k, v in load.errors.most_common()) or "none"
    return "\n".join([
        f"bench serve: {clients} clients for {load.seconds:.1f} s, POST /api/ask at {url}"
        + (f" ({workers} worker{'s' if workers > 1 else ''}, Chroma server)" if workers else ""),
        f"  requests     {done + errors}",
        f"  requests/s   {(done + errors) / max(load.seconds, 1e-9):.1f}",
        f"  latency p50  {p50:.0f} ms",
        f"  latency p95  {p95:.0f} ms",
        f"  latency max  {max(load.latencies_ms, default=0.0):.0f} ms",
        f"  errors       {errors} ({detail})",
        f"  target       zero errors and p95 < {TARGET_P95_MS:.0f} ms: "
        + ("met" if met else "NOT met"),
    ])


def main_serve(args: argparse.Namespace, settings: Settings) -> int:
    clients, seconds = max(1, int(args.clients)), max(1.0, float(args.seconds))
    if args.url:
        print(report(run_load(args.url.rstrip("/"), clients, seconds), clients, args.url))
        return 0
    counts = [int(n) for n in str(args.workers or "").split(",") if n.strip()]
    try:
        if not counts:
            print(f"starting the server over {settings.index_dir} …", file=sys.stderr)
            with started_server(settings) as server:
                print(report(run_load(server.url, clients, seconds), clients, server.url))
            return 0
        rates = {}
        with chroma_server(Path(settings.index_dir)) as port:
            for n in counts:
                print(f"starting {n} worker(s) against the Chroma server …", file=sys.stderr)
                with started_server(settings, n, port) as server:
                    load = run_load(server.url, clients, seconds)
                print(report(load, clients, server.url, n))
                rates[n] = (len(load.latencies_ms) + sum(load.errors.values())) / load.seconds
        print("requests/s by workers: " + ", ".join(f"{n}: {r:.1f}" for n, r in rates.items()))
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
