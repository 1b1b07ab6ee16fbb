"""The plain recipe a user would otherwise write, measured the same way and in the same run as newsdesk:
LangChain RecursiveCharacterTextSplitter(1000, 200) + HuggingFaceEmbeddings (the same bundled
all-MiniLM-L6-v2, fp32) + Chroma + a stuff-documents chain (all top-k chunks pasted into one prompt) with
the same GGUF model. Corpus: MultiHop-RAG (609 articles). Reports newsdesk/baseline ratios.

    .venv/bin/python benchmarks/bench_baseline.py   # needs .bench/multihop from bench_ingest.py

The plain recipe's store is kept between runs (see ingest()): a first run takes ~7 minutes more.

Also scores both on the MultiHop-style development questions the way the benchmark's paper scores
retrieval (a passage is a hit when it contains a gold evidence sentence).
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
    MULTIHOP,
    RESULTS,
    ROOT,
    WORK,
    answer_timed,
    disk_mb,
    file_hash,
    fingerprint,
    kept_build,
    mark_built,
    peak_rss_mb,
    questions,
    rss_mb,
    summary,
    table,
    timed_ms,
    timer,
    write,
)

K = 5  # passages per question, as newsdesk's default
STUFF_PROMPT = ("Use the following pieces of context to answer the question at the end. If you don't know the "
                "answer, just say that you don't know.\n\n{context}\n\nQuestion: {question}\nHelpful Answer:")


def dev_set() -> list[dict]:
    rows = json.loads((ROOT / "evals" / "datasets" / "multihop_dev.json").read_text(encoding="utf-8"))
    return [r for r in rows if r["question_type"] != "null_query"]


def baseline_parts(folder: Path):  # noqa: ANN201
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

    from rag.config import Settings

    settings = Settings(_env_file=None)
    embeddings = HuggingFaceEmbeddings(model_name=settings.embedding_model_path(),
                                       model_kwargs={"device": "cpu", "local_files_only": True},
                                       encode_kwargs={"normalize_embeddings": True})
    import chromadb

    client = chromadb.PersistentClient(str(folder), settings=chromadb.Settings(anonymized_telemetry=False))
    return settings, Chroma(client=client, collection_name="baseline", embedding_function=embeddings,
                            collection_configuration={"hnsw": {"space": "cosine"}})


def recipe_key(settings) -> str:  # noqa: ANN001
    """What the plain recipe's store is a function of: the corpus file, the model and the libraries."""
    from importlib.metadata import version

    libs = {p: version(p) for p in ("langchain-text-splitters", "langchain-huggingface", "langchain-chroma",
                                    "chromadb", "sentence-transformers", "transformers", "torch")}
    return fingerprint("RecursiveCharacterTextSplitter(1000, 200), HuggingFaceEmbeddings fp32 normalized, Chroma "
                       "cosine, batches of 1000", file_hash(MULTIHOP), str(settings.embedding_model_path()), libs)


def ingest() -> dict:
    """The plain recipe's ingest of the whole corpus. Its store is a function of the corpus, the model and
    the library versions, so it is kept in .bench/baseline and rebuilt only when one of them changes (or
    NEWSDESK_BENCH_FRESH=1): then the figures are those of the run that built it, with its date."""
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.config import Settings

    folder = WORK / "baseline"
    key = recipe_key(Settings(_env_file=None))
    kept = kept_build(folder, key)
    if kept is not None:
        return kept["ingest"] | {"measured_at": kept["built_at"], "kept": True}
    shutil.rmtree(folder, ignore_errors=True)
    with timer() as load_s:
        _, store = baseline_parts(folder)
    with timer() as t:
        rows = json.loads(MULTIHOP.read_text(encoding="utf-8"))
        docs = [Document(page_content=r["body"], metadata={"title": r["title"], "source": r["source"] or "",
                                                            "url": r["url"], "published_at": r["published_at"]})
                for r in rows]
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        for i in range(0, len(chunks), 1000):
            store.add_documents(chunks[i:i + 1000])
    record = {"articles": len(docs), "chunks": len(chunks),
              "mean_chunk_chars": round(sum(len(c.page_content) for c in chunks) / len(chunks)),
              "model_load_s": round(load_s(), 2), "ingest_s": round(t(), 1),
              "articles_per_s": round(len(docs) / t(), 2), "chunks_per_s": round(len(chunks) / t(), 1),
              "peak_rss_mb": peak_rss_mb(), "disk_mb": disk_mb(folder)}
    mark_built(folder, key, {"ingest": record})
    return record | {"measured_at": time.strftime("%Y-%m-%d %H:%M"), "kept": False}


def query_baseline() -> dict:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    from evals.metrics import evidence_retrieval
    from rag.answering.llm import make_llm

    settings, store = baseline_parts(WORK / "baseline")
    llm = make_llm(settings)
    chain = ChatPromptTemplate.from_messages([("human", STUFF_PROMPT)]) | llm | StrOutputParser()

    def search(q: str, k: int = K) -> list:
        return store.similarity_search(q, k=k)

    def ask(q: str) -> tuple[str, float | None]:
        start, first = time.perf_counter(), None
        docs = search(q)
        parts = []
        for token in chain.stream({"context": "\n\n".join(d.page_content for d in docs), "question": q}):
            if first is None and token:
                first = (time.perf_counter() - start) * 1000
            parts.append(token)
        return "".join(parts), first

    scores = [evidence_retrieval([d.page_content for d in search(r["query"], 10)],
                                 [e["fact"] for e in r["evidence_list"]]) for r in dev_set()]
    return {**timings(search, ask), "retrieval_quality": mean_scores(scores), "disk_mb": disk_mb(WORK / "baseline")}


