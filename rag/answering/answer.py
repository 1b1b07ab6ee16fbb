"""Answering: evidence first, the LLM only phrases, its text is checked, quoting is the fallback.

1. Retrieve passages (hybrid) and score their sentences against the question (rag.answering.evidence).
2. Abstain when the evidence is weak: low score, a name in the question the passages never mention,
   or no sentence of the kind the question asks for (a number for "how many", a date for "when"...).
3. The LLM sees only the best evidence sentence(s), numbered, and writes a short answer.
4. What it wrote must pass the support check (rag.answering.support) against the evidence it cites; an
   unsupported answer is dropped.
5. If nothing the LLM wrote survives, the answer quotes the best evidence sentence with its citation.

The result is a plain dict in the schema `newsdesk ask --json` prints (see README).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from rag.answering.brief import facts
from rag.answering.claims import asks, relation_choice, shape
from rag.answering.consensus import consensus, per_clue, several_clues
from rag.retrieval.constraints import by_outlet, find_publishers, missing_sources, outlet
from rag.answering.evidence import NAME_RUN, Evidence, about, metadata_intent, question_names, select, unknown_names, with_detail
from rag.retrieval.followup import rewrite
from rag.pipeline import Pipeline
from rag.answering.qtypes import candidates, fits, question_type
from rag.retrieval.hybrid import Filters
from rag.answering.support import check
from rag.text import terms
from rag.types import Passage
from rag.answering.verdicts import yes_no
from rag.ingest.yielding import while_answering

MAX_QUESTION_CHARS = 2000
BRIEF_PASSAGES = 8  # an overview draws on more passages than a single fact
MAX_SUPPORT = 4  # sources quoted for an answer several of them agree on
NAMED_SLACK = 0.1  # how far below the relevance floor a sentence naming all the question's names may score
RELEVANCE_RATIO = 0.7  # evidence shown or cited must score at least this share of the best evidence
NO_ANSWER = re.compile(r"not in (the )?evidence|not (mentioned|stated|provided|specified)|does not (say|mention)"
                       r"|cannot be determined|no information|i don'?t know|unknown", re.IGNORECASE)


def check_question(text: str) -> str:
    """The question stripped, or ValueError with a message a reader can act on."""
    text = (text or "").strip()
    if not text:
        raise ValueError("empty question")
    if len(text) > MAX_QUESTION_CHARS:
        raise ValueError(f"question is {len(text)} characters; the limit is {MAX_QUESTION_CHARS}")
    return text


def load_prompt() -> tuple[str, str]:
    text = resources.files("rag.answering").joinpath("prompts/answer.md").read_text(encoding="utf-8")
    system, user = text.split("\n---\n", 1)
    return system.strip(), user.strip()


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


def render_evidence(evidence: list[Evidence]) -> str:
    """The evidence as the LLM reads it, each sentence numbered with its outlet and date. (A lone
    sentence without its label costs fewer prompt tokens, but was tried and dropped: on questions we did
    not write, seeds_external.jsonl, the tiny model then paraphrased more and worse.)"""
    lines = []
    for i, e in enumerate(evidence, 1):
        where = ", ".join(x for x in (e.passage.publisher, e.passage.published) if x)
        text = " ".join(e.text.split())
        lines.append(f"[{i}] ({where}) {text}" if where else f"[{i}] {text}")
    return "\n".join(lines)


def generate(question: str, evidence: list[Evidence], llm: Any, on_token: Callable[[str], None] | None) -> str:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    system, user = load_prompt()
    chain = ChatPromptTemplate.from_messages([("system", system), ("human", user)]) | llm | StrOutputParser()
    inputs = {"evidence": render_evidence(evidence), "question": question.strip()}
    if on_token is None:
        return chain.invoke(inputs)
    parts = []
    for token in chain.stream(inputs):
        parts.append(token)
        on_token(token)
    return "".join(parts)


def clean_draft(draft: str) -> tuple[str, list[int]]:
    """The LLM's answer without chatter ("The answer is:", labels, quotes) and the numbers it cited."""
    text = draft.strip()
    found = list(re.finditer(r"(the )?(short )?answer( to (the|this|your) question)?( is)?\s*:", text, re.IGNORECASE))
    if found:
        text = text[found[-1].end():]
    text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    text = re.sub(r"\s*\[\d+\]", "", text).strip().strip("\"“”'").strip()
    return text, cited


