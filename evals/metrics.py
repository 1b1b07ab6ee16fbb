"""Scoring: answer matching, retrieval hits, citations, abstention, latency. Pure functions.

Definitions (also in the README):
- answer correct: for an answerable question, not abstained and the normalised answer contains one of
  the normalised gold answers (lower case, no punctuation or articles, "12,000" = "12000", number words
  one..twenty as digits); for an unanswerable one, abstained.
- answer F1: token F1 against the best gold answer (answerable questions; 0 when abstained).
- hits@k: share of a question's gold source articles found among the articles of the top-k passages;
  MRR@10: 1 / rank of the first passage from a gold source (0 if none in the top 10).
- citation precision: share of all citations whose article is a gold source and whose quote contains a
  gold answer (or, for MultiHop-RAG, whose article is a gold source); citation recall: share of a
  question's gold sources that its answer cites, averaged over answerable questions.
- evidence_hits@k / evidence_mrr@10 (MultiHop-RAG questions, which quote their evidence sentences): the
  same with a passage counted as a hit only when it contains a gold evidence sentence.
- abstention precision / recall: abstentions that were right / unanswerable questions abstained on.
- yes/no questions (gold answer "Yes"/"No" or "True"/"False"; a gold "Consistent" or "Same" answers a
  question that offered a choice, and is matched as text): right only when the answer *opens* with the
  same "Yes" or "No" (a "yes" somewhere inside a quote is not an answer). yesno_balanced_accuracy is
  the mean of the share right among gold-"Yes" and among gold-"No" questions, so a constant answer
  scores 0.5 whatever the mix; an abstention counts as wrong on both sides.
- all_gold_cited: share of answerable questions whose answer cites every gold source article.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from rag.language import NUMBER_WORDS, ONES, TEENS

ARTICLES = {"a", "an", "the"}
NUMBERS = {word: str(NUMBER_WORDS[word]) for word in (*ONES, *TEENS, "twenty")}
KS = (1, 3, 4, 5, 10)


YES = {"yes", "true"}
NO = {"no", "false"}


def gold_polarity(answers: list[str]) -> str:
    """'yes' or 'no' when the gold answer is a yes/no answer, else ''."""
    words = normalize(answers[0]).split() if answers else []
    if len(words) != 1:
        return ""
    return "yes" if words[0] in YES else "no" if words[0] in NO else ""


def said_polarity(response: str) -> str:
    """'yes' or 'no' when the answer opens with it, else ''."""
    first = normalize(response).split()[:1]
    return first[0] if first and first[0] in {"yes", "no"} else ""


def normalize(text: str) -> str:
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())
    words = re.sub(r"[^\w\s]", " ", text).split()
    return " ".join(NUMBERS.get(w, w) for w in words if w not in ARTICLES)


def contains(response: str, answers: list[str]) -> bool:
    hay = f" {normalize(response)} "
    return any(normalize(a) and f" {normalize(a)} " in hay for a in answers)


def token_f1(response: str, answers: list[str]) -> float:
    got = Counter(normalize(response).split())
    best = 0.0
    for a in answers:
        gold = Counter(normalize(a).split())
        common = sum((got & gold).values())
        if common:
            p, r = common / sum(got.values()), common / sum(gold.values())
            best = max(best, 2 * p * r / (p + r))
    return best


def passage_keys(p: dict[str, Any]) -> set[str]:
    return {v for v in (p.get("file"), p.get("url"), p.get("title")) if v}


def retrieval(passages: list[dict[str, Any]], gold: list[set[str]]) -> dict[str, float]:
    """hits@k and MRR@10 of the gold articles (each a set of names) in a ranked passage list."""
    out: dict[str, float] = {}
    for k in KS:
        found = set().union(*(passage_keys(p) for p in passages[:k])) if passages else set()
        out[f"hits@{k}"] = sum(1 for names in gold if names & found) / len(gold) if gold else 0.0
    names = set().union(*gold) if gold else set()
    rank = next((i for i, p in enumerate(passages[:10], 1) if passage_keys(p) & names), None)
    out["mrr@10"] = 1.0 / rank if rank else 0.0
    return out


def _flat(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"').lower().split())


def evidence_retrieval(texts: list[str], facts: list[str]) -> dict[str, float]:
    """MultiHop-RAG's retrieval scoring: a passage is a hit when it contains a gold evidence sentence.
    evidence_hits@k: share of the question's facts found in the top-k passages; evidence_mrr@10: 1 / rank
    of the first passage holding any of them."""
    facts = [_flat(f) for f in facts if f.strip()]
    flat = [_flat(t) for t in texts]
    out: dict[str, float] = {}
    for k in (4, 10):
        out[f"evidence_hits@{k}"] = sum(any(f in t for t in flat[:k]) for f in facts) / len(facts) if facts else 0.0
    rank = next((i for i, t in enumerate(flat[:10], 1) if any(f in t for f in facts)), None)
    out["evidence_mrr@10"] = 1.0 / rank if rank else 0.0
    return out


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    pos = q * (len(values) - 1)
    lo, hi = int(pos), min(int(pos) + 1, len(values) - 1)
    return round(values[lo] + (values[hi] - values[lo]) * (pos - lo), 1)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def aggregate(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics over per-question records (see evals.runner.score_question for their fields)."""
    answerable = [r for r in records if r["answerable"]]
    abstained = [r for r in records if r["abstained"]]
    unanswerable = [r for r in records if not r["answerable"]]
    citations = [ok for r in records for ok in r["citation_ok"]]
    out: dict[str, Any] = {f"hits@{k}": _mean([r[f"hits@{k}"] for r in answerable]) for k in KS}
    out["mrr@10"] = _mean([r["mrr@10"] for r in answerable])
    with_facts = [r for r in answerable if "evidence_mrr@10" in r]
    for key in ("evidence_hits@4", "evidence_hits@10", "evidence_mrr@10") if with_facts else ():
        out[key] = _mean([r[key] for r in with_facts])
    out["answer_accuracy"] = _mean([float(r["correct"]) for r in records])
    out["yesno_balanced_accuracy"] = balanced_accuracy(records)
    out["all_gold_cited"] = _mean([float(r.get("citation_recall", 0.0) >= 1.0) for r in answerable if r.get("gold_n")])
    out["answer_f1"] = _mean([r["f1"] for r in answerable])
    out["citation_precision"] = _mean([float(ok) for ok in citations])
    out["citation_recall"] = _mean([r["citation_recall"] for r in answerable])
    right_abstentions = sum(1 for r in abstained if not r["answerable"])
    out["abstention_precision"] = round(right_abstentions / len(abstained), 4) if abstained else None
    out["abstention_recall"] = round(right_abstentions / len(unanswerable), 4) if unanswerable else None
    out["latency_ms_p50"] = percentile([r["total_ms"] for r in records], 0.5)
    out["latency_ms_p95"] = percentile([r["total_ms"] for r in records], 0.95)
    out["retrieval_ms_p50"] = percentile([r["retrieve_ms"] for r in records], 0.5)
    out["retrieval_ms_p95"] = percentile([r["retrieve_ms"] for r in records], 0.95)
    for mode in ("llm", "quote"):
        subset = [r for r in answerable if r["mode"] == mode]
        out[f"n_{mode}"] = len(subset)
        out[f"answer_accuracy_{mode}"] = _mean([float(r["correct"]) for r in subset])
        out[f"answer_f1_{mode}"] = _mean([r["f1"] for r in subset])
    out["n"] = len(records)
    return out


def balanced_accuracy(records: list[dict[str, Any]]) -> float | None:
    """Mean per-class accuracy over yes/no questions (None when there are none, or only one class)."""
    per = [[r["correct"] for r in records if r.get("polarity") == side] for side in ("yes", "no")]
    if not all(per):
        return None
    return round(sum(sum(map(float, c)) / len(c) for c in per) / 2, 4)


def with_types(records: list[dict[str, Any]]) -> dict[str, Any]:
    metrics = aggregate(records)
    types = sorted({r["type"] for r in records if r["type"]})
    if types:
        metrics["by_type"] = {t: aggregate([r for r in records if r["type"] == t]) for t in types}
    splits = sorted({r["split"] for r in records if r.get("split")})
    if len(splits) > 1:
        metrics["by_split"] = {s: with_types([r | {"split": ""} for r in records if r["split"] == s]) for s in splits}
    return metrics
