"""Warm query latency as the store grows: retrieval alone, time to the first answer token and the full
answer, p50/p95/p99 over a fixed question list, at 1k, 10k and 100k chunks; store size on disk and
process RSS at each size. Also a cold `newsdesk ask` (a new process, store on disk).

    .venv/bin/python benchmarks/bench_query.py      # needs the stores of bench_ingest.py in .bench/

The larger stores are the ingested corpora added again under distinct ids (article and chunk ids get a
"~copy" suffix, each copy its own story): ingesting is measured by bench_ingest.py, so the copies reuse
its vectors, each nudged by a little noise so the index does not hold exact duplicates.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    WORK,
    answer_timed,
    disk_mb,
    fingerprint,
    kept_build,
    mark_built,
    questions,
    rss_mb,
    summary,
    table,
    timed_ms,
    write,
)

SIZES = (1_000, 10_000, 100_000)
SOURCES = ("multihop", "bbc")
BATCH = 2000
BUILD_VERSION = 1  # bump when build() changes what it writes


def build(size: int, folder: Path) -> dict:
    """A store of at least `size` chunks made of whole articles, copied from the ingested corpora."""
    from rag.config import Settings
    from rag.storage.many import raw_rows
    from rag.storage.store import open_store

    sources = []
    for name in SOURCES:
        src = open_store(Settings(data_dir=WORK / name, _env_file=None))
        chunks: dict[str, list] = {}
        for row in raw_rows(src, "chunks"):
            chunks.setdefault(row[2]["article_id"], []).append(row)
        sources += [(article, chunks.get(article[0], [])) for article in raw_rows(src, "articles")]
    # The copy is a function of the source stores' ids, texts and metadata (and of this code): a store built
    # from the same ones in an earlier run is kept. Vectors are left out of the key, since an ingest may round
    # them differently in the last bit, which no latency figure here can see; ingest times too.
    key = fingerprint(BUILD_VERSION, size, [(a[0], a[1], {k: v for k, v in a[2].items() if k != "ingested_at"},
                                             [(c[0], c[1], c[2]) for c in rows]) for a, rows in sources])
    kept = kept_build(folder, key)
    if kept is not None:
        shutil.rmtree(folder / "bm25", ignore_errors=True)  # the local index is still built (and timed) anew
        return {"chunks": kept["chunks"], "articles": kept["articles"], "build_s": kept["build_s"], "kept": True}
    shutil.rmtree(folder, ignore_errors=True)
    target = open_store(Settings(data_dir=folder, _env_file=None))
    rng = np.random.default_rng(0)
    total, copy, start = 0, 0, time.perf_counter()
    pending_chunks: list[tuple] = []
    pending_articles: list[tuple] = []
    while total < size:
        suffix = f"~{copy}" if copy else ""
        for (aid, text, meta, vector), rows in sources:
            if total >= size:
                break
            story = (meta.get("story_id") or aid) + suffix
            pending_articles.append((aid + suffix, text, {**meta, "story_id": story}, vector))
            for cid, doc, m, v in rows:
                if copy:  # a nudge, so the index does not hold exact duplicates
                    v = np.asarray(v, dtype=np.float32) + rng.normal(0, 0.01, len(v)).astype(np.float32)
                    v /= np.linalg.norm(v)
                pending_chunks.append((cid + suffix, doc, {**m, "article_id": aid + suffix, "story_id": story}, v))
            total += len(rows)
            if len(pending_chunks) >= BATCH:
                flush(target, "chunks", pending_chunks)
        copy += 1
    flush(target, "chunks", pending_chunks)
    flush(target, "articles", pending_articles)
    target.bump_revision()
    built = {"chunks": target.counts()["chunks"], "articles": target.counts()["articles"],
             "build_s": round(time.perf_counter() - start, 1)}
    mark_built(folder, key, built)
    return built | {"kept": False}


def flush(store, kind: str, rows: list[tuple]) -> None:  # noqa: ANN001
    from rag.storage.many import add_raw_rows

    add_raw_rows(store, kind, rows)
    rows.clear()


def measure(folder: Path, qs: list[str]) -> dict:
    from rag.config import Settings
    from rag.pipeline import load_pipeline

    pipe = load_pipeline(Settings(data_dir=folder, _env_file=None))
    _, bm25_ms = timed_ms(pipe.local_index)  # built once per store revision, then persisted next to Chroma
    # Warm-up until one question has reached the LLM: the GGUF loaded and the answer chain built (a warm-up
    # question answered without the LLM left both to the first measured question that needed it: 6.4 s).
    for q in qs:
        if answer_timed(q, pipe)[1] is not None:
            break
    retrieve, first, full, modes = [], [], [], {}
    for q in qs:
        _, ms = timed_ms(lambda q=q: pipe.retriever().retrieve(q))
        retrieve.append(ms)
    for q in qs:
        (result, ttft), ms = timed_ms(lambda q=q: answer_timed(q, pipe))
        full.append(ms)
        first += [] if ttft is None else [ttft]
        modes[result.mode] = modes.get(result.mode, 0) + 1
    return {"bm25_build_ms": round(bm25_ms), "retrieval_ms": summary(retrieve), "first_token_ms": summary(first),
            "answer_ms": summary(full), "modes": modes, "disk_mb": disk_mb(folder), "rss_mb": rss_mb()}


def cold_ask(folder: Path, question: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rag.cli", "--data-dir", str(folder), "ask", question],
                   capture_output=True, check=True)
    return round(time.perf_counter() - start, 2)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--size":  # one size per process: its own RSS
        size = int(sys.argv[2])
        folder = WORK / f"q{size}"
        built = build(size, folder)
        print(json.dumps({"size": size, **built, **measure(folder, questions())}))
        return
    missing = [n for n in SOURCES if not (WORK / n).exists()]
    if missing:
        raise SystemExit(f"run benchmarks/bench_ingest.py first (no store for {', '.join(missing)} in {WORK})")
    rows = []
    for size in SIZES:
        out = subprocess.run([sys.executable, __file__, "--size", str(size)], capture_output=True, text=True,
                             check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cold = [cold_ask(WORK / "q10000", questions()[0]) for _ in range(3)]
    print(table(["chunks", "retrieval p50/p95/p99 ms", "first token p50/p95 ms", "answer p50/p95/p99 ms",
                 "BM25 build ms", "disk MB", "RSS MB"],
                [[r["chunks"], "{p50} / {p95} / {p99}".format(**r["retrieval_ms"]),
                  "{p50} / {p95}".format(**r["first_token_ms"]), "{p50} / {p95} / {p99}".format(**r["answer_ms"]),
                  r["bm25_build_ms"], r["disk_mb"], r["rss_mb"]] for r in rows]))
    print(f"\ncold `newsdesk ask` (new process, 10k-chunk store): {cold} s")
    path = write("bench_query", {"questions": len(questions()), "sizes": rows, "cold_ask_s": cold})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
