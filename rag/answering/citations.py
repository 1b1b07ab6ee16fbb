"""Citation composition: which evidence an answer cites beyond its first sentence, and how the answer's
text numbers and quotes it. Each `compose_*` returns the answer text and the evidence in citation order
([1] first), so the markers and the citation list always agree.

- per publisher: a question naming several outlets gets each one's own evidence;
- disagreement: another outlet, about as relevant, giving a different figure or date is said so;
- reprints: the cited sentence in other outlets' copies of the same story, cited with its own offsets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rag.answering.consensus import Consensus, outlet_terms, per_clue, several_clues
from rag.answering.evidence import Evidence
from rag.answering.qtypes import candidates, fits, question_type
from rag.pipeline import Pipeline
from rag.retrieval.constraints import by_outlet
from rag.text import terms
from rag.types import Passage

MAX_SUPPORT = 4  # sources quoted for an answer several of them agree on


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


def dated_quote(e: Evidence, n: int) -> str:
    """"The Verge (2023-10-26): “…” [n]": a cited sentence with its outlet and date, for answers that
    compare or list sources."""
    who = e.passage.publisher or e.passage.title or "One article"
    if e.passage.published:
        who = f"{who} ({e.passage.published[:10]})"
    return f"{who}: “{' '.join(e.text.split())}” [{n}]"


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


def compose_fact(body: str, first: Evidence, question: str, evidence: list[Evidence], publishers: list[str],
                 pipe: Pipeline) -> tuple[str, list[Evidence]]:
    """A fact's answer `body` (citing `first` as [1]) with the other named outlets' evidence, a
    disagreement ahead of it, and the reprints of the first sentence after it."""
    # Several publishers named ("what did The Telegraph and UPI report ..."): each one's own evidence.
    others = per_publisher(question, evidence, first, publishers)
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
    return body, [first, *others, *copies]


def compose_consensus(question: str, agreed: Consensus, evidence: list[Evidence], publishers: Iterable[str] = (),
                      search: Callable[[str], list[Evidence]] | None = None) -> tuple[str, list[Evidence]]:
    """The name several sources agree on, cited to the sentences naming it, then one quote per source
    (and, for a many-clue question, the sentences of the clues the naming ones do not cover, searched
    for with `search` when the question's evidence has none: rag.answering.consensus.per_clue)."""
    support = agreed.support[:MAX_SUPPORT]
    naming = len(support)  # the sentences that name the answer; the clues' own sentences follow
    if several_clues(question):
        support += per_clue(question, agreed.name, evidence, support, outlet_terms(publishers), search)
    body = " ".join([f"{agreed.name} [{', '.join(str(n) for n in range(1, naming + 1))}]."]
                    + [quote(e, n, also=n > 1) for n, e in enumerate(support, 1)])
    return body, support


def compose_brief(picked: list[Evidence], lead: tuple[str, Evidence] | None) -> str:
    """A lead sentence (the LLM's, if it passed the support check) and the distinct facts, each cited,
    in the order the brief puts them."""
    parts = []
    if lead:
        text, e = lead
        parts.append(f"{text.rstrip(' .!?')} [{picked.index(e) + 1}].")
    parts += [dated_quote(e, n) for n, e in enumerate(picked, 1)]
    return " ".join(parts)
