"""`newsdesk eval`: ingest a corpus into a fresh store (or reuse one), ask every question, score it,
write metrics.json, per_question.jsonl, report.md and plots to --out, print a one-screen summary."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from evals.datasets import Question, load_jsonl, load_multihop
from evals.metrics import contains, evidence_retrieval, gold_polarity, retrieval, said_polarity, token_f1, with_types
from evals.report import summary_lines, write_outputs
from rag.machine import describe

if TYPE_CHECKING:
    from rag.answering.result import Answer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASET = ROOT / "evals" / "datasets" / "seeds.jsonl"
RETRIEVAL_DEPTH = 10


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dataset", type=Path, action="append", help="dataset file (repeatable; default seeds.jsonl)")
    p.add_argument("--format", choices=["newsdesk", "multihop"], default="newsdesk", help="dataset format")
    p.add_argument("--corpus", type=Path, action="append",
                   help="articles to ingest into a fresh store (default: seeds/ for newsdesk datasets)")
    p.add_argument("--store", type=Path,
                   help="keep the store in this data dir: reused as it is, filled with the corpus when empty")
    p.add_argument("--k", type=int, default=None, help="passages answered from (default: NEWSDESK_K)")
    p.add_argument("--limit", type=int, default=None, help="only the first N questions")
    p.add_argument("--split", choices=["tune", "check"],
                   help="only one fixed half of the dataset (evals.datasets.split_of); default: both, reported apart")
    p.add_argument("--provider", choices=["llamacpp", "ollama", "openai"], help="LLM provider")
    p.add_argument("--model", help="GGUF path or model name")
    p.add_argument("--retrieval", choices=["hybrid", "dense", "bm25"], help="retrievers (default: hybrid)")
    p.add_argument("--no-constraints", action="store_true", help="ignore publishers and dates named in questions")
    p.add_argument("--no-rerank", action="store_true", help="keep the fused order (no second-stage reranker)")
    p.add_argument("--out", type=Path, default=Path("evals/results/latest"), help="where reports go")
    p.add_argument("--readme", type=Path, help="rewrite the metrics table between the eval markers in this file")


def citation_keys(c: dict[str, Any]) -> set[str]:
    return {v for v in (c.get("file"), c.get("article_id"), c.get("url"), c.get("title")) if v}


def score_question(q: Question, passages: list[dict[str, Any]], result: Answer, cited: list[dict[str, Any]],
                   retrieve_ms: float, multihop: bool) -> dict[str, Any]:
    """One question's record; `cited` holds the answer's citations as dicts, each with its article's url."""
    gold_names = set().union(*q.gold) if q.gold else set()
    abstained = result.abstained
    polarity = gold_polarity(q.answers) if q.answerable else ""
    if polarity:  # a yes/no question is answered by the answer's opening word, not a "yes" inside a quote
        correct = not abstained and said_polarity(result.answer) == polarity
    else:
        correct = abstained if not q.answerable else (not abstained and contains(result.answer, q.answers))
    citation_ok = []
    cited_gold = set()
    for c in cited:
        keys = citation_keys(c)
        in_gold = bool(keys & gold_names)
        # A yes/no answer's citations are the evidence of its claims: "Yes" is in none of them.
        citation_ok.append(in_gold if multihop or polarity else in_gold and contains(c["quote"], q.answers))
        cited_gold |= {i for i, names in enumerate(q.gold) if names & keys}
    record: dict[str, Any] = {
        "id": q.id, "type": q.type, "split": q.split, "polarity": polarity, "gold_n": len(q.gold),
        "question": q.question, "answerable": q.answerable, "gold": q.answers,
        "answer": result.answer, "abstained": abstained, "mode": result.mode,
        "reason": result.reason, "correct": correct,
        "f1": token_f1(result.answer, q.answers) if q.answerable and not abstained else 0.0,
        "citations": [{"n": c["n"], "file": c["file"], "title": c["title"], "quote": c["quote"]} for c in cited],
        "citation_ok": citation_ok,
        "citation_recall": len(cited_gold) / len(q.gold) if q.gold else 0.0,
        "retrieved": [p.get("file") or p.get("title") for p in passages],
        "retrieve_ms": retrieve_ms, "total_ms": result.timings_ms.get("total", 0.0),
    }
    record.update(retrieval(passages, q.gold))
    if q.answerable and any(q.facts):
        record.update(evidence_retrieval([p.get("text", "") for p in passages], q.facts))
    return record


