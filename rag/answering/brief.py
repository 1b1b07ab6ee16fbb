"""Overview answers: "What did The Telegraph report about the talks?", "What happened with ...?".

A short brief of 2-4 cited sentences, picked from the evidence best first:
- each must be about the subject (score >= RELEVANT of the best sentence's);
- distinct facts only: a sentence that repeats one already picked (wire copies, near-duplicates:
  most of its word 5-grams or content terms already said) is skipped;
- in chronological order when the sources differ in date (then by position in the article), so the
  brief reads as the story unfolded.
"""

from __future__ import annotations

from rag.answering.evidence import Evidence
from rag.storage.keys import date_key
from rag.text import containment, shingles, terms

RELEVANT = 0.75  # share of the best sentence's score a brief sentence needs
MAX_FACTS = 4
SAME_TERMS = 0.7  # content-term overlap (of the shorter sentence) at which two sentences say the same


def repeats(text: str, picked: list[Evidence]) -> bool:
    """`text` says what one of the picked sentences already says."""
    mine = set(terms(text))
    for e in picked:
        if containment(shingles(text), shingles(e.text)) >= 0.5:
            return True
        theirs = set(terms(e.text))
        if mine and theirs and len(mine & theirs) >= SAME_TERMS * min(len(mine), len(theirs)):
            return True
    return False


def facts(evidence: list[Evidence], n: int = MAX_FACTS) -> list[Evidence]:
    """Up to n distinct, relevant evidence sentences, in the order a reader should get them."""
    if not evidence:
        return []
    best = evidence[0].score
    picked: list[Evidence] = []
    for e in evidence:
        if len(picked) >= n or e.score < RELEVANT * best:
            break
        if len(e.text.split()) < 5 or repeats(e.text, picked):
            continue
        picked.append(e)
    return chronological(picked)


def chronological(picked: list[Evidence]) -> list[Evidence]:
    """By publication date when the sources differ in date (undated last), then article position."""
    dates = {e.passage.published for e in picked if e.passage.published}
    if len(dates) < 2:
        return picked
    return sorted(picked, key=lambda e: (date_key(e.passage.published[:10]) % 10**9 if e.passage.published else 10**9,
                                         e.passage.article_id, e.start))
