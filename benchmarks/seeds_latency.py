"""Ingest time for the seeds and warm `ask` latency over evals/datasets/seeds.jsonl, with how each
answer was produced (LLM text that passed the check, quoting fallback, abstention).

    .venv/bin/python benchmarks/seeds_latency.py      # prints a table, writes benchmarks/results/seeds_latency.json
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from evals.metrics import percentile as pct  # the project's one percentile

ROOT = Path(__file__).resolve().parents[1]



def main() -> None:
    t0 = time.perf_counter()
    from evals.metrics import contains
    from rag.answering.answer import answer
    from rag.config import Settings
    from rag.ingest.articles import ingest
    from rag.pipeline import load_pipeline

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        pipe = load_pipeline(settings)
        load_s = time.perf_counter() - t0
        t = time.perf_counter()
        outcomes = ingest([ROOT / "seeds"], settings, pipe.store, pipe.embedder)
        ingest_s = time.perf_counter() - t
        rows = [json.loads(x) for x in (ROOT / "evals/datasets/seeds.jsonl").read_text().splitlines() if x.strip()]
        answer(rows[0]["question"], pipe)  # warm-up: loads the GGUF and the BM25 index
        totals, retrieve, llm, modes, correct = [], [], [], {}, {}
        for row in rows:
            r = answer(row["question"], pipe)
            totals.append(r.timings_ms["total"])
            retrieve.append(r.timings_ms["retrieve"])
            if "llm" in r.timings_ms:
                llm.append(r.timings_ms["llm"])
            ok = r.abstained if not row["answerable"] else (not r.abstained and contains(r.answer, row["answers"]))
            modes[r.mode] = modes.get(r.mode, 0) + 1
            key = f"{r.mode}_{'correct' if ok else 'wrong'}"
            correct[key] = correct.get(key, 0) + 1
    result = {
        "data": "seeds/ (2 articles), evals/datasets/seeds.jsonl",
        "questions": len(rows),
        "model_load_s": round(load_s, 2),
        "ingest_seeds_s": round(ingest_s, 3),
        "chunks": sum(o.chunks for o in outcomes),
        "ask_ms_p50": pct(totals, 0.5), "ask_ms_p95": pct(totals, 0.95),
        "ask_ms_mean": round(statistics.mean(totals), 1),
        "retrieve_ms_p50": pct(retrieve, 0.5), "llm_ms_p50": pct(llm, 0.5) if llm else None,
        "modes": modes, "outcomes": correct,
    }
    out = ROOT / "benchmarks" / "results" / "seeds_latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    width = max(len(k) for k in result)
    for k, v in result.items():
        print(f"{k:<{width}}  {v}")


if __name__ == "__main__":
    main()