def evaluate(questions: list[Question], pipe: Any, k: int | None = None, multihop: bool = False) -> list[dict]:
    from rag.answering.answer import answer

    records = []
    for q in tqdm(questions, unit="q", desc="eval", file=sys.stderr, disable=None):
        t = time.perf_counter()
        passages = pipe.retriever().retrieve(q.question, RETRIEVAL_DEPTH).passages
        retrieve_ms = round((time.perf_counter() - t) * 1000, 1)
        rows = [{"file": p.file, "url": p.url, "title": p.title, "article_id": p.article_id, "text": p.text}
                for p in passages]
        result = answer(q.question, pipe, k=k)
        # A bulk record's id is no longer its url: gold names it by url.
        cited = [asdict(c) | {"url": getattr(pipe.store.get_article(c.article_id), "url", "")}
                 for c in result.citations]
        records.append(score_question(q, rows, result, cited, retrieve_ms, multihop))
    return records


def load_questions(args: argparse.Namespace) -> list[Question]:
    paths = args.dataset or [DEFAULT_DATASET]
    questions: list[Question] = []
    for path in paths:
        questions += load_multihop(path) if args.format == "multihop" else load_jsonl(path)
    if args.split:
        questions = [q for q in questions if q.split == args.split]
    return questions[: args.limit] if args.limit else questions


def default_corpus(args: argparse.Namespace) -> list[Path]:
    """--corpus, else for MultiHop-RAG questions the benchmark's corpus.json beside the dataset, else seeds/."""
    if args.corpus:
        return args.corpus
    if args.format == "multihop":
        beside = [d.parent / "corpus.json" for d in args.dataset or [] if (d.parent / "corpus.json").is_file()]
        if beside:
            return beside[:1]
    return [ROOT / "seeds"]


def run(args: argparse.Namespace, settings: Any) -> int:
    from rag.ingest.articles import ingest
    from rag.pipeline import load_pipeline

    questions = load_questions(args)
    with tempfile.TemporaryDirectory(prefix="newsdesk-eval-") as tmp:
        data_dir = args.store or Path(tmp)
        update: dict[str, Any] = {"data_dir": data_dir, "question_constraints": not args.no_constraints,
                                  "rerank": not args.no_rerank}
        if args.retrieval:
            update["retrieval"] = args.retrieval
        pipe = load_pipeline(settings.model_copy(update=update))
        # A kept store (--store) is filled when empty or when --corpus is given; ingest is idempotent, so
        # re-running over a store that already holds the corpus only checks it (seconds, not minutes).
        if not args.store or args.corpus or pipe.store.counts()["articles"] == 0:
            corpus = default_corpus(args)
            t = time.perf_counter()
            outcomes = ingest(corpus, pipe.settings, pipe.store, pipe.embedder)
            bad = [o for o in outcomes if o.status == "rejected"]
            print(f"ingested {len(outcomes) - len(bad)} articles ({len(bad)} rejected) in "
                  f"{time.perf_counter() - t:.1f} s", file=sys.stderr)
        records = evaluate(questions, pipe, args.k, multihop=args.format == "multihop")
    metrics = with_types(records)
    metrics["config"] = {
        "datasets": [str(p) for p in (args.dataset or [DEFAULT_DATASET])], "format": args.format,
        "corpus": str(args.store) if args.store else ", ".join(p.name for p in default_corpus(args)),
        "split": args.split or "both",
        "k": args.k or settings.k, "provider": settings.provider, "model": settings.llm_model or "default",
        "retrieval": args.retrieval or settings.retrieval, "question_constraints": not args.no_constraints,
        "rerank": not args.no_rerank and (args.retrieval or settings.retrieval) == "hybrid",
        "machine": describe(),
    }
    write_outputs(args.out, metrics, records)
    if args.readme:
        from evals.report import update_readme

        update_readme(args.readme, metrics)
    print("\n".join(summary_lines(metrics, args.out)))
    return 0