def verify(draft: str, shown: list[Evidence], question: str,
           pipe: Pipeline) -> tuple[tuple[str, Evidence] | None, str]:
    """The LLM's answer and the evidence it rests on if it passes the support check, and else why not
    (the support check's reason for the evidence it came closest to)."""
    text, cited = clean_draft(draft)
    if not text or NO_ANSWER.search(text):
        return None, "the model gave no answer" if draft.strip() else ""
    candidates = [shown[n - 1] for n in cited if 0 < n <= len(shown)] or shown
    vectors = pipe.embedder.encode([text] + [e.text for e in candidates])
    why = ""
    named = find_publishers(text, pipe.publishers())
    outlets = {outlet(n) for n in named}
    for e, sim in sorted(zip(candidates, vectors[1:] @ vectors[0], strict=True), key=lambda x: -x[1]):
        if outlets - {outlet(e.passage.publisher)} - {outlet(n) for n in find_publishers(e.text, named)}:
            why = why or "names an outlet the cited passage is not from"
            continue  # "The Telegraph and UPI both reported ..." needs a citation to each of them
        verdict = check(text, e.text, question, float(sim))
        if verdict.ok:
            return (text, e), ""
        why = why or f"model's answer refused: {verdict.reason}"
    return None, why


def phrase(text: str, e: Evidence) -> str:
    """The verified answer as the reader sees it, with its citation marker."""
    body = text.rstrip(" .!?")
    if len(body.split()) <= 6 and e.passage.publisher:  # a bare name or figure: say who reports it
        return f"{body}, according to {e.passage.publisher} [1]."
    return f"{body} [1]."


def quote(e: Evidence, n: int = 1, also: bool = False) -> str:
    if e.passage.publisher:
        lead = f"{e.passage.publisher} also reports" if also else f"According to {e.passage.publisher}"
    else:
        lead = "Another article says" if also else "One article says"
    return f"{lead}: “{' '.join(e.text.split())}” [{n}]"


def per_publisher(question: str, evidence: list[Evidence], first: Evidence, publishers: list[str]) -> list[Evidence]:
    """For a question naming several publishers, the best evidence from each named publisher that the
    first citation does not already cover (relevant enough, and of the kind asked for)."""
    kind = question_type(question)
    best = evidence[0].score
    extra = []
    for group in by_outlet(publishers):
        if first.passage.publisher in group:
            continue
        pick = next((e for e in evidence if e.passage.publisher in group and e.score >= 0.5 * best
                     and fits(kind, e.text, question)), None)
        if pick is not None:
            extra.append(pick)
    return extra


def _figure(kind: str, text: str, question: str) -> str:
    found = candidates(kind, text, question)
    return found[0] if found else ""


def _same_figure(a: str, b: str) -> bool:
    norm = [" ".join(terms(x)) or x.lower() for x in (a, b)]
    return norm[0] == norm[1] or norm[0] in norm[1] or norm[1] in norm[0]


def disagreement(question: str, evidence: list[Evidence], first: Evidence,
                 others: list[Evidence]) -> tuple[Evidence, str] | None:
    """For a question asking a figure or a date: evidence from another publisher, about as relevant
    (score >= 90% and term coverage >= 90% of the cited sentence's) whose figure differs. Returns it
    and the sentence that says so: "The sources disagree: The Telegraph gives 40 [1], UPI gives 52 [2]."
    Only the two best sentences are compared; a figure for something else would rarely be as relevant."""
    kind = question_type(question)
    if kind not in {"quantity", "time"} or not first.passage.publisher:
        return None
    mine = _figure(kind, first.text, question)
    if not mine:
        return None
    for e in others + evidence:
        if e.passage.publisher in {"", first.passage.publisher} or e.score < 0.9 * first.score \
                or e.coverage < 0.9 * first.coverage:
            continue
        theirs = _figure(kind, e.text, question)
        if theirs and not _same_figure(mine, theirs):
            return e, (f"The sources disagree: {first.passage.publisher} gives {mine} [1], "
                       f"{e.passage.publisher} gives {theirs} [2].")
        if theirs:
            return None  # the most relevant other source agrees
    return None


def reprints(e: Evidence, pipe: Pipeline) -> list[Evidence]:
    """The cited sentence in other outlets' copies of the same story (found by retrieval's duplicate
    folding), each as its own citation with offsets into that article."""
    out = []
    for copy in e.passage.also_in:
        article = pipe.store.get_article(copy["article_id"])
        start = article.text.find(e.text) if article else -1
        if article is None or start < 0:
            continue  # the copy words this sentence differently: no exact span to cite
        passage = Passage(chunk_id=copy["chunk_id"], article_id=article.article_id, text=e.text, start=start,
                          end=start + len(e.text), title=article.title, publisher=article.publisher,
                          published=article.published, file=article.file, url=article.url)
        out.append(Evidence(passage, start, start + len(e.text), e.text, e.similarity, e.coverage, e.score))
    return out


