"""The speed tables, made from benchmarks/results/*.json and nothing else: benchmarks/results/summary.md
and the README's speed section (between its bench markers) are both this text, so no figure there is
ever typed by hand.

    .venv/bin/python benchmarks/report.py [--readme README.md]   # after any benchmark; make bench runs it

A benchmark not run yet is left out (its table says so); each table names when and on what machine its
numbers were measured, since benchmarks are run one at a time and a machine can change between runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, table  # noqa: E402

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
Section = Callable[[dict[str, Any]], list[str]]


def _when(d: dict[str, Any], how: str) -> str:
    return f"_`{how}`, {d.get('measured_at', '?')}, {d.get('machine', '?')}._\n"


def _p(s: dict[str, Any], *keys: str) -> str:
    return " / ".join(str(s[k]) for k in keys)


def vs_plain(d: dict[str, Any]) -> list[str]:
    nd = [r for r in d["runs"] if r["system"] == "newsdesk"]
    plain = [r for r in d["runs"] if r["system"] == "plain"]
    mean = lambda rs, k: round(sum(r[k] for r in rs) / len(rs), 2)  # noqa: E731
    loads = lambda rs: " / ".join(r["load_avg_before"].split()[0] for r in rs)  # noqa: E731
    rows = [["ingest s (mean of runs)", mean(nd, "ingest_s"), mean(plain, "ingest_s"), d["ratio_mean"]],
            ["model and store load s", mean(nd, "load_s"), mean(plain, "load_s"),
             round(mean(plain, "load_s") / mean(nd, "load_s"), 2)],
            ["peak RSS MB", mean(nd, "peak_rss_mb"), mean(plain, "peak_rss_mb"), ""],
            ["articles / chunks", f"{nd[0]['articles']} / {nd[0]['chunks']}",
             f"{plain[0]['articles']} / {plain[0]['chunks']}", ""],
            ["1-min load average before each run", loads(nd), loads(plain), ""]]
    stages = d["newsdesk_stages"]
    total = sum(stages.values())
    return [f"**Ingest against the plain recipe** ({d['sample']}; both in one run, alternating, each in a "
            "fresh process and store):\n", _when(d, "benchmarks/bench_vs_plain.py"),
            table(["", "newsdesk", "plain recipe", "plain / newsdesk"], rows),
            "\nnewsdesk's ingest by stage (seconds, its last run; parsing and chunking run in a reader thread "
            "beside the rest):\n",
            table(["stage", "s", "share"], [[k, v, f"{100 * v / total:.0f}%"] for k, v in stages.items()])]


def embed_limit(d: dict[str, Any]) -> list[str]:
    rows = [[b, " / ".join(str(v) for v in runs),
             f"{100 * d['int8_macs_per_chunk'] * max(runs) / max(d['gemm_macs_per_s']):.0f}%"]
            for b, runs in d["chunks_per_s"].items()]
    return ["**The embedding stage against this CPU's int8 limit:**\n", _when(d, "benchmarks/bench_embed_limit.py"),
            f"- a chunk of {d['mean_tokens']:.0f} tokens (the mean of {d['chunks']} BBC chunks; "
            f"{d['truncated']} cut at 256) costs {d['int8_macs_per_chunk'] / 1e9:.2f} G int8 MACs, plus "
            f"{d['fp32_attention_macs_per_chunk'] / 1e9:.2f} G fp32 in attention;",
            f"- int8 GEMM ceiling {max(d['gemm_macs_per_s']) / 1e9:.0f} G MAC/s (onnxruntime MatMulInteger, "
            "2 threads, best run);",
            "- ingest's session (one chunk per run, threads spinning between runs) runs at "
            f"**{100 * d['share_of_limit']:.0f}% of that limit**; the query session (threads idle between runs) "
            "at the batch sizes below.\n",
            table(["batch", "chunks/s (runs)", "% of the int8 limit"], rows)]


def ingest(d: dict[str, Any]) -> list[str]:
    return ["**Ingest of whole corpora** (parse, clean, chunk, embed, store, local index):\n",
            _when(d, "benchmarks/bench_ingest.py"),
            table(["corpus", "articles", "chunks", "chars/chunk", "s", "articles/s", "chunks/s", "peak RSS MB",
                   "measured"],
                  [[r["corpus"], r["articles"], r["chunks"], r["mean_chunk_chars"], r["ingest_s"],
                    r["articles_per_s"], r["chunks_per_s"], r["peak_rss_mb"], _measured(r, d)] for r in d["corpora"]]),
            "\n(\"kept\": the store was ingested by an earlier run from the same corpus bytes, newsdesk code, "
            "libraries and settings, and kept with the figures measured then; `NEWSDESK_BENCH_FRESH=1` re-measures.)",
            "\nEmbedding stage alone, same MultiHop-RAG chunks:\n",
            table(["backend", "chunks", "chars", "chunks/s", "peak RSS MB"],
                  [[e["backend"], e["chunks"], e["mean_chars"], e["chunks_per_s"], e.get("peak_rss_mb", "")]
                   for e in d["embedding_stage"]]),
            f"\nint8 ONNX / fp32 PyTorch: {d['int8_speedup']}x"]


def _measured(r: dict[str, Any], d: dict[str, Any]) -> str:
    if r.get("kept"):
        return f"kept, {r['measured_at']}"
    return "this run" if "kept" in r else d.get("measured_at", "?")


def ttft(d: dict[str, Any]) -> list[str]:
    parts = [("first token", "ttft"), ("retrieval", "retrieve"), ("evidence selection", "evidence"),
             ("checks before the LLM", "checks"), ("prompt evaluation", "prompt_eval"),
             ("first decode and the rest", "first_decode_etc"), ("prompt tokens evaluated", "evaluated")]
    rows = [[name, _p(d["cached"][k], "p50", "p95"), _p(d["uncached"][k], "p50", "p95")] for name, k in parts]
    where = "; ".join(f"{x['name']} questions: {x['llm_questions']} of {x['questions']} reached the LLM, store of "
                      f"{x['store_chunks']:,} chunks" + (", first token p50 / p95 {p50} / {p95} ms".format(
                          **x["ttft_cached"]) if x.get("ttft_cached") else "") for x in d["sets"])
    return [f"**Time to the first token**, warm, default model ({where}). Each question is answered with "
            "the LLM's prefix reuse and without it, alternating; drafts identical in "
            f"{d['identical_drafts']} of {d['llm_questions']}:\n", _when(d, "benchmarks/bench_ttft.py"),
            table(["part (ms, tokens)", "prefix reused p50 / p95", "prompt read in full p50 / p95"], rows)]


def query(d: dict[str, Any]) -> list[str]:
    rows = [[f"{r['chunks']:,}", _p(r["retrieval_ms"], "p50", "p95", "p99"), _p(r["first_token_ms"], "p50", "p95"),
             _p(r["answer_ms"], "p50", "p95"), round(r.get("bm25_build_ms", 0) / 1000, 1), r["disk_mb"], r["rss_mb"]]
            for r in d["sizes"]]
    return [f"**Queries by store size** (warm, {d['questions']} fixed MultiHop-style questions; the larger "
            "stores are the ingested corpora added again under distinct ids):\n", _when(d, "benchmarks/bench_query.py"),
            table(["chunks", "question path p50 / p95 / p99 ms", "first token p50 / p95 ms", "answer p50 / p95 ms",
                   "local index full build s", "disk MB", "RSS MB"], rows),
            f"\nCold `newsdesk ask` (a new process, 10k-chunk store), three runs: {d['cold_ask_s']} s",
            _kept_sizes(d["sizes"])]


def _kept_sizes(sizes: list[dict[str, Any]]) -> str:
    kept = [f"{r['chunks']:,}" for r in sizes if r.get("kept")]
    if not kept:
        return ""
    return (f"\nThe stores of {', '.join(kept)} chunks were kept from an earlier run, copied from source stores with "
            "the same ids, texts and metadata; their local index was built anew and timed in this run.")


def baseline(d: dict[str, Any]) -> list[str]:
    return ["**newsdesk against the plain recipe on the MultiHop-RAG corpus** (same models; quality on the 68 "
            "answerable development questions):\n", _when(d, "benchmarks/bench_baseline.py"),
            table(["MultiHop-RAG corpus, warm", "newsdesk", "plain recipe", "newsdesk / plain"],
                  [[r["metric"], r["newsdesk"], r["baseline"], r["ratio"]] for r in d["table"]]),
            _kept_note(d["baseline_ingest"])]


def _kept_note(ingest: dict[str, Any]) -> str:
    """The plain recipe's MultiHop store is rebuilt only when its inputs change: say when its ingest
    figures were measured, since that may be an earlier run than the rest of the table."""
    if not ingest.get("kept"):
        return "\nThe plain recipe's ingest figures are from this run."
    return (f"\nThe plain recipe's MultiHop store was kept from an earlier run (same corpus, model and library "
            f"versions), so its ingest figures are those measured when it was built, {ingest['measured_at']}; "
            "`NEWSDESK_BENCH_FRESH=1` rebuilds and re-measures it.")


def under_ingest(d: dict[str, Any]) -> list[str]:
    rows = [[r["phase"], r["answer_p50_ms"], r["answer_p95_ms"], f"{r['llm_p50_ms']} / {r['llm_p95_ms']}"]
            for r in d["phases"]]
    return [f"**Answers while an ingest runs** ({d['phases'][0]['questions']} seed questions per phase, warm; "
            f"each loaded phase with a CLI ingest of {d['articles_per_phase']} BBC articles on the same data dir "
            "and cores):\n", _when(d, "benchmarks/answer_under_ingest.py"),
            table(["phase", "answer p50 ms", "answer p95 ms", "LLM step p50 / p95 ms"], rows)]


def _runs(runs: list[dict[str, Any]], key: str) -> str:
    return " / ".join(str(r[key]) for r in runs)


def feeds(d: dict[str, Any]) -> list[str]:
    rows = []
    for label, key in [("first poll", "first"), ("second poll, feed unchanged", "second"),
                       ("after one story changed", "after_one_change")]:
        runs = [r[key] for r in d["runs"]]
        last = runs[-1]
        statuses = ", ".join(f"{n} {k}" for k, n in last["statuses"].items())
        rows.append([label, _runs(runs, "seconds"), _runs(runs, "fetch_seconds"), last["requests"],
                     last["conditional_requests"], last["not_modified_304"], statuses])
    rejected = "; ".join(f"`{r['source']}`: {r['reason']}" for r in d["runs"][-1]["first"]["rejected"])
    return [f"**Following a feed** ({d['feed']}, from a local server on 127.0.0.1; fetch delay "
            f"{d['fetch_delay_s']} s; {len(d['runs'])} fresh stores):\n", _when(d, "benchmarks/bench_feeds.py"),
            table(["poll", "s (runs)", "of which fetching s", "requests", "conditional", "answered 304", "result"],
                  rows), f"\nRejected on the first poll, one line each: {rejected}."]


def multihop_ask(d: dict[str, Any]) -> list[str]:
    rows = [[r["shape"], r["n"], r["p50_ms"], r["p95_ms"], _ms(r["retrieve_p50_ms"]), _ms(r["evidence_p50_ms"]),
             _ms(r["llm_p50_ms"]), _ms(r["verify_p50_ms"])] for r in d["rows"]]
    return [f"**Whole answers on the MultiHop-RAG corpus**, warm, default models ({d['data']}; a yes/no "
            "answer's claim searches and judgements are all in its retrieval column; – where no question of the "
            "shape reached that step):\n", _when(d, "benchmarks/multihop_ask.py"),
            table(["shape", "n", "answer p50 ms", "answer p95 ms", "retrieval p50", "evidence p50", "LLM p50",
                   "check p50"], rows)]


def _ms(value: float | None) -> str:
    return "–" if value is None else str(value)


def bench_time(d: dict[str, Any]) -> list[str]:
    rows = [[f"`{r['benchmark']}`", r["minutes"]] for r in d["steps"]]
    return [f"**Where `make bench` spends its time** ({d['total_minutes']} min in all; stores that are functions of "
            "their inputs are kept in .bench/ between runs, see the notes above):\n",
            _when(d, "benchmarks/run_all.py"), table(["benchmark", "minutes"], rows)]


SECTIONS: list[tuple[str, Section]] = [("bench_vs_plain", vs_plain), ("bench_embed_limit", embed_limit),
                                       ("bench_ingest", ingest), ("bench_ttft", ttft), ("bench_query", query),
                                       ("bench_baseline", baseline), ("multihop_ask", multihop_ask),
                                       ("answer_under_ingest", under_ingest),
                                       ("bench_feeds", feeds), ("run_all", bench_time)]


def tables(results: Path = RESULTS) -> str:
    out = []
    for name, section in SECTIONS:
        path = results / f"{name}.json"
        if path.exists():
            out.append("\n".join(section(json.loads(path.read_text(encoding="utf-8")))))
        else:
            out.append(f"_`benchmarks/{name}.py` has not been run yet._")
    return "\n\n".join(out)


def update_readme(path: Path, results: Path = RESULTS) -> None:
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{path} has no {START} ... {END} block")
    head, rest = text.split(START, 1)
    path.write_text(f"{head}{START}\n{tables(results)}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readme", type=Path, help="also regenerate this README's speed section")
    args = parser.parse_args()
    (RESULTS / "summary.md").write_text("# Benchmarks\n\n_Generated by `benchmarks/report.py` from "
                                        f"benchmarks/results/*.json._\n\n{tables()}\n", encoding="utf-8")
    if args.readme:
        update_readme(args.readme)


if __name__ == "__main__":
    main()
