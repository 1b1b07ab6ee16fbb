"""Eval datasets, read into one record type.

newsdesk format (JSON Lines, one question a line):
    {"id", "question", "answers": [alternatives], "sources": [article file names], "answerable": bool,
     "type": optional}
MultiHop-RAG format (Tang & Yang, COLM 2024), a JSON list of
    {"query", "answer", "question_type", "evidence_list": [{"title", "url", "source", "fact", ...}]}
where a source is matched by url or title and `null_query` questions are the unanswerable ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Question:
    id: str
    question: str
    answers: list[str]
    gold: list[set[str]]  # per gold article, the names it goes by (file name, or url and title)
    answerable: bool
    type: str = ""
    facts: list[str] = field(default_factory=list)

    @property
    def split(self) -> str:
        return split_of(self.question)


def split_of(question: str) -> str:
    """'tune' or 'check': a fixed half of any dataset, decided by the question's own text (not its
    position), so the two parts stay the same when a file is reordered or grows. Rules are tuned on
    'tune' only; a gain counts when it also shows on 'check'."""
    digest = hashlib.sha256(" ".join(question.split()).encode("utf-8")).digest()
    return "tune" if digest[0] % 2 == 0 else "check"


def load_jsonl(path: Path) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(Question(str(row["id"]), row["question"], list(row.get("answers", [])),
                                [{name} for name in row.get("sources", [])], bool(row.get("answerable", True)),
                                str(row.get("type", ""))))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a dataset row ({exc})") from None
    return out


def load_multihop(path: Path, limit: int | None = None) -> list[Question]:
    rows = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for i, row in enumerate(rows[:limit] if limit else rows):
        evidence = row.get("evidence_list") or []
        gold: list[set[str]] = []
        for e in evidence:
            names = {e[k] for k in ("url", "title") if e.get(k)}
            if names and names not in gold:  # two facts from one article are one gold article
                gold.append(names)
        kind = row.get("question_type", "")
        out.append(Question(f"mh{i:04d}", row["query"], [str(row.get("answer", ""))], gold,
                            kind != "null_query", kind, [e.get("fact", "") for e in evidence]))
    return out
