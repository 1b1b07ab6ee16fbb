"""Ingest of a fixed 400-article BBC sample: `newsdesk ingest` against the plain LangChain recipe
(RecursiveCharacterTextSplitter 1000/200 + HuggingFaceEmbeddings fp32 + Chroma, the same bundled
MiniLM), in the same run, alternating, each in a fresh process into a fresh store. Also prints
newsdesk's stage table (rag.ingest.stages) for its runs.

    .venv/bin/python benchmarks/bench_vs_plain.py [repeats]   # benchmarks/results/bench_vs_plain.json

The sample: 400 files drawn with random.Random(13) from the sorted BBC file list, copied to
.bench/bbc400 (scratch, never committed). Timed: the ingest call (files -> searchable store, the
local index included for newsdesk) and, apart, the process's model and store load.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import BBC, WORK, peak_rss_mb, table, timer, write  # noqa: E402

SAMPLE = 400
SEED = 13


def sample_folder() -> Path:
    """The fixed sample, copied once (names keep their category so they stay unique)."""
    folder = WORK / "bbc400"
    files = sorted(p for p in BBC.glob("*/*.txt"))
    chosen = random.Random(SEED).sample(files, SAMPLE)
    if sorted(p.name for p in folder.glob("*.txt")) != sorted(f"{p.parent.name}_{p.name}" for p in chosen):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for p in chosen:
            shutil.copyfile(p, folder / f"{p.parent.name}_{p.name}")
    return folder


def run_newsdesk(folder: Path) -> dict:
    from rag.config import Settings
    from rag.ingest.articles import ingest
    from rag.ingest.stages import StageTimes
    from rag.pipeline import load_pipeline

    store_dir = WORK / "vs_plain_newsdesk"
    shutil.rmtree(store_dir, ignore_errors=True)
    with timer() as load_s:
        pipe = load_pipeline(Settings(data_dir=store_dir, _env_file=None))
    times = StageTimes()
    with timer() as t:
        outcomes = ingest([folder], pipe.settings, pipe.store, pipe.embedder, times=times)
        with times.stage("local index"):
            pipe.local_index()  # as `newsdesk ingest` does: the local index takes in the new articles
    stored = [o for o in outcomes if o.status in {"added", "replaced"}]
    return {"system": "newsdesk", "articles": len(stored), "duplicates": sum(o.status == "duplicate" for o in outcomes),
            "chunks": sum(o.chunks for o in stored), "load_s": round(load_s(), 2), "ingest_s": round(t(), 2),
            "stages": times.rounded(), "peak_rss_mb": peak_rss_mb()}


def run_plain(folder: Path) -> dict:
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.config import Settings

    store_dir = WORK / "vs_plain_plain"
    shutil.rmtree(store_dir, ignore_errors=True)
    with timer() as load_s:
        embeddings = HuggingFaceEmbeddings(model_name=Settings(_env_file=None).embedding_model_path(),
                                           model_kwargs={"device": "cpu", "local_files_only": True},
                                           encode_kwargs={"normalize_embeddings": True})
        client = chromadb.PersistentClient(str(store_dir), settings=chromadb.Settings(anonymized_telemetry=False))
        store = Chroma(client=client, collection_name="plain", embedding_function=embeddings,
                       collection_configuration={"hnsw": {"space": "cosine"}})
    with timer() as t:
        docs = []
        for path in sorted(folder.glob("*.txt")):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            docs.append(Document(page_content=text, metadata={"source": str(path)}))
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        for i in range(0, len(chunks), 1000):
            store.add_documents(chunks[i:i + 1000])
    return {"system": "plain", "articles": len(docs), "chunks": len(chunks), "load_s": round(load_s(), 2),
            "ingest_s": round(t(), 2), "peak_rss_mb": peak_rss_mb()}


def child(step: str, folder: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, step, str(folder)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_avg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] in {"--newsdesk", "--plain"}:
        fn = run_newsdesk if sys.argv[1] == "--newsdesk" else run_plain
        print(json.dumps(fn(Path(sys.argv[2]))))
        return
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    folder = sample_folder()
    runs: list[dict] = []
    for _ in range(repeats):  # alternating, so a change in machine load hits both alike
        for step in ("--newsdesk", "--plain"):
            before = load_avg()
            runs.append(child(step, folder) | {"load_avg_before": before, "load_avg_after": load_avg(),
                                               "at": time.strftime("%H:%M:%S")})
            print(json.dumps(runs[-1]), flush=True)
    nd = [r for r in runs if r["system"] == "newsdesk"]
    plain = [r for r in runs if r["system"] == "plain"]
    best_nd, best_plain = min(r["ingest_s"] for r in nd), min(r["ingest_s"] for r in plain)
    mean_nd = sum(r["ingest_s"] for r in nd) / len(nd)
    mean_plain = sum(r["ingest_s"] for r in plain) / len(plain)
    ratio = round(mean_plain / mean_nd, 2)
    print(table(["400 BBC articles", "chunks", "ingest s (each run)", "model+store load s", "peak RSS MB"],
                [[r["system"], r["chunks"], " / ".join(str(x["ingest_s"]) for x in rs), r["load_s"], r["peak_rss_mb"]]
                 for rs in (nd, plain) for r in rs[:1]]))
    print(f"\nplain recipe / newsdesk ingest time: {ratio}x (means); best runs {round(best_plain / best_nd, 2)}x")
    stages = nd[-1]["stages"]
    print(table(["newsdesk stage (last run)", "s"], [[k, v] for k, v in stages.items()]))
    path = write("bench_vs_plain", {"sample": f"{SAMPLE} BBC files, random.Random({SEED})", "runs": runs,
                                    "ratio_mean": ratio, "ratio_best": round(best_plain / best_nd, 2),
                                    "newsdesk_stages": stages})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
