"""Warm `ask` latency on the MultiHop-RAG corpus, per answer shape, and where the time goes.

    .venv/bin/python benchmarks/multihop_ask.py     # table on stdout, benchmarks/results/multihop_ask.json

Uses the store that benchmarks/bench_ingest.py leaves in .bench/multihop (ingests the corpus there
first if it is empty) and the first PER_TYPE questions of each type of the dev file, read in place.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import MULTIHOP, WORK, table, write  # noqa: E402
from evals.metrics import percentile  # noqa: E402

PER_TYPE = 25
STAGES = ("retrieve", "evidence", "llm", "verify")


def main() -> None:
    from rag.answering.answer import answer
    from rag.config import Settings
    from rag.ingest.articles import ingest
    from rag.pipeline import load_pipeline

    pipe = load_pipeline(Settings(data_dir=WORK / "multihop", _env_file=None))
    if pipe.store.counts()["articles"] == 0:
        ingest([MULTIHOP], pipe.settings, pipe.store, pipe.embedder)
    questions, counts = [], {}
    for q in json.loads((MULTIHOP.parent / "queries_dev.json").read_text()):
        if counts.get(q["question_type"], 0) < PER_TYPE:
            counts[q["question_type"]] = counts.get(q["question_type"], 0) + 1
            questions.append(q["query"])
    answer(questions[0], pipe)  # warm-up: loads the GGUF and the BM25 index
    runs = [answer(q, pipe) for q in questions]
    rows = []
    for shape in sorted({r.shape for r in runs}) + ["all"]:
        subset = [r for r in runs if shape in ("all", r.shape)]
        totals = [r.timings_ms["total"] for r in subset]
        row = {"shape": shape, "n": len(subset), "p50_ms": percentile(totals, 0.5),
               "p95_ms": percentile(totals, 0.95)}
        for stage in STAGES:
            values = [r.timings_ms[stage] for r in subset if stage in r.timings_ms]
            row[f"{stage}_p50_ms"] = percentile(values, 0.5)
        rows.append(row)
    print(table(list(rows[0]), [list(r.values()) for r in rows]))
    write("multihop_ask", {"data": f"{MULTIHOP} ({len(questions)} dev questions, {PER_TYPE} per type)",
                           "rows": rows})


if __name__ == "__main__":
    main()
