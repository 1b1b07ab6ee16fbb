"""Warm time to the first answer token, and where it goes, with the LLM's prefix cache on and off.

    .venv/bin/python benchmarks/bench_ttft.py [--store DIR] [--questions N]

Each question is answered twice in a row, first with the cache, then without (which empties the
context): so each cached run follows another question's prompt and shares only the fixed head with it,
as in use, and both runs of a question meet about the same load from other processes. The first
token's time is split into retrieval, evidence selection, the checks before the LLM, and the LLM's
own part: prompt evaluation (llama.cpp's counters: the tokens it actually evaluated) and the rest
(template, tokenizing, first decode). The two runs' drafts must be identical (temperature 0): the
cache may only change how fast, never what.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ROOT, WORK, answer_timed, questions, summary, table, write  # noqa: E402


def one(pipe, question: str, cached: bool) -> dict | None:  # noqa: ANN001
    llm = pipe.llm()
    llm.prefix_cache = cached
    result, ttft = answer_timed(question, pipe)
    if ttft is None:
        return None  # answered without the LLM (abstained, consensus, verdict)
    t, stats = result.timings_ms, llm.last_stats
    llm_ms = stats["to_first_token_ms"]
    return {"ttft": ttft, "retrieve": t["retrieve"], "evidence": t["evidence"],
            "checks": ttft - t["retrieve"] - t["evidence"] - llm_ms, "llm": llm_ms,
            "prompt_eval": stats["prompt_eval_ms"], "first_decode_etc": llm_ms - stats["prompt_eval_ms"],
            "evaluated": stats["evaluated"], "draft": result.draft}


def question_sets(args: argparse.Namespace) -> list[tuple[str, Path, list[str]]]:
    """(name, store, questions). By default two: MultiHop-RAG dev questions, which mostly end in a verdict or
    a consensus without the LLM, and the reader-style BBC questions, which reach it more often, so that
    p95 rests on more than a handful of drafts."""
    from evals.datasets import load_jsonl

    if args.dataset is not None:
        return [(args.dataset.stem, args.store, [q.question for q in load_jsonl(args.dataset)][:args.questions])]
    reader = [q.question for q in load_jsonl(ROOT / "evals" / "datasets" / "bbc_reader.jsonl")]
    return [("MultiHop-RAG dev", args.store, questions(args.questions)), ("BBC reader", WORK / "bbc", reader)]


def main() -> None:
    from rag.config import Settings
    from rag.pipeline import load_pipeline

    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=WORK / "multihop")
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--dataset", type=Path, help="a newsdesk .jsonl dataset over --store (default: the MultiHop "
                        "dev questions over --store and the BBC reader questions over .bench/bbc)")
    args = parser.parse_args()
    runs: dict[bool, list[dict]] = {True: [], False: []}
    same = differ = 0
    differing, sets = [], []
    for name, store, qs in question_sets(args):
        pipe = load_pipeline(Settings(data_dir=store, _env_file=None))
        # Warm-up until one question has reached the LLM: models loaded, local index read, and the LLM path's
        # own first-use costs paid (the answer chain is built and its modules imported on the first draft,
        # ~165 ms once per process), which would otherwise land in the first measured question.
        for q in qs:
            if one(pipe, q, True) is not None:
                break
        reached, first = 0, []
        for q in qs:
            got = {cached: one(pipe, q, cached) for cached in (True, False)}
            if got[True] is None or got[False] is None:
                continue
            reached += 1
            first.append(got[True]["ttft"])
            for cached in (True, False):
                runs[cached].append(got[cached])
            same += got[True]["draft"] == got[False]["draft"]
            differ += got[True]["draft"] != got[False]["draft"]
            if got[True]["draft"] != got[False]["draft"]:
                differing.append({"question": q, "cached": got[True]["draft"], "uncached": got[False]["draft"]})
        sets.append({"name": name, "store_chunks": pipe.store.counts()["chunks"], "questions": len(qs),
                     "llm_questions": reached, "ttft_cached": summary(first) if first else None})
    parts = ("ttft", "retrieve", "evidence", "checks", "llm", "prompt_eval", "first_decode_etc", "evaluated")
    stats = {("cached" if c else "uncached"): {p: summary([r[p] for r in rs]) for p in parts} for c, rs in runs.items()}
    print(table(["prefix cache", *[f"{p} p50/p95" for p in parts]],
                [[name, *["{p50} / {p95}".format(**s[p]) for p in parts]] for name, s in stats.items()]))
    per_set = ", ".join(f"{x['name']}: {x['llm_questions']} of {x['questions']}" for x in sets)
    print(f"\n{same + differ} questions reached the LLM ({per_set}); drafts identical with and without the cache: "
          f"{same}, different: {differ}. load average at the end: {os.getloadavg()[0]:.2f}")
    path = write("bench_ttft", {"sets": sets, "questions": sum(x["questions"] for x in sets),
                                "llm_questions": same + differ, "identical_drafts": same,
                                "different_drafts": differ, "differing": differing,
                                "loadavg_end": round(os.getloadavg()[0], 2), **stats})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
