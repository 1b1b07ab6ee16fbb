"""When the evidence cannot carry an answer: the checks that make an answer abstain, and what it says then.

An answer abstains when the best evidence scores low, when the question names someone the passages
(or, for a many-clue question, the stored articles) never mention, or when no sentence gives the kind of
answer asked for (a number for "how many", a date for "when"...) about the names asked about.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.answering.consensus import several_clues
from rag.answering.evidence import NAME_RUN, Evidence, about, metadata_intent, question_names, unknown_names
from rag.answering.qtypes import fits, question_type
from rag.text import terms

NAMED_SLACK = 0.1  # how far below the relevance floor a sentence naming all the question's names may score
RELEVANCE_RATIO = 0.7  # evidence shown or cited must score at least this share of the best evidence


def abstention(question: str) -> str:
    q = question.strip().rstrip("?.! ")
    if re.match(r"(who|whom|whose|what|which|when|where|why|how)\b", q, re.IGNORECASE):
        return f"The articles do not say {q[0].lower()}{q[1:]}."
    return f"The articles do not say whether that is so (“{question.strip()}”)."


def shortlist(evidence: list[Evidence], n: int) -> list[Evidence]:
    best = evidence[0].score
    return [e for e in evidence[:n] if e.score >= RELEVANCE_RATIO * best]


def weak_evidence(question: str, evidence: list[Evidence], min_relevance: float,
                  publishers: list[str] | None = None, in_corpus: Callable[[str], bool] | None = None) -> str:
    """Why the evidence cannot support an answer, or '' when it can. `in_corpus` tells whether any stored
    article mentions a name (the passages retrieved may miss one clue of a many-clue question)."""
    if not evidence:
        return "no passages retrieved"
    kind = question_type(question)
    if evidence[0].score < min_relevance and not (evidence[0].score >= min_relevance - NAMED_SLACK
                                                  and _names_all(question, evidence[0], kind, publishers)):
        return f"best evidence score {evidence[0].score:.2f} is below {min_relevance}"
    missing = unknown_names(question, evidence, publishers)
    # The passages retrieved for a question that strings several clues together rarely cover every
    # clue; a name they miss counts against the question only when no stored article mentions it.
    clues = several_clues(question)
    if missing and clues and in_corpus is not None:
        missing = [n for n in missing if not in_corpus(n)]
    if missing:
        where = "the articles" if clues and in_corpus is not None else "the passages"
        return f"{where} never mention {', '.join(missing)}"
    if metadata_intent(question) == "published" and any(e.passage.publisher for e in shortlist(evidence, 3)):
        return ""  # "which outlet published ..." is answered by the cited article's publisher
    fitting = [e for e in shortlist(evidence, 3) if fits(kind, e.text, question)]
    if not fitting:
        return f"no evidence sentence gives the {kind} asked for"
    # "How many days did Feltman spend in North Korea?": a number next to "days" in a sentence that
    # never mentions Feltman answers another question. A typed answer must come from a sentence about
    # the names the question asks about: all of them when it names one or two, else at least half. A
    # question that strings several clues together is exempt: no one sentence names them all.
    names = [] if clues else question_names(question, publishers)
    if kind != "other" and names and not any(about(e, names, share=1.0 if len(names) <= 2 else 0.5)
                                              for e in fitting):
        return f"no sentence that gives the {kind} asked for is about {_names(names, question)}"
    return ""


def _names_all(question: str, e: Evidence, kind: str, publishers: list[str] | None) -> bool:
    """A long sentence scores low against a short question, even when it names everyone the question
    names ("Kim Hyung Jun, a professor at Myongji University, told YTN") and holds an answer of the kind
    asked for. Such a sentence is evidence enough: at least two name words, all in the sentence itself."""
    names = question_names(question, publishers)
    return kind != "other" and sum(len(n) for n in names) >= 2 and about(e, names, context_chars=0) \
        and fits(kind, e.text, question)


def _names(names: list[set[str]], question: str) -> str:
    spans = [m.group() for m in NAME_RUN.finditer(question) if set(terms(m.group())) & set().union(*names)]
    return ", ".join(dict.fromkeys(spans)) or "the names asked about"
