"""The eval suite: metric definitions on hand-made cases, the MultiHop-RAG format on a written sample,
and the CI gate: the seeds eval with the default model must not fall below evals/floors.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from evals.datasets import load_jsonl, load_multihop
from evals.metrics import aggregate, contains, normalize, percentile, retrieval, token_f1
from evals.report import README_END, README_START, update_readme

SAMPLE = ROOT / "evals" / "datasets" / "multihop_sample"
KEYS = {"hits@1", "hits@3", "hits@4", "hits@5", "hits@10", "mrr@10", "answer_accuracy", "answer_f1",
        "citation_precision", "citation_recall", "abstention_precision", "abstention_recall", "latency_ms_p50",
        "latency_ms_p95", "n"}


def test_normalisation_and_matching():
    assert normalize("The 12,000 U.S. service-members!") == "12000 u s service members"
    assert contains("It involved twelve thousand... no: 12,000 US service members [1].", ["12000"])
    assert contains("He said seven days.", ["7 days"])
    assert not contains("Lavrovsky said", ["Lavrov"])  # whole words only
    assert token_f1("Ja Song Nam, according to UPI", ["Ja Song Nam"]) == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_retrieval_hits_and_mrr():
    passages = [{"file": "c.txt"}, {"file": "a.txt"}, {"url": "u", "title": "B"}, {"file": "a.txt"}]
    m = retrieval(passages, [{"a.txt"}, {"u", "B"}])
    assert (m["hits@1"], m["hits@3"], m["hits@10"], m["mrr@10"]) == (0.0, 1.0, 1.0, 0.5)
    assert retrieval(passages, [{"zzz"}])["mrr@10"] == 0.0


def test_percentile_interpolates_between_ranks():
    # The one percentile of the project (evals and benchmarks): linear between the two nearest ranks.
    assert percentile([4, 1, 3, 2], 0.5) == 2.5
    assert percentile([10, 20], 0.95) == 19.5
    assert percentile([7], 0.99) == 7
    assert percentile([], 0.5) is None


def test_aggregate_abstention_and_citations():
    base = {"hits@1": 1.0, "hits@3": 1.0, "hits@4": 1.0, "hits@5": 1.0, "hits@10": 1.0, "mrr@10": 1.0,
            "f1": 0.5, "citation_recall": 1.0, "retrieve_ms": 10.0, "total_ms": 100.0, "type": "t"}
    records = [
        base | {"answerable": True, "abstained": False, "correct": True, "mode": "llm", "citation_ok": [True]},
        base | {"answerable": True, "abstained": True, "correct": False, "mode": "abstain", "citation_ok": []},
        base | {"answerable": False, "abstained": True, "correct": True, "mode": "abstain", "citation_ok": []},
        base | {"answerable": False, "abstained": False, "correct": False, "mode": "quote", "citation_ok": [False]},
    ]
    m = aggregate(records)
    assert m["answer_accuracy"] == 0.5 and m["citation_precision"] == 0.5
    assert m["abstention_precision"] == 0.5 and m["abstention_recall"] == 0.5
    assert m["n_llm"] == 1 and m["answer_accuracy_llm"] == 1.0 and m["n"] == 4


def test_dataset_files_are_well_formed():
    questions = load_jsonl(ROOT / "evals" / "datasets" / "seeds.jsonl")
    assert len(questions) >= 50 and len({q.id for q in questions}) == len(questions)
    assert sum(not q.answerable for q in questions) >= 10
    seeds = {p.name for p in (ROOT / "seeds").iterdir()}
    for q in questions:
        assert q.answers if q.answerable else not q.answers
        assert all(names <= seeds for names in q.gold)
    sample = load_multihop(SAMPLE / "MultiHopRAG.json")
    assert {q.type for q in sample} == {"inference_query", "comparison_query", "temporal_query", "null_query"}
    assert all(len(names) == 2 for q in sample for names in q.gold)  # url and title of one article


def run_eval(tmp_path: Path, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--out", str(out), *args], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "newsdesk eval:" in proc.stdout and "answer_accuracy" in proc.stdout
    for name in ("metrics.json", "per_question.jsonl", "report.md", "metrics.png", "latency.png"):
        assert (out / name).stat().st_size > 0
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.llm
def test_multihop_format_on_the_sample(tmp_path):
    m = run_eval(tmp_path, "--format", "multihop", "--corpus", str(SAMPLE / "corpus.json"),
                 "--dataset", str(SAMPLE / "MultiHopRAG.json"))
    assert KEYS <= set(m) and m["n"] == 7
    assert set(m["by_type"]) == {"inference_query", "comparison_query", "temporal_query", "null_query"}
    assert KEYS <= set(m["by_type"]["null_query"])
    assert m["by_type"]["null_query"]["answer_accuracy"] == 1.0  # both invented-outlet questions abstain
    assert m["hits@10"] == 1.0  # every evidence article is retrieved in this small corpus


def _floors(name: str) -> tuple[dict[str, float], float]:
    """One gate's floors and how far below them another machine's kernels may land (floors.json's note says why)."""
    floors = json.loads((ROOT / "evals" / "floors.json").read_text())
    return floors[name], floors.get("_tolerance", {}).get(name, 0.0)


def _above(m: dict, gate: tuple[dict[str, float], float]) -> None:
    floors, tolerance = gate
    failed = []
    for key, floor in floors.items():
        where, _, metric = key.rpartition("/")  # "comparison_query/yesno_balanced_accuracy": one type's
        value = m["by_type"][where][metric] if where else m[metric]
        if value is None or value < floor - tolerance:
            failed.append(f"{key} fell to {value} (floor {floor}, tolerance {tolerance})")
    assert not failed, f"on {m['config'].get('machine', '?')}: " + "; ".join(failed)


@pytest.mark.llm
def test_eval_gate_on_seeds(tmp_path):
    """The CI gate: no regression below the floors recorded in the repo, on our own seed questions and
    on questions about the seeds written without sight of the code (seeds_external.jsonl)."""
    datasets = ROOT / "evals" / "datasets"
    m = run_eval(tmp_path, "--dataset", str(datasets / "seeds.jsonl"))
    assert m["n"] == len(load_jsonl(datasets / "seeds.jsonl"))
    assert KEYS <= set(m) and all(KEYS <= set(v) for v in m["by_type"].values())
    _above(m, _floors("seeds"))
    external = run_eval(tmp_path / "external", "--dataset", str(datasets / "seeds_external.jsonl"))
    _above(external, _floors("seeds_external"))


# The MultiHop-RAG dev questions are read in place (never copied into the repo). The gate takes a fixed
# subset: the first GATE_PER_TYPE questions of each type in file order, over a corpus of their evidence
# articles plus every GATE_DISTRACTOR_STEP-th other article, so that retrieval still has to choose.
MULTIHOP = ROOT.parent / "shared" / "corpora" / "multihop_rag"
GATE_PER_TYPE = 12
GATE_DISTRACTOR_STEP = 8


def gate_subset(tmp_path: Path) -> tuple[Path, Path]:
    questions = json.loads((MULTIHOP / "queries_dev.json").read_text())
    picked, counts = [], {}
    for q in questions:
        if counts.get(q["question_type"], 0) < GATE_PER_TYPE:
            counts[q["question_type"]] = counts.get(q["question_type"], 0) + 1
            picked.append(q)
    corpus = json.loads((MULTIHOP / "corpus.json").read_text())
    gold = {e["url"] for q in picked for e in q["evidence_list"]}
    articles = [a for i, a in enumerate(corpus) if a["url"] in gold or i % GATE_DISTRACTOR_STEP == 0]
    (tmp_path / "gate.json").write_text(json.dumps(picked))
    (tmp_path / "corpus.json").write_text(json.dumps(articles))
    return tmp_path / "gate.json", tmp_path / "corpus.json"


@pytest.mark.llm
@pytest.mark.skipif(not (MULTIHOP / "queries_dev.json").is_file(), reason="../shared/corpora not beside the repo")
def test_eval_gate_on_multihop_dev_subset(tmp_path):
    """The CI gate on questions nobody here wrote: per-type floors on a fixed MultiHop-RAG dev subset."""
    dataset, corpus = gate_subset(tmp_path)
    m = run_eval(tmp_path, "--format", "multihop", "--dataset", str(dataset), "--corpus", str(corpus))
    assert m["n"] == 4 * GATE_PER_TYPE
    assert {"yesno_balanced_accuracy", "all_gold_cited"} <= set(m["by_type"]["comparison_query"])
    _above(m, _floors("multihop_gate"))


def test_readme_numbers_are_generated_from_the_committed_results(tmp_path):
    readme = (ROOT / "README.md").read_text()
    metrics = json.loads((ROOT / "evals" / "results" / "seeds" / "metrics.json").read_text())
    copy = tmp_path / "README.md"
    copy.write_text(readme)
    update_readme(copy, metrics)
    assert README_START in readme and README_END in readme
    assert copy.read_text() == readme, "README table differs from evals/results/seeds/metrics.json: run make eval"
