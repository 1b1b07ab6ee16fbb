"""Answering: evidence first, the LLM only phrases, its text is checked, quoting is the fallback.

1. Retrieve passages (hybrid) and score their sentences against the question (rag.answering.evidence).
2. Abstain when the evidence is weak (rag.answering.abstain): low score, a name in the question the
   passages never mention, or no sentence of the kind the question asks for (a number for "how many"...).
3. The LLM sees only the best evidence sentence(s), numbered, and writes a short answer.
4. What it wrote must pass the support check (rag.answering.support) against the evidence it cites; an
   unsupported answer is dropped.
5. If nothing the LLM wrote survives, the answer quotes the best evidence sentence with its citation.

The result is a typed `Answer` (rag.answering.result); its to_dict() is what `newsdesk ask --json`
prints (see README). `answer_stream` yields the LLM's draft tokens first; `answer` waits for the end.
Composing the citations is rag.answering.citations', the LLM's chain and the check of its draft
rag.answering.drafting's.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator
from functools import partial

from rag.answering.abstain import abstention, shortlist, weak_evidence
from rag.answering.brief import facts
from rag.answering.citations import compose_brief, compose_consensus, compose_fact, dated_quote, phrase, quote
from rag.answering.claims import asks, relation_choice, shape
from rag.answering.consensus import CLUE_PASSAGES, Consensus, consensus, several_clues
from rag.answering.drafting import draft_tokens, verify
from rag.answering.evidence import Evidence, lexical, select, with_detail
from rag.answering.qtypes import fits, question_type
from rag.answering.result import Answer, JudgedClaim, Mode, cite
from rag.answering.verdicts import yes_no
from rag.ingest.yielding import answering
from rag.pipeline import Pipeline
from rag.retrieval.constraints import by_outlet, missing_sources
from rag.retrieval.filters import Filters
from rag.retrieval.followup import rewrite
from rag.retrieval.retriever import Retrieval

MAX_QUESTION_CHARS = 2000
BRIEF_PASSAGES = 8  # an overview draws on more passages than a single fact


def check_question(text: str) -> str:
    """The question stripped, or ValueError with a message a reader can act on."""
    text = (text or "").strip()
    if not text:
        raise ValueError("empty question")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"question is {len(text)} characters; the limit is {MAX_QUESTION_CHARS}")
    return text


def answer_stream(
    question: str,
    pipe: Pipeline,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Iterator[str | Answer]:
    """Answer `question`: the LLM's draft tokens as it writes them (none when no LLM is asked), then
    exactly one `Answer`, last. With `history` (earlier question/answer turns) a follow-up is first
    rewritten into a standalone question (Answer.rewritten). The answer's shape follows the question
    (rag.answering.claims.shape): a yes/no verdict over its claims, a brief for an overview question,
    else a fact. The draft is unchecked: only the final Answer's text passed the support check."""
    # Ingests pause while an answer is computed (rag.ingest.yielding). The marker is held inside the
    # generator: from its first step until it is exhausted or closed, so a reader who stops early
    # (closes it, or drops it mid-draft) releases it then, not when the answer would have been done.
    with answering(pipe.settings.data_dir):
        t0 = time.perf_counter()
        asked, question = question, rewrite(question, history or [])
        form = shape(question)
        publishers = pipe.publishers()
        # "What did a Bloomberg article say ...?" with no Bloomberg article stored: the answer would come from
        # other outlets' reports, so say what is missing instead. (Only a store that records publishers knows.)
        unheld = missing_sources(question, publishers) if publishers else []
        if unheld:
            names = " or ".join(unheld)
            result = Answer(question=asked, answer=f"No article from {names} is stored, so the articles here "
                            f"cannot say what it reported.", abstained=True, citations=[], rewritten=question,
                            mode="abstain", shape=form, reason=f"no article from {names} is stored")
        elif form == "yesno" and not (filters and filters != Filters()):  # explicit filters: answered as a fact
            result = answer_yes_no(asked, question, pipe, t0)
        else:
            result = yield from answer_fact(asked, question, pipe, k, filters, t0, brief=form == "brief")
        result.timings_ms["total"] = _ms(t0)
        yield result


def answer(
    question: str,
    pipe: Pipeline,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    history: list[tuple[str, str]] | None = None,
) -> Answer:
    """answer_stream run to its end: the final Answer, the draft tokens skipped."""
    result = None
    for part in answer_stream(question, pipe, k=k, filters=filters, history=history):
        if isinstance(part, Answer):
            result = part
    if result is None:
        raise RuntimeError("answer_stream ended without an Answer")
    return result


def answer_yes_no(asked: str, question: str, pipe: Pipeline, t0: float) -> Answer:
    """"Yes" or "No", then each claim of the question with the evidence it was judged on (rag.answering.verdicts)."""
    timings: dict[str, float] = {}
    found = yes_no(pipe, question)
    timings["retrieve"] = _ms(t0)
    cited: list[Evidence] = []
    for f in found.findings:
        if f.evidence is not None and all(f.evidence.text != e.text for e in cited):
            cited.append(f.evidence)
    claims = [JudgedClaim(claim=f.claim.text, outlet=f.outlet[0] if f.outlet else "", status=f.status,
                          n=next((n for n, e in enumerate(cited, 1)
                                  if f.evidence is not None and e.text == f.evidence.text), None))
              for f in found.findings]
    done = partial(Answer, question=asked, rewritten=question, shape="yesno", timings_ms=timings, claims=claims)
    if not found.verdict:
        return done(answer=abstention(asked), abstained=True, citations=[], mode="abstain", reason=found.reason)
    said = found.verdict
    choice = relation_choice(question)
    if choice:  # "... consistent or inconsistent?" is answered with the option the verdict picks
        agree = (found.verdict == "Yes") == (asks(question) == "agree")
        said = (choice[0] if agree else choice[1]).capitalize()
    parts = [f"{said}. {found.reason}".strip()] + [dated_quote(e, n) for n, e in enumerate(cited, 1)]
    return done(answer=" ".join(parts), abstained=False, citations=cite(cited), mode="verdict")


