"""Entity answers across sources: the name that the named outlets' evidence agrees on.

"Which company ... as reported by both The Verge and TechCrunch?" has one answer that both outlets
support, and its best evidence sentence in one outlet may name several companies. So candidate answers
(names of the kind asked for, rag.answering.qtypes.candidates) are gathered from the best sentences of each
source, each weighted by its sentence's score and its rank among that sentence's candidates, and the
one that the most sources support wins (then the highest weight). The answer is that name and one cited
sentence per source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rag.answering.evidence import Evidence
from rag.answering.qtypes import candidates, question_type
from rag.names import body_like, in_full
from rag.retrieval.constraints import outlet
from rag.text import terms

PER_SOURCE = 4  # best sentences per source searched for candidates
MIN_SHARE = 0.6  # evidence below this share of the best sentence's score is not used


@dataclass
class Consensus:
    name: str
    support: list[Evidence]  # one sentence per source that names it, best first
    sources: int  # how many sources name it


def _source(e: Evidence, by_article: bool) -> str:
    if by_article or not e.passage.publisher:
        return e.passage.article_id
    return outlet(e.passage.publisher)


CLUE_BREAK = re.compile(r",\s+|;\s+|\s+and\s+(?:is|was|has|had|also|then|now)\b"
                        r"|\s+(?:who|which|that)\s+(?:is|was|has|had|also)\b")
MAX_CLUE_CITATIONS = 5  # citations of an answer drawn from several clues


def several_clues(question: str) -> bool:
    """A question that strings several clues together ("Which company, covered by X, released Y and is
    now cutting Z?"): its answer is the name the clues' evidence shares, not the best sentence's."""
    return len(CLUE_BREAK.split(question)) >= 3 and len(question.split()) >= 20


def _overlap(want: set[str], e: Evidence) -> float:
    return len(want & set(terms(e.text))) / len(want)


# Words that say where or how something was reported, not what: "as reported by both The Verge and
# TechCrunch" is no clue to look for in the articles' text (its outlet names are dropped too).
REPORTING = frozenset(terms("report reported reports reporting according article articles covered coverage "
                            "discussed mentioned published source sources outlet outlets story stories news both"))
CLUE_PASSAGES = 3  # passages searched for a clue that the question's own evidence does not bear out
CLUE_SHARE = 1 / 3  # share of a clue's words a sentence must hold to bear it out


def outlet_terms(publishers: Iterable[str]) -> set[str]:
    """The terms of every stored outlet's name: never an answer's name, nor a clue's."""
    return {t for p in publishers for t in terms(outlet(p))}


def clue_terms(clue: str, name: str, outlets: set[str]) -> set[str]:
    """What a clue asks to be borne out: its content terms, without the answer's own name, outlet names
    and reporting words."""
    return set(terms(clue)) - set(terms(name)) - outlets - REPORTING


def per_clue(question: str, name: str, evidence: list[Evidence], cited: list[Evidence],
             outlets: set[str] = frozenset(),
             search: Callable[[str], list[Evidence]] | None = None) -> list[Evidence]:
    """For an answer drawn from several clues, the sentence that bears out each clue not yet covered by
    the cited ones: from an article that names the answer, sharing the most of the clue's words (at
    least a third), one per article. A reader sees where every part of the question was found.

    A clue none of the question's evidence bears out is looked for on its own when `search` is given
    (it returns the evidence for a query: here the answer's name and the clue, held to the outlets and
    dates the question names): one clue is often reported in another article than the rest."""
    name_terms = set(terms(name))

    def names_it(e: Evidence) -> bool:
        return bool(name_terms & set(terms(f"{e.passage.title} {e.passage.text}")))

    about_it = [e for e in evidence if names_it(e)]
    out: list[Evidence] = []
    for clue in CLUE_BREAK.split(question):
        want = clue_terms(clue, name, outlets)
        if len(want) < 3 or len(cited) + len(out) >= MAX_CLUE_CITATIONS:
            continue
        taken = {e.passage.article_id for e in cited + out}
        if any(_overlap(want, e) >= CLUE_SHARE for e in cited + out):
            continue  # a cited sentence already bears this clue out
        pick = _best_for(want, [e for e in about_it if e.passage.article_id not in taken])
        if pick is None and search is not None:
            pick = _best_for(want, [e for e in search(f"{name} {clue}")
                                    if e.passage.article_id not in taken and names_it(e)])
        if pick is not None:
            out.append(pick)
    return out


def _best_for(want: set[str], pool: list[Evidence]) -> Evidence | None:
    pick = max(pool, default=None, key=lambda e: (_overlap(want, e), e.score))
    return pick if pick is not None and _overlap(want, pick) >= CLUE_SHARE else None


def consensus(question: str, evidence: list[Evidence], publishers: Iterable[str] = (),
              named: list[list[str]] | None = None,
              article: Callable[[str], str] | None = None) -> Consensus | None:
    """The best-supported answer of the kind the question asks for (a person, place or named entity),
    or None when the question asks for something else or no candidate is found.

    `named` holds the outlets the question names (groups of stored publisher names); when it holds two
    or more, only their sentences count and each outlet is one source; otherwise each article is one.
    `publishers` (every stored name) keeps an outlet's own name from being the answer. `article` gives
    an article's whole stored text (rag.retrieval.local_index.LocalIndex.article_text): a story names
    "Sam Bankman-Fried" or "the Federal Reserve" once, often in a passage the question did not retrieve,
    and says "Bankman-Fried" or "the Fed" after; without it, the passages at hand are searched."""
    kind = question_type(question)
    if kind not in {"person", "place", "entity"} or not evidence:
        return None
    best = evidence[0].score
    by_article = len(named or []) < 2
    wanted = set() if by_article else {outlet(p) for group in named or [] for p in group}
    outlets = outlet_terms(publishers)
    by_source: dict[str, list[Evidence]] = {}
    for e in evidence:
        src = _source(e, by_article)
        if e.score < MIN_SHARE * best or (wanted and src not in wanted):
            continue
        if len(by_source.setdefault(src, [])) < PER_SOURCE:
            by_source[src].append(e)
    # Each article's passages at hand, where a lone surname finds the full name the story gave first.
    passages: dict[str, dict[str, None]] = {}
    for e in evidence:
        passages.setdefault(e.passage.article_id, {})[e.passage.text] = None
    article_text = {a: (article(a) if article else "") or " ".join(texts) for a, texts in passages.items()}
    at_hand = " ".join(dict.fromkeys(e.passage.text for e in evidence))
    weight: dict[str, float] = {}
    support: dict[str, dict[str, Evidence]] = {}
    label: dict[str, str] = {}
    for src, sentences in by_source.items():
        seen: set[str] = set()
        for e in sentences:
            found = candidates(kind, e.text, question, article_text[e.passage.article_id], at_hand)
            if kind == "person":  # "Who is the individual ...?" is not answered by "FTX" or "Alameda Research"
                found = [n for n in found if not body_like(n)]
            for rank, name in enumerate(found[:3]):
                key = " ".join(terms(name))
                if not key or key in seen or set(key.split()) <= outlets:
                    continue
                seen.add(key)
                weight[key] = weight.get(key, 0.0) + e.score / (1 + rank)
                support.setdefault(key, {}).setdefault(src, e)
                if len(name) > len(label.get(key, "")):
                    label[key] = name
    if not weight:
        return None
    _merge_partial_names(weight, support, label)
    key = max(weight, key=lambda k: (len(support[k]), weight[k]))
    backing = sorted(support[key].values(), key=lambda e: -e.score)
    whole = [article_text[a] for a in dict.fromkeys(e.passage.article_id for e in backing)]
    return Consensus(full_name(label[key], backing + evidence, whole), backing, len(backing))


def full_name(name: str, support: list[Evidence], articles: Iterable[str] = ()) -> str:
    """The name as its articles write it in full (rag.names.in_full) in the passages of `support`: the
    sentences that name it first; the other evidence passages, and the whole `articles` the answer is
    drawn from, may hold the first mention."""
    return in_full(name, [*(e.passage.text for e in support), *articles])


def _merge_partial_names(weight: dict[str, float], support: dict[str, dict[str, Evidence]],
                         label: dict[str, str]) -> None:
    """"Bankman-Fried" and "Sam Bankman-Fried" are one candidate: a name whose terms are all in a
    longer candidate's adds its weight and sources to it."""
    for short in sorted(weight, key=lambda k: len(k.split())):
        longer = [k for k in weight if k != short and set(short.split()) < set(k.split())]
        if not longer:
            continue
        target = max(longer, key=lambda k: weight[k])
        weight[target] += weight.pop(short)
        for src, e in support.pop(short).items():
            support[target].setdefault(src, e)
        label.pop(short, None)
