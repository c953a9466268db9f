"""Benchmarks that print figures (no pass/fail): ingest throughput and answer latency."""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from assistant.answer import Engine
from assistant.embeddings import load_embedder
from assistant.retrieve import HybridRetriever
from assistant.settings import Settings
from assistant.signposts import load_signposts
from assistant.store import ChunkStore, IndexInfo
from assistant.types import Chunk
from evals.cases import load_cases
from evals.runner import DEFAULT_CASES
from ingest.chunk import chunk_id, embed_text
from ingest.pipeline import Summary, build_chunks, load_all, run_ingest


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(np.ceil(p / 100 * len(ordered))) - 1))]


def generate_corpus(folder: Path, source: Path, target_chunks: int, seed: int = 7) -> None:
    """Markdown documents made by recombining the corpus's sentences, with numbered sections.

    Each section is a few paragraphs, so the chunker packs them as it does real notes; a
    serial number in every paragraph keeps every chunk distinct.
    """
    from assistant.text import sentences

    docs = load_all([source], Summary())
    pool = [s for d in docs for s in sentences(d.text) if len(s.split()) > 8]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    sections_needed = target_chunks + target_chunks // 10
    serial = 0
    for n in range(0, sections_needed, 8):
        parts = [f"# Generated guidance {n // 8}\n"]
        for s in range(8):
            paras = []
            for _ in range(3):
                serial += 1
                paras.append(f"Item {serial}. " + " ".join(rng.sample(pool, 2)))
            parts.append(f"## Section {s + 1}\n\n" + "\n\n".join(paras))
        (folder / f"generated-{n // 8:04d}.md").write_text("\n\n".join(parts), encoding="utf-8")


def ingest(args: argparse.Namespace, settings: Settings) -> int:
    embedder = load_embedder(settings)
    embedder.embed_documents(["warm up the model"] * 8)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        generate_corpus(corpus, settings.source_paths[0], args.chunks)
        s = settings.with_(index_dir=Path(tmp) / "index")
        store = ChunkStore.open(s)
        t0 = time.perf_counter()
        first = run_ingest([corpus], s, store, lambda: embedder)
        first_s = time.perf_counter() - t0
        chunks = [c for c in build_chunks(load_all([corpus], Summary()), s.chunk_tokens)]
        texts = [embed_text(c) for c in chunks]
        t1 = time.perf_counter()
        embedder.encode(texts)
        raw_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        second = run_ingest([corpus], s, store, lambda: embedder)
        second_s = time.perf_counter() - t2
    n = first.embedded
    pipe_rate, raw_rate = n / first_s, len(texts) / raw_s
    print(f"generated corpus: {len(first.added)} documents, {first.chunks} chunks "
          f"({n} records embedded)")
    print(f"pipeline (load, clean, chunk, embed, write): {first_s:.1f} s, "
          f"{pipe_rate:.1f} chunks/s")
    print(f"raw SentenceTransformer.encode, same texts:   {raw_s:.1f} s, {raw_rate:.1f} chunks/s")
    print(f"pipeline / raw throughput: {pipe_rate / raw_rate:.1%} (target at least 85%)")
    print(f"unchanged re-run: {second_s:.2f} s = {second_s / first_s:.1%} of the first run "
          f"(target under 5%); embedded {second.embedded}")
    print(f"peak memory (RSS): {_peak_mb():.0f} MB")
    return 0


def _latencies(engine: Engine, questions: list[tuple[str, list[dict[str, str]]]]
               ) -> list[float]:
    out = []
    for q, history in questions:
        t = time.perf_counter()
        engine.answer(q, history)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _floor(engine: Engine, questions: list[str]) -> list[float]:
    """One query embedding plus one Chroma query: the least any answer can cost."""
    out = []
    for q in questions:
        t = time.perf_counter()
        v = engine.retriever.embedder.embed_query(q)
        engine.retriever.store.query(v, 8)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _print_row(label: str, values: list[float]) -> None:
    print(f"{label:<34} p50 {statistics.median(values):7.1f} ms   p95 {_pct(values, 95):7.1f} ms"
          f"   (n={len(values)})")


def build_synthetic(settings: Settings, real: ChunkStore, n: int, seed: int = 11) -> ChunkStore:
    """The real index's records plus `n` synthetic chunks with random unit vectors."""
    store = ChunkStore.open(settings)
    info = real.info()
    assert info is not None
    gen = store.begin(info)
    records = list(real.iter_records(with_embeddings=True))
    gen.add([c for c, _ in records], [list(map(float, v)) for _, v in records])
    vocab = sorted({w for c, _ in records for w in c.text.split() if w.isalpha()})
    rng = np.random.default_rng(seed)
    step = 5000
    for start in range(0, n, step):
        size = min(step, n - start)
        vecs = rng.standard_normal((size, info.dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        chunks = []
        for i in range(size):
            words = rng.choice(vocab, 60)
            text = " ".join(words)
            chunks.append(Chunk(id=chunk_id("synthetic", str(start + i)), text=text,
                                doc_id=f"synthetic-{(start + i) // 5}", title="Synthetic",
                                section=f"part {i % 5}"))
        gen.add(chunks, vecs.tolist())
    gen.commit(expected=len(records) + n)
    return store


def answer(args: argparse.Namespace, settings: Settings) -> int:
    embedder = load_embedder(settings)
    engine = Engine.from_settings(settings, embedder=embedder)
    cases = load_cases(DEFAULT_CASES)
    questions = [(c.question, [{"role": t.role, "content": t.content} for t in c.history])
                 for c in cases]
    _latencies(engine, questions[:10])  # warm up
    small = _latencies(engine, questions)
    floor = _floor(engine, [q for q, _ in questions])
    print(f"index: {engine.retriever.store.count()} records; {len(questions)} eval questions")
    _print_row("floor (embed + 1 Chroma query)", floor)
    _print_row("answer()", small)
    p50_ratio = statistics.median(small) / statistics.median(floor)
    print(f"answer p50 / floor p50: {p50_ratio:.2f}x (target within 2x); "
          f"answer p95 {_pct(small, 95):.1f} ms (target under 150 ms)")
    if args.synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            s = settings.with_(index_dir=Path(tmp) / "index", chroma_host=None)
            t = time.perf_counter()
            big_store = build_synthetic(s, engine.retriever.store, args.synthetic)
            big_store.require(IndexInfo(settings.embedding_model_id, embedder.dim,
                                        settings.chunk_tokens))
            big = Engine(s, HybridRetriever(big_store, embedder), engine.cards,
                         load_signposts(settings.signposts_path))
            print(f"synthetic index: {big_store.count()} records, built in "
                  f"{time.perf_counter() - t:.0f} s")
            _latencies(big, questions[:10])
            large = _latencies(big, questions)
            _print_row("answer() at the synthetic index", large)
            print(f"p95 large / p95 small: {_pct(large, 95) / _pct(small, 95):.2f}x "
                  "(target within 2x)")
    print(f"peak memory (RSS): {_peak_mb():.0f} MB")
    return 0