def gather(question: str, pipe: Pipeline, k: int | None, filters: Filters | None, brief: bool,
           timings: dict[str, float], t0: float) -> tuple[list[Evidence], Retrieval]:
    """The evidence sentences for a fact or brief, best first, and what was retrieved (with the
    publishers and dates the search was held to)."""
    k = k or pipe.settings.k
    if brief:
        k = max(k, BRIEF_PASSAGES)
    found = pipe.retriever().retrieve(question, k, filters)
    named = by_outlet(found.filters.publishers)
    if len(named) >= 2 and len(found.passages) < 3 * len(named):  # several outlets: enough from each
        found = pipe.retriever().retrieve(question, 3 * len(named), filters)
    timings["retrieve"] = _ms(t0)
    t = time.perf_counter()
    evidence = with_detail(select(question, found.passages, pipe.embedder), question)
    timings["evidence"] = _ms(t)
    return evidence, found


def agreement(question: str, evidence: list[Evidence], pipe: Pipeline, named: list[list[str]]) -> Consensus | None:
    """The name the sources agree on, for a question naming several outlets ("as reported by both X
    and Y", `named`: the outlets searched, rag.retrieval.constraints.by_outlet) or stringing several
    clues together; None when the best sentence should answer instead."""
    if len(named) < 2 and not several_clues(question):
        return None
    agreed = consensus(question, evidence, pipe.publishers(), named, pipe.local_index().article_text)
    if agreed is not None and len(named) < 2 and agreed.sources < 2:
        return None  # one article alone: the best sentence answers (LLM path)
    return agreed


def clue_evidence(pipe: Pipeline, filters: Filters, query: str) -> list[Evidence]:
    """The evidence for one clue of a many-clue question, searched on its own within the outlets and
    dates the question was held to (rag.answering.consensus.per_clue)."""
    return lexical(query, pipe.retriever().search(query, CLUE_PASSAGES, filters))


def drafted(question: str, shown: list[Evidence], pipe: Pipeline,
            timings: dict[str, float]) -> Generator[str, None, tuple[str, str]]:
    """Yields the LLM's draft tokens; returns the draft and, if the LLM failed, why."""
    t = time.perf_counter()
    parts: list[str] = []
    failed = ""
    try:
        for token in draft_tokens(question, shown, pipe.llm()):
            parts.append(token)
            yield token
    except Exception as exc:  # an unreachable LLM server must not lose the answer: the quote still stands
        parts, failed = [], f"LLM failed: {type(exc).__name__}: {exc}"
    timings["llm"] = _ms(t)
    return "".join(parts), failed


def answer_fact(asked: str, question: str, pipe: Pipeline, k: int | None, filters: Filters | None,
                t0: float, brief: bool = False) -> Generator[str, None, Answer]:
    """A fact (or a brief): the LLM's checked answer, else a quote of the best fitting sentence, with
    the citations rag.answering.citations adds. Yields the draft tokens; returns the Answer."""
    timings: dict[str, float] = {}
    evidence, found = gather(question, pipe, k, filters, brief, timings, t0)
    done = partial(Answer, question=asked, rewritten=question, shape="brief" if brief else "fact",
                   timings_ms=timings, constraints=found.constraints())
    reason = weak_evidence(question, evidence, pipe.settings.min_relevance, pipe.publishers(),
                           pipe.local_index().mentions)
    if reason:
        return done(answer=abstention(asked), abstained=True, citations=[], mode="abstain", reason=reason)
    agreed = agreement(question, evidence, pipe, by_outlet(found.filters.publishers))
    if agreed is not None:  # one name, one cited sentence per source (no LLM)
        body, cited = compose_consensus(question, agreed, evidence, pipe.publishers(),
                                        partial(clue_evidence, pipe, found.filters))
        return done(answer=body, abstained=False, citations=cite(cited), mode="consensus")

    picked = facts(evidence) if brief else []
    shown = picked[:2] if len(picked) >= 2 else shortlist(evidence, pipe.settings.evidence_sentences)
    draft, failed = yield from drafted(question, shown, pipe, timings)
    t = time.perf_counter()
    checked = verify(draft, shown, question, pipe)
    timings["verify"] = _ms(t)
    lead = (checked.text, checked.evidence) if checked.evidence is not None else None
    mode: Mode
    if len(picked) >= 2:
        body, cited, mode = compose_brief(picked, lead), picked, "brief"
    else:
        if lead:
            first, body, mode = lead[1], phrase(*lead), "llm"
        else:
            kind = question_type(question)
            first = next((e for e in shortlist(evidence, 3) if fits(kind, e.text, question)), evidence[0])
            body, mode = quote(first), "quote"
        body, cited = compose_fact(body, first, question, evidence, found.filters.publishers, pipe)
    return done(answer=body, abstained=False, citations=cite(cited), mode=mode, reason=failed or checked.reason,
                draft=draft, verdict=checked.verdict)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
