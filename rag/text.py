"""Word-level helpers shared by BM25, evidence scoring and the citation support check."""

from __future__ import annotations

import re
from functools import lru_cache

from rag.language import NUMBER_WORDS, ONES, TENS

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say according told tell tells did does do
    mr mrs ms""".split()
)
_WORD = re.compile(r"[\w][\w'’-]*\w|\w")
# Number words BM25 indexes as digits ("three" matches "3"). Frozen: a saved index holds these terms,
# so this set (one to twelve, twenty to sixty, hundred) changes only with a re-index.
_NUMBER_WORDS = {word: str(NUMBER_WORDS[word])
                 for word in (*ONES[1:], "ten", "eleven", "twelve", *TENS[:5], "hundred")}


_POSSESSIVE = re.compile(r"['’]s$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3})")


@lru_cache(maxsize=200_000)
def _term(word: str) -> str:
    """The term a lower-cased word token stands for ('' for a stopword): cached, words repeat a lot."""
    word = _NUMBER_WORDS.get(word, word)
    if word in STOPWORDS or not (len(word) > 1 or word.isdigit()):
        return ""
    return stem(word)


def stem(word: str) -> str:
    """A deliberately light stemmer: plurals and possessives only (names must stay matchable)."""
    word = _POSSESSIVE.sub("", word)
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens; numbers keep their digits ("12,000" -> "12000")."""
    text = _THOUSANDS.sub("", text)
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def terms(text: str) -> list[str]:
    """Content terms: stemmed words without stopwords; number words become digits."""
    return [t for t in map(_term, words(text)) if t]


def near(term: str, vocab: set[str]) -> bool:
    """`term` is in `vocab` up to an inflection the light stemmer keeps ("warned" ~ "warn")."""
    return term in vocab or (len(term) >= 4 and any(
        len(v) >= 4 and (term.startswith(v) or v.startswith(term)) for v in vocab))


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    """Word n-grams, for near-duplicate detection."""
    w = re.findall(r"\w+", text.lower())
    return {tuple(w[i : i + n]) for i in range(max(1, len(w) - n + 1))}


def containment(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    """Share of the smaller shingle set found in the other: 1.0 when one text contains the other."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0
