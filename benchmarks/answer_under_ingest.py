"""Answer latency idle and while a CLI ingest of BBC business articles runs on the same data dir, with
the ingest giving way to answers (rag.ingest.yielding) and without (NEWSDESK_INGEST_YIELD_MAX_S=0).

    .venv/bin/python benchmarks/answer_under_ingest.py [--questions 10] [--articles 150]

Each loaded phase starts `newsdesk ingest` on its own slice of ../shared/corpora/bbc/business (read
in place), waits until it is embedding, asks the questions, then stops the ingest. Prints p50/p95 of
the whole answer and of its LLM step per phase. On a shared machine the numbers are noisy: run the
phases back to back, as this script does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from evals.metrics import percentile as pct  # the project's one percentile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import write  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "corpora" / "bbc" / "business"  # ../shared, read in place



def ask_all(pipe, questions: list[str], alive=lambda: True) -> dict[str, list[float]]:
    from rag.answering.answer import answer

    total, llm, during = [], [], 0
    for q in questions:
        t = time.perf_counter()
        result = answer(q, pipe)
        total.append((time.perf_counter() - t) * 1000)
        if "llm" in result.timings_ms:
            llm.append(result.timings_ms["llm"])
        during += alive()
    return {"total": total, "llm": llm, "during": [during]}


def start_ingest(data_dir: Path, files: list[Path], yield_max_s: float, warmup_s: float) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {"NEWSDESK_DATA_DIR": str(data_dir), "NEWSDESK_INGEST_YIELD_MAX_S": str(yield_max_s),
            "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "ingest", *map(str, files)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(warmup_s)  # its models load, then it embeds (its report comes only at the end)
    return proc


def report(name: str, got: dict[str, list[float]]) -> dict[str, float | str]:
    during = got["during"][0] if name != "idle" else "-"
    row = {"phase": name, "answer_p50_ms": pct(got["total"], 0.5), "answer_p95_ms": pct(got["total"], 0.95),
           "llm_p50_ms": pct(got["llm"], 0.5), "llm_p95_ms": pct(got["llm"], 0.95),
           "questions": len(got["total"]), "during_ingest": during}
    print(f"{name:<22} {pct(got['total'], 0.5):>10.0f} {pct(got['total'], 0.95):>7.0f} "
          f"{pct(got['llm'], 0.5):>8.0f} {pct(got['llm'], 0.95):>7.0f}  {len(got['total'])} ({during})", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--articles", type=int, default=200, help="articles per loaded phase")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds the ingest gets to start embedding")
    args = parser.parse_args()

    from rag.config import Settings
    from rag.ingest.articles import ingest
    from rag.pipeline import load_pipeline

    rows = [json.loads(x) for x in (ROOT / "evals/datasets/seeds.jsonl").read_text().splitlines() if x.strip()]
    questions = [r["question"] for r in rows[: args.questions]]
    files = sorted(BBC.glob("*.txt"))
    print(f"{'phase (ms)':<22} {'answer p50':>10} {'p95':>7} {'llm p50':>8} {'p95':>7}  "
          "questions (of them during ingest)")
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), _env_file=None)
        pipe = load_pipeline(settings)
        ingest([ROOT / "seeds"], settings, pipe.store, pipe.embedder)
        ask_all(pipe, questions[:1])  # warm-up: the GGUF and the BM25 index
        rows_out.append(report("idle", ask_all(pipe, questions)))
        for n, (name, yield_max_s) in enumerate([("ingest, no yielding", 0.0), ("ingest, yielding", 30.0)]):
            proc = start_ingest(Path(tmp), files[n * args.articles:(n + 1) * args.articles], yield_max_s,
                                args.warmup)
            rows_out.append(report(name, ask_all(pipe, questions, alive=lambda p=proc: p.poll() is None)))
            proc.kill()
            proc.wait()
    out = write("answer_under_ingest", {"cpus": os.cpu_count(), "articles_per_phase": args.articles,
                                        "phases": rows_out})
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
