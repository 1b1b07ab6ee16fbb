"""The typed result of answering a question: an `Answer` and its numbered `Citation`s.

`Answer.to_dict()` is the object `newsdesk ask --json` prints (schema in the README); the keys and
their order are those of the dict answering returned before it was typed, so scripts that read the
JSON see no difference.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rag.answering.evidence import Evidence
from rag.answering.support import Verdict

# llm | quote | abstain | verdict (yes/no) | consensus (one name, several sources) | brief
Mode = Literal["llm", "quote", "abstain", "verdict", "consensus", "brief"]
Shape = Literal["fact", "brief", "yesno"]


@dataclass(frozen=True)
class Citation:
    """Citation [n] of an answer: the exact span of the article the quoted sentence comes from."""

    n: int
    article_id: str
    title: str
    publisher: str
    published: str
    file: str
    chunk_id: str
    quote: str
    start: int
    end: int

    @classmethod
    def of(cls, n: int, e: Evidence) -> Citation:
        p = e.passage
        return cls(n=n, article_id=p.article_id, title=p.title, publisher=p.publisher, published=p.published,
                   file=p.file, chunk_id=p.chunk_id, quote=e.text, start=e.start, end=e.end)


@dataclass(frozen=True)
class JudgedClaim:
    """One claim of a yes/no question and how the evidence judged it (rag.answering.verdicts)."""

    claim: str
    outlet: str
    status: str
    n: int | None  # the citation it was judged on, if any


def no_constraints() -> dict[str, Any]:
    """The constraints of an answer that never searched with the question's own (yes/no, missing outlet)."""
    return {"publishers": [], "after": None, "before": None, "from_question": {}, "relaxed": False}


@dataclass
class Answer:
    question: str  # as asked
    answer: str  # the text the reader sees, with [n] markers
    abstained: bool
    citations: list[Citation]
    rewritten: str  # the standalone question actually answered (differs for follow-ups)
    mode: Mode
    shape: Shape
    reason: str = ""  # why it abstained, or what failed (the support check's reason for a refused draft)
    draft: str = ""  # the LLM's unchecked text, for inspection and evals
    timings_ms: dict[str, float] = field(default_factory=dict)
    # The publishers and dates the search was held to (rag.retrieval.retriever.Retrieval.constraints()).
    constraints: dict[str, Any] = field(default_factory=no_constraints)
    claims: list[JudgedClaim] | None = None  # yes/no questions only
    # The support check's verdict on the draft (None when no draft was checked). Kept whole for Python
    # callers; its reason is what `reason` reports when the draft was refused.
    verdict: Verdict | None = None

    def to_dict(self) -> dict[str, Any]:
        """The `ask --json` object: the keys, their order and values as before the result was typed."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
            "rewritten": self.rewritten,
            "mode": self.mode,
            "reason": self.reason,
            "draft": self.draft,
            "timings_ms": dict(self.timings_ms),
            "shape": self.shape,
        }
        if self.claims is not None:
            out["claims"] = [asdict(c) for c in self.claims]
        out["constraints"] = self.constraints
        return out


def cite(evidence: list[Evidence]) -> list[Citation]:
    """The evidence as citations [1], [2], ... in the order the answer's markers number them."""
    return [Citation.of(n, e) for n, e in enumerate(evidence, 1)]
