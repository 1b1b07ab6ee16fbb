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
from collections.abc import Iterable
from dataclasses import dataclass

from rag.answering.evidence import Evidence
from rag.answering.qtypes import PARTICIPLE, candidates, question_type
from rag.language import is_acronym
from rag.names import NOT_NAMES, body_like
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


def per_clue(question: str, name: str, evidence: list[Evidence], cited: list[Evidence]) -> list[Evidence]:
    """For an answer drawn from several clues, the sentence that bears out each clue not yet covered by
    the cited ones: from an article that names the answer, sharing the most of the clue's words (at
    least a third), one per article. A reader sees where every part of the question was found."""
    name_terms = set(terms(name))
    about_it = [e for e in evidence if name_terms & set(terms(f"{e.passage.title} {e.passage.text}"))]
    out: list[Evidence] = []
    for clue in CLUE_BREAK.split(question):
        want = set(terms(clue)) - name_terms
        if len(want) < 3 or len(cited) + len(out) >= MAX_CLUE_CITATIONS:
            continue
        taken = {e.passage.article_id for e in cited + out}
        if any(_overlap(want, e) >= 1 / 3 for e in cited + out):
            continue  # a cited sentence already bears this clue out
        pick = max((e for e in about_it if e.passage.article_id not in taken), default=None,
                   key=lambda e: (_overlap(want, e), e.score))
        if pick is not None and _overlap(want, pick) >= 1 / 3:
            out.append(pick)
    return out


def consensus(question: str, evidence: list[Evidence], publishers: Iterable[str] = (),
              named: list[list[str]] | None = None) -> Consensus | None:
    """The best-supported answer of the kind the question asks for (a person, place or named entity),
    or None when the question asks for something else or no candidate is found.

    `named` holds the outlets the question names (groups of stored publisher names); when it holds two
    or more, only their sentences count and each outlet is one source; otherwise each article is one.
    `publishers` (every stored name) keeps an outlet's own name from being the answer."""
    kind = question_type(question)
    if kind not in {"person", "place", "entity"} or not evidence:
        return None
    best = evidence[0].score
    by_article = len(named or []) < 2
    wanted = set() if by_article else {outlet(p) for group in named or [] for p in group}
    outlets = {t for p in publishers for t in terms(outlet(p))}
    by_source: dict[str, list[Evidence]] = {}
    for e in evidence:
        src = _source(e, by_article)
        if e.score < MIN_SHARE * best or (wanted and src not in wanted):
            continue
        if len(by_source.setdefault(src, [])) < PER_SOURCE:
            by_source[src].append(e)
    weight: dict[str, float] = {}
    support: dict[str, dict[str, Evidence]] = {}
    label: dict[str, str] = {}
    for src, sentences in by_source.items():
        seen: set[str] = set()
        for e in sentences:
            found = candidates(kind, e.text, question)
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
    return Consensus(full_name(label[key], backing + evidence), backing, len(backing))


def full_name(name: str, support: list[Evidence]) -> str:
    """The name as its articles write it in full: a story names "Sam Bankman-Fried" once and then says
    "Bankman-Fried". Of the forms in the passages that end with the name and add only capitalised words
    before it ("Sam", "Taylor"), the most frequent wins (then the longest); with none, the name stays.
    `support` holds the sentences that name it first; the other evidence passages may hold the first
    mention."""
    pattern = re.compile(rf"((?:[A-Z][\w'’.-]*\s+){{1,3}}){re.escape(name)}(?![\w-])")
    forms: dict[str, int] = {}
    for text in dict.fromkeys(e.passage.text for e in support):
        for m in pattern.finditer(text):
            head = m.group(1).split()
            while head and head[0].lower().strip(".") in NOT_NAMES:
                head.pop(0)  # "CEO Sam Bankman-Fried", "The ...": roles and sentence openers are not the name
            if head and not any(w.lower().strip(".") in NOT_NAMES or (w.endswith(".") and len(w) > 2)
                                or re.search(r"['’]s?$", w) or PARTICIPLE.fullmatch(w)
                                or is_acronym(w) for w in head):  # "FTX Sam ...": an acronym
                form = " ".join(head + [name])
                forms[form] = forms.get(form, 0) + 1
    if not forms:
        return name
    return max(forms, key=lambda f: (forms[f], len(f)))


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
