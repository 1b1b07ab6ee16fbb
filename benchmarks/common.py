"""Shared by the benchmarks: the corpora, the fixed question list, percentiles, memory and disk."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evals.metrics import percentile
from rag.machine import describe as machine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SHARED = Path(os.environ.get("NEWSDESK_SHARED", ROOT.parent / "shared"))
MULTIHOP = SHARED / "corpora" / "multihop_rag" / "corpus.json"
BBC = SHARED / "corpora" / "bbc"
# Scratch space for the stores the benchmarks build (never committed; reused by the query benchmark).
WORK = Path(os.environ.get("NEWSDESK_BENCH_DIR", ROOT / ".bench"))
# Stores that are pure functions of their inputs (the plain recipe's MultiHop store, the copied 1k/10k/100k
# stores, bench_ingest's corpus stores) are kept between runs and rebuilt only when an input changes;
# NEWSDESK_BENCH_FRESH=1 rebuilds them.
FRESH = os.environ.get("NEWSDESK_BENCH_FRESH", "").lower() in {"1", "true", "yes"}
BUILT = "bench_built.json"


def fingerprint(*parts: Any) -> str:
    """A short hash of JSON-able inputs: what a kept store was built from."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def tree_hash(path: Path) -> str:
    """A corpus's content: each file's path (relative) and bytes, or a single file's bytes."""
    if path.is_file():
        return file_hash(path)
    digest = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(path)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def loaded_code() -> list[str]:
    """The files of every newsdesk module this process has imported (relative to the repo): what a
    store it built is a function of, besides its inputs and the libraries."""
    files = {Path(m.__file__).resolve() for name, m in list(sys.modules.items())
             if (name == "rag" or name.startswith("rag.")) and getattr(m, "__file__", None)}
    return sorted(str(f.relative_to(ROOT)) for f in files if ROOT in f.parents)


def code_hash(files: list[str]) -> str:
    return fingerprint([(f, file_hash(ROOT / f) if (ROOT / f).exists() else None) for f in files])


def kept_build(folder: Path, key: str) -> dict[str, Any] | None:
    """The record of a store kept in `folder` that was built from inputs with fingerprint `key`, or None
    (none kept, built from other inputs, or a fresh run asked for)."""
    try:
        record = json.loads((folder / BUILT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return None if FRESH or record.get("key") != key else record


def mark_built(folder: Path, key: str, record: dict[str, Any]) -> None:
    """Written last, after the store is complete: a build cut short leaves no record and is redone."""
    record = {"key": key, "built_at": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), **record}
    (folder / BUILT).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def questions(n: int = 30) -> list[str]:
    """A fixed list: the first n answerable questions of the MultiHop-style development set."""
    rows = json.loads((ROOT / "evals" / "datasets" / "multihop_dev.json").read_text(encoding="utf-8"))
    return [r["query"] for r in rows if r["question_type"] != "null_query"][:n]


def pct(values: list[float], q: float) -> float:
    """The one percentile of the project (evals.metrics.percentile), NaN for no values in a table."""
    got = percentile(values, q)
    return float("nan") if got is None else got


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": pct(values, 0.5), "p95": pct(values, 0.95), "p99": pct(values, 0.99),
            "mean": round(statistics.fmean(values), 1) if values else float("nan"), "n": len(values)}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def disk_mb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6, 1)


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """`with timer() as t: ...; t()` gives the seconds spent inside the block."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def timed_ms(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def write(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"measured_at": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), **data}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return path


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def answer_timed(question: str, pipe: Any) -> tuple[Any, float | None]:
    """The Answer (rag.answering.answer_stream run to its end) and the ms from the call to the first
    draft token; None when the answer needed no LLM (abstained, consensus, verdict)."""
    from rag.answering.answer import answer_stream

    start, first, result = time.perf_counter(), None, None
    for part in answer_stream(question, pipe):
        if not isinstance(part, str):
            result = part
        elif first is None:
            first = (time.perf_counter() - start) * 1000
    return result, first