def query_newsdesk() -> dict:
    from evals.metrics import evidence_retrieval
    from rag.config import Settings
    from rag.pipeline import load_pipeline

    pipe = load_pipeline(Settings(data_dir=WORK / "multihop", _env_file=None))
    pipe.local_index()

    def search(q: str, k: int = K) -> list:
        return pipe.retriever().retrieve(q, k).passages

    def ask(q: str) -> tuple[str, float | None]:
        result, first = answer_timed(q, pipe)
        return result.answer, first

    scores = [evidence_retrieval([p.text for p in search(r["query"], 10)],
                                 [e["fact"] for e in r["evidence_list"]]) for r in dev_set()]
    return {**timings(search, ask), "retrieval_quality": mean_scores(scores), "disk_mb": disk_mb(WORK / "multihop")}


def timings(search, ask) -> dict:  # noqa: ANN001
    qs = questions()
    ask(qs[0])  # warm-up
    retrieve = [timed_ms(lambda q=q: search(q))[1] for q in qs]
    first, full = [], []
    for q in qs:
        (_, ttft), ms = timed_ms(lambda q=q: ask(q))
        full.append(ms)
        if ttft is not None:
            first.append(ttft)
    return {"retrieval_ms": summary(retrieve), "first_token_ms": summary(first), "answer_ms": summary(full),
            "rss_mb": rss_mb()}


def mean_scores(scores: list[dict]) -> dict:
    return {k: round(sum(s[k] for s in scores) / len(scores), 3) for k in scores[0]} | {"questions": len(scores)}


def child(step: str) -> dict:
    out = subprocess.run([sys.executable, __file__, step], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    steps = {"--ingest": ingest, "--query-baseline": query_baseline, "--query-newsdesk": query_newsdesk}
    if len(sys.argv) > 1 and sys.argv[1] in steps:
        print(json.dumps(steps[sys.argv[1]]()))
        return
    if not (WORK / "multihop").exists():
        raise SystemExit(f"run benchmarks/bench_ingest.py first (no store in {WORK / 'multihop'})")
    base_ingest = child("--ingest")
    base_query = child("--query-baseline")
    nd_query = child("--query-newsdesk")
    nd_ingest = next(r for r in json.loads((RESULTS / "bench_ingest.json").read_text())["corpora"]
                     if r["corpus"] == "multihop")

    def ratio(a: float, b: float) -> float:
        return round(a / b, 2) if b else float("nan")

    rows = [
        ["ingest articles/s", nd_ingest["articles_per_s"], base_ingest["articles_per_s"],
         ratio(nd_ingest["articles_per_s"], base_ingest["articles_per_s"])],
        ["ingest chunks/s (own chunking)", nd_ingest["chunks_per_s"], base_ingest["chunks_per_s"],
         ratio(nd_ingest["chunks_per_s"], base_ingest["chunks_per_s"])],
        ["chunks / mean chars", f"{nd_ingest['chunks']} / {nd_ingest['mean_chunk_chars']}",
         f"{base_ingest['chunks']} / {base_ingest['mean_chunk_chars']}", ""],
        ["ingest peak RSS MB", nd_ingest["peak_rss_mb"], base_ingest["peak_rss_mb"],
         ratio(nd_ingest["peak_rss_mb"], base_ingest["peak_rss_mb"])],
    ]
    for key, label in (("retrieval_ms", "retrieval"), ("first_token_ms", "first token"), ("answer_ms", "full answer")):
        for p in ("p50", "p95"):
            rows.append([f"{label} {p} ms", nd_query[key][p], base_query[key][p],
                         ratio(nd_query[key][p], base_query[key][p])])
    rows.append(["query RSS MB", nd_query["rss_mb"], base_query["rss_mb"],
                 ratio(nd_query["rss_mb"], base_query["rss_mb"])])
    rows.append(["store on disk MB", nd_query["disk_mb"], base_query["disk_mb"],
                 ratio(nd_query["disk_mb"], base_query["disk_mb"])])
    for key in ("evidence_hits@4", "evidence_hits@10", "evidence_mrr@10"):
        rows.append([f"{key} (dev set)", nd_query["retrieval_quality"][key], base_query["retrieval_quality"][key],
                     ratio(nd_query["retrieval_quality"][key], base_query["retrieval_quality"][key])])
    print(table(["MultiHop-RAG corpus, warm", "newsdesk", "baseline", "newsdesk / baseline"], rows))
    path = write("bench_baseline", {"baseline_ingest": base_ingest, "baseline_query": base_query,
                                    "newsdesk_ingest": nd_ingest, "newsdesk_query": nd_query,
                                    "table": [dict(zip(["metric", "newsdesk", "baseline", "ratio"], r, strict=True))
                                              for r in rows]})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
