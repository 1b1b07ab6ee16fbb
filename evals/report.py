"""Eval outputs: metrics.json, per_question.jsonl, report.md, metrics.png, latency.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAIN = ["hits@1", "hits@3", "hits@5", "hits@10", "mrr@10", "answer_accuracy", "answer_f1", "citation_precision",
        "citation_recall", "abstention_precision", "abstention_recall", "yesno_balanced_accuracy", "all_gold_cited"]
EVIDENCE = ["evidence_hits@4", "evidence_hits@10", "evidence_mrr@10"]  # only for datasets that quote evidence
README_START = "<!-- eval:start -->"
README_END = "<!-- eval:end -->"
# The MultiHop-RAG dev split has its own block: one row per part (tune / check) and question type.
DEV_START = "<!-- eval:dev:start -->"
DEV_END = "<!-- eval:dev:end -->"


def fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "–"
    if key.startswith("latency") or key.endswith("_ms"):
        return f"{value:.0f} ms"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def metrics_table(metrics: dict[str, Any]) -> str:
    keys = MAIN + [k for k in EVIDENCE if k in metrics] + ["latency_ms_p50", "latency_ms_p95", "n"]
    rows = ["| metric | value |", "| --- | --- |"] + [f"| {k} | {fmt(metrics.get(k), k)} |" for k in keys]
    rows.append(f"| answered by LLM text / by quote | {metrics['n_llm']} (accuracy "
                f"{fmt(metrics['answer_accuracy_llm'])}) / {metrics['n_quote']} (accuracy "
                f"{fmt(metrics['answer_accuracy_quote'])}) |")
    return "\n".join(rows)


def type_table(metrics: dict[str, Any]) -> str:
    by_type = metrics.get("by_type") or {}
    if not by_type:
        return ""
    keys = ["n", "hits@4", "hits@10", "mrr@10", "answer_accuracy", "yesno_balanced_accuracy", "all_gold_cited",
            "citation_precision", "abstention_recall"]
    keys[4:4] = [k for k in EVIDENCE if k in metrics]
    rows = ["| type | " + " | ".join(keys) + " |", "|" + " --- |" * (len(keys) + 1)]
    rows += [f"| {t} | " + " | ".join(fmt(m.get(k)) for k in keys) + " |" for t, m in by_type.items()]
    return "\n".join(rows)


def question_table(records: list[dict[str, Any]]) -> str:
    rows = ["| id | type | verdict | mode | answer | cited |", "| --- | --- | --- | --- | --- | --- |"]
    for r in records:
        verdict = "✓" if r["correct"] else "✗"
        answer = " ".join(r["answer"].split()).replace("|", "\\|")
        answer = answer if len(answer) <= 140 else answer[:137] + "…"
        cited = ", ".join(f"[{c['n']}] {c['file'] or c['title']}" + ("" if ok else " (✗)")
                          for c, ok in zip(r["citations"], r["citation_ok"], strict=True))
        rows.append(f"| {r['id']} | {r['type']} | {verdict} | {r['mode']} | {answer} | {cited.replace('|', '/')} |")
    return "\n".join(rows)


def write_outputs(out: Path, metrics: dict[str, Any], records: list[dict[str, Any]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1, ensure_ascii=False) + "\n")
    with (out / "per_question.jsonl").open("w") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    plot(out, metrics, records)
    cfg = metrics.get("config", {})
    wrong = [r for r in records if not r["correct"]]
    parts = [
        "# newsdesk eval report", "",
        f"Datasets: {', '.join(cfg.get('datasets', []))} · corpus: {cfg.get('corpus')} · k={cfg.get('k')} · "
        f"provider: {cfg.get('provider')} ({cfg.get('model')})", "",
        "## Metrics", "", metrics_table(metrics), "",
    ]
    if metrics.get("by_type"):
        parts += ["## By question type", "", type_table(metrics), ""]
    parts += ["![metrics](metrics.png) ![latency](latency.png)", "",
              f"## Wrong answers ({len(wrong)})", ""]
    parts += [f"- **{r['id']}** {r['question']} — gold: {', '.join(r['gold']) or '(abstain)'} — got "
              f"({r['mode']}): {' '.join(r['answer'].split())[:200]}" for r in wrong] or ["None."]
    parts += ["", "## Every question", "", question_table(records), ""]
    (out / "report.md").write_text("\n".join(parts))


def plot(out: Path, metrics: dict[str, Any], records: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in MAIN if metrics.get(k) is not None]
    fig, ax = plt.subplots(figsize=(9, 3.6))
    bars = ax.bar(keys, [metrics[k] for k in keys], color="#2563eb")
    ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_ylim(0, 1.1)
    ax.set_title(f"newsdesk eval (n={metrics['n']})")
    ax.tick_params(axis="x", labelrotation=35, labelsize=8)
    fig.tight_layout()
    fig.savefig(out / "metrics.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.hist([r["total_ms"] for r in records], bins=20, color="#2563eb", alpha=0.8, label="full answer")
    ax.hist([r["retrieve_ms"] for r in records], bins=20, color="#f59e0b", alpha=0.8, label="retrieval")
    ax.set_xlabel("ms")
    ax.set_ylabel("questions")
    ax.legend()
    ax.set_title("latency")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)


def summary_lines(metrics: dict[str, Any], out: Path) -> list[str]:
    lines = [f"newsdesk eval: {metrics['n']} questions"]
    for k in MAIN + [k for k in EVIDENCE if k in metrics]:
        lines.append(f"  {k:<22} {fmt(metrics.get(k))}")
    lines.append(f"  {'latency p50 / p95':<22} {metrics['latency_ms_p50']:.0f} / {metrics['latency_ms_p95']:.0f} ms")
    lines.append(f"  {'by LLM / by quote':<22} {metrics['n_llm']} / {metrics['n_quote']}")
    for t, m in (metrics.get("by_type") or {}).items():
        lines.append(f"  [{t}] n={m['n']} accuracy={fmt(m['answer_accuracy'])} hits@4={fmt(m['hits@4'])} "
                     f"mrr@10={fmt(m['mrr@10'])}"
                     + (f" evidence_hits@10={fmt(m.get('evidence_hits@10'))} evidence_mrr@10="
                        f"{fmt(m.get('evidence_mrr@10'))}" if "evidence_hits@10" in m else ""))
    lines.append(f"report: {out / 'report.md'}")
    return lines


SPLIT_KEYS = ["n", "answer_accuracy", "yesno_balanced_accuracy", "abstention_recall", "all_gold_cited",
              "citation_precision", "evidence_hits@10", "latency_ms_p50", "latency_ms_p95"]


def split_table(metrics: dict[str, Any]) -> str:
    """One row per part of the dataset (tune / check, or 'all') and question type."""
    parts = metrics.get("by_split") or {metrics.get("config", {}).get("split", "all"): metrics}
    rows = ["| part | type | " + " | ".join(SPLIT_KEYS) + " |", "|" + " --- |" * (len(SPLIT_KEYS) + 2)]
    for part, m in parts.items():
        for t, tm in list((m.get("by_type") or {}).items()) + [("all", m)]:
            rows.append(f"| {part} | {t} | " + " | ".join(fmt(tm.get(k), k) for k in SPLIT_KEYS) + " |")
    return "\n".join(rows)


def update_readme(path: Path, metrics: dict[str, Any]) -> None:
    """Replace the block between the eval markers with the current metrics (generated, never typed):
    the seeds block for a newsdesk-format dataset, the dev-split block for MultiHop-RAG questions."""
    text = path.read_text()
    cfg = metrics.get("config", {})
    names = ", ".join(Path(d).name for d in cfg.get("datasets", []))
    multihop = cfg.get("format") == "multihop"
    start, end = (DEV_START, DEV_END) if multihop else (README_START, README_END)
    if start not in text or end not in text:
        raise ValueError(f"{path} has no {start} ... {end} block")
    if multihop:
        body = (f"_Generated by `newsdesk eval --format multihop` on {names} (corpus: {cfg.get('corpus')}, "
                f"k={cfg.get('k')}, provider {cfg.get('provider')})._\n\n{split_table(metrics)}")
    else:
        body = (f"_Generated by `make eval` on {names} (corpus: {cfg.get('corpus')}, k={cfg.get('k')}, provider "
                f"{cfg.get('provider')})._\n\n{metrics_table(metrics)}\n\n{type_table(metrics)}")
    head, rest = text.split(start, 1)
    path.write_text(f"{head}{start}\n{body}\n{end}{rest.split(end, 1)[1]}")