@while_answering  # ingests pause meanwhile (rag.ingest.yielding)
def answer(
    question: str,
    pipe: Pipeline,
    *,
    k: int | None = None,
    filters: Filters | None = None,
    on_token: Callable[[str], None] | None = None,
    history: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Answer `question`; with `history` (earlier question/answer turns) a follow-up is first rewritten
    into a standalone question (result["rewritten"]). The answer's shape follows the question
    (rag.answering.claims.shape): a yes/no verdict over its claims, a brief for an overview question, else a fact."""
    t0 = time.perf_counter()
    asked, question = question, rewrite(question, history or [])
    form = shape(question)
    publishers = pipe.publishers()
    # "What did a Bloomberg article say ...?" with no Bloomberg article stored: the answer would come from
    # other outlets' reports, so say what is missing instead. (Only a store that records publishers knows.)
    unheld = missing_sources(question, publishers) if publishers else []
    if unheld:
        names = " or ".join(unheld)
        result = _result(asked, question, f"No article from {names} is stored, so the articles here cannot say "
                         f"what it reported.", True, "abstain", [], {}, f"no article from {names} is stored") | {
            "shape": form, "constraints": _no_constraints()}
    elif form == "yesno" and not (filters and filters != Filters()):  # explicit filters: answered as a fact
        result = answer_yes_no(asked, question, pipe, t0)
    else:
        result = answer_fact(asked, question, pipe, k, filters, on_token, t0, brief=form == "brief")
    result["timings_ms"]["total"] = _ms(t0)
    return result


def answer_yes_no(asked: str, question: str, pipe: Pipeline, t0: float) -> dict[str, Any]:
    """"Yes" or "No", then each claim of the question with the evidence it was judged on (rag.answering.verdicts)."""
    timings: dict[str, float] = {}
    found = yes_no(pipe, question)
    timings["retrieve"] = _ms(t0)
    cited: list[Evidence] = []
    for f in found.findings:
        if f.evidence is not None and all(f.evidence.text != e.text for e in cited):
            cited.append(f.evidence)
    claims = [{"claim": f.claim.text, "outlet": f.outlet[0] if f.outlet else "", "status": f.status,
               "n": next((n for n, e in enumerate(cited, 1) if f.evidence is not None and e.text == f.evidence.text),
                         None)} for f in found.findings]
    extra = {"shape": "yesno", "claims": claims, "constraints": _no_constraints()}
    if not found.verdict:
        return _result(asked, question, abstention(asked), True, "abstain", [], timings, found.reason) | extra
    said = found.verdict
    choice = relation_choice(question)
    if choice:  # "... consistent or inconsistent?" is answered with the option the verdict picks
        agree = (found.verdict == "Yes") == (asks(question) == "agree")
        said = (choice[0] if agree else choice[1]).capitalize()
    parts = [f"{said}. {found.reason}".strip()] + [_dated_quote(e, n) for n, e in enumerate(cited, 1)]
    return _result(asked, question, " ".join(parts), False, "verdict", cited, timings) | extra


def _dated_quote(e: Evidence, n: int) -> str:
    """"The Verge (2023-10-26): “…” [n]": a cited sentence with its outlet and date, for answers that
    compare or list sources."""
    who = e.passage.publisher or e.passage.title or "One article"
    if e.passage.published:
        who = f"{who} ({e.passage.published[:10]})"
    return f"{who}: “{' '.join(e.text.split())}” [{n}]"


def _no_constraints() -> dict[str, Any]:
    return {"publishers": [], "after": None, "before": None, "from_question": {}, "relaxed": False}


def answer_fact(asked: str, question: str, pipe: Pipeline, k: int | None, filters: Filters | None,
                on_token: Callable[[str], None] | None, t0: float, brief: bool = False) -> dict[str, Any]:
    s = pipe.settings
    timings: dict[str, float] = {}
    k = k or s.k
    if brief:
        k = max(k, BRIEF_PASSAGES)
    passages, constraints = pipe.search_question(question, k, filters)
    named = by_outlet(constraints["publishers"])
    if len(named) >= 2 and len(passages) < 3 * len(named):  # several outlets: enough from each
        passages, constraints = pipe.search_question(question, 3 * len(named), filters)
    timings["retrieve"] = _ms(t0)
    t = time.perf_counter()
    evidence = with_detail(select(question, passages, pipe.embedder), question)
    timings["evidence"] = _ms(t)
    reason = weak_evidence(question, evidence, s.min_relevance, pipe.publishers(), pipe.lexical().mentions)
    extra = {"shape": "brief" if brief else "fact", "constraints": constraints}
    if reason:
        return _result(asked, question, abstention(asked), True, "abstain", [], timings, reason) | extra

    agreed = None
    if len(named) >= 2 or several_clues(question):
        agreed = consensus(question, evidence, pipe.publishers(), named)
        if agreed is not None and len(named) < 2 and agreed.sources < 2:
            agreed = None  # one article alone: the best sentence answers (LLM path below)
    if agreed is not None:
        # The question names several outlets ("as reported by both X and Y"), or strings several clues
        # together: the name their evidence agrees on, then one cited sentence per source (no LLM).
        support = agreed.support[:MAX_SUPPORT]
        naming = len(support)  # the sentences that name the answer; the clues' own sentences follow
        if several_clues(question):
            support += per_clue(question, agreed.name, evidence, support)
        body = " ".join([f"{agreed.name} [{', '.join(str(n) for n in range(1, naming + 1))}]."]
                        + [quote(e, n, also=n > 1) for n, e in enumerate(support, 1)])
        return _result(asked, question, body, False, "consensus", support, timings) | extra

    picked = facts(evidence) if brief else []
    shown = picked[:2] if len(picked) >= 2 else shortlist(evidence, s.evidence_sentences)
    t = time.perf_counter()
    try:
        draft = generate(question, shown, pipe.llm(), on_token)
    except Exception as exc:  # an unreachable LLM server must not lose the answer: the quote still stands
        draft, reason = "", f"LLM failed: {type(exc).__name__}: {exc}"
    timings["llm"] = _ms(t)
    t = time.perf_counter()
    verified, why = verify(draft, shown, question, pipe)
    timings["verify"] = _ms(t)
    reason = reason or why
    if len(picked) >= 2:
        return _brief(asked, question, picked, verified, timings, reason, draft) | extra
    if verified:
        text, first = verified
        body, mode = phrase(text, first), "llm"
    else:
        kind = question_type(question)
        first = next((e for e in shortlist(evidence, 3) if fits(kind, e.text, question)), evidence[0])
        body, mode = quote(first), "quote"
    # Several publishers named ("what did The Telegraph and UPI report ..."): each one's own evidence.
    others = per_publisher(question, evidence, first, constraints["publishers"])
    rival = disagreement(question, evidence, first, others)
    if rival is not None:
        others = [e for e in others if e is not rival[0]]
        body = f"{rival[1]} {body}"
        others.insert(0, rival[0])
    body = " ".join([body] + [quote(e, n, also=True) for n, e in enumerate(others, 2)])
    copies = reprints(first, pipe)
    if copies:
        n0 = 2 + len(others)
        runs = ", ".join(f"{e.passage.publisher or e.passage.title} [{n}]" for n, e in enumerate(copies, n0))
        body += f" The same text also ran in {runs}."
    return _result(asked, question, body, False, mode, [first, *others, *copies], timings, reason, draft) | extra


def _brief(asked: str, question: str, picked: list[Evidence], verified: tuple[str, Evidence] | None,
           timings: dict[str, float], reason: str, draft: str) -> dict[str, Any]:
    """A lead sentence (the LLM's, if it passed the support check) and the distinct facts, each cited,
    in the order the brief puts them."""
    parts = []
    if verified:
        text, e = verified
        parts.append(f"{text.rstrip(' .!?')} [{picked.index(e) + 1}].")
    parts += [_dated_quote(e, n) for n, e in enumerate(picked, 1)]
    return _result(asked, question, " ".join(parts), False, "brief", picked, timings, reason, draft)


def _result(question: str, rewritten: str, text: str, abstained: bool, mode: str, cited: list[Evidence],
            timings: dict[str, float], reason: str = "", draft: str = "") -> dict[str, Any]:
    citations = [
        {"n": n, "article_id": e.passage.article_id, "title": e.passage.title, "publisher": e.passage.publisher,
         "published": e.passage.published, "file": e.passage.file, "chunk_id": e.passage.chunk_id,
         "quote": e.text, "start": e.start, "end": e.end}
        for n, e in enumerate(cited, 1)
    ]
    return {
        "question": question,
        "answer": text,
        "abstained": abstained,
        "citations": citations,
        "rewritten": rewritten,  # the standalone question actually answered (differs for follow-ups)
        "mode": mode,  # llm | quote | abstain | verdict (yes/no) | consensus (one name, several sources) | brief
        "reason": reason,  # why it abstained, or what failed
        "draft": draft,  # the LLM's unchecked text, for inspection and evals
        "timings_ms": timings,
    }


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)
