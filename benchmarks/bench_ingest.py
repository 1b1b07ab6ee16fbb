"""Whole-ingest throughput (parse, clean, chunk, embed, store) on the shared corpora, the embedding
stage alone for both embedding backends, and peak RSS.

    .venv/bin/python benchmarks/bench_ingest.py     # table on stdout, benchmarks/results/bench_ingest.json

Each corpus is ingested by a fresh process into a fresh store under .bench/ (kept: the query benchmark
and the MultiHop development eval reuse them), so peak RSS is that corpus's alone.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import BBC, MULTIHOP, WORK, peak_rss_mb, table, timer, write  # noqa: E402

CORPORA = {"multihop": MULTIHOP, "bbc": BBC}
EMBED_SAMPLE = 1500  # chunks embedded by each backend for the stage-alone figure


def ingest_corpus(name: str) -> dict:
    from rag.config import Settings
    from rag.ingest.articles import ingest
    from rag.pipeline import load_pipeline

    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    with timer() as load_s:
        pipe = load_pipeline(Settings(data_dir=folder, _env_file=None))
    with timer() as ingest_s:
        outcomes = ingest([CORPORA[name]], pipe.settings, pipe.store, pipe.embedder)
    with timer() as bm25_s:
        pipe.local_index()  # the BM25 index is built once per store revision, here rather than on query 1
    stored = [o for o in outcomes if o.status in {"added", "replaced"}]
    chunks = sum(o.chunks for o in stored)
    counts = pipe.store.counts()
    chars = sum(len(d) for _, docs, _ in pipe.store.iter_chunks() for d in docs)
    return {
        "corpus": name, "backend": pipe.embedder.backend, "articles": len(stored),
        "skipped": {s: sum(o.status == s for o in outcomes) for s in ("duplicate", "rejected", "unchanged")},
        "chunks": chunks, "stored_chunks": counts["chunks"], "mean_chunk_chars": round(chars / max(chunks, 1)),
        "model_load_s": round(load_s(), 2), "ingest_s": round(ingest_s(), 1), "bm25_build_s": round(bm25_s(), 1),
        "articles_per_s": round(len(stored) / ingest_s(), 2), "chunks_per_s": round(chunks / ingest_s(), 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def embedding_stage(backend: str) -> dict:
    """The embedding stage alone: the same MultiHop-RAG chunks (title + chunk text, as ingest embeds
    them), embedded by one backend after a warm-up batch."""
    from rag.config import Settings
    from rag.ingest.articles import chunked
    from rag.ingest.embeddings import load_embeddings
    from rag.ingest.loaders import load
    from rag.ingest.parsing import parse

    settings = Settings(_env_file=None)
    texts: list[str] = []
    for raw in load(MULTIHOP, 50_000_000):
        article = parse(raw)
        texts += chunked(article, settings)[1]
        if len(texts) >= EMBED_SAMPLE:
            break
    texts = texts[:EMBED_SAMPLE]
    embedder = load_embeddings(settings.embedding_model_path(), settings.embed_batch_size, backend,
                               settings.cache_dir)
    embedder.encode(texts[:16])
    with timer() as t:
        embedder.encode(texts)
    return {"backend": embedder.backend, "chunks": len(texts), "mean_chars": round(sum(map(len, texts)) / len(texts)),
            "seconds": round(t(), 1), "chunks_per_s": round(len(texts) / t(), 1), "peak_rss_mb": peak_rss_mb()}


def child(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--corpus":
        print(json.dumps(ingest_corpus(sys.argv[2])))
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--embed":
        print(json.dumps(embedding_stage(sys.argv[2])))
        return
    runs = [child(["--corpus", name]) for name in CORPORA]
    embed = [child(["--embed", backend]) for backend in ("onnx-int8", "torch")]
    speedup = round(embed[0]["chunks_per_s"] / embed[1]["chunks_per_s"], 2)
    print(table(["corpus", "articles", "chunks", "chars/chunk", "ingest s", "articles/s", "chunks/s",
                 "BM25 build s", "peak RSS MB"],
                [[r["corpus"], r["articles"], r["chunks"], r["mean_chunk_chars"], r["ingest_s"], r["articles_per_s"],
                  r["chunks_per_s"], r["bm25_build_s"], r["peak_rss_mb"]] for r in runs]))
    print()
    print(table(["embedding stage alone", "chunks", "chars", "s", "chunks/s", "peak RSS MB"],
                [[e["backend"], e["chunks"], e["mean_chars"], e["seconds"], e["chunks_per_s"], e["peak_rss_mb"]]
                 for e in embed]))
    print(f"\nint8 ONNX / fp32 PyTorch embedding speed: {speedup}x")
    path = write("bench_ingest", {"corpora": runs, "embedding_stage": embed, "int8_speedup": speedup})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
