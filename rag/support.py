"""The citation support check. A sentence of an answer is supported by a cited evidence sentence when:

1. it adds something beyond the question (its content terms are not all words of the question,
   up to inflection: "warned" adds nothing to a question asking what was "warned");
2. every number and every name (capitalised word) in it occurs in the cited evidence (or the question);
3. what it adds is the evidence's: of its content terms that are not the question's own, at most a
   quarter may be missing from the cited evidence (a few reporting verbs are allowed), so a paraphrase
   passes but an invented claim fails. Counting only what the answer adds matters: "North Korea would
   receive a freeze-for-freeze deal" repeats the question's words and adds one, "receive", that the
   evidence never says; over all its words that would pass, over what it adds it fails;
   it must not repeat itself either ("The Verge reported that The Verge reported that ...");
4. for a full sentence (more than six words), its meaning is close to the evidence: cosine similarity
   of the two sentence embeddings >= 0.5 (a short phrase such as a name is judged by 1-3 alone);
5. for questions asking for a name, place, number or date, it contains the evidence's best candidate
   for that answer (rag.qtypes), so a name taken from the wrong part of the sentence is refused.

Content terms are lower-cased, lightly stemmed words without stopwords (rag.text.terms), with number
words turned into digits, so "twelve thousand" is not lost against "12,000" only by spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.qtypes import candidates, question_type
from rag.text import terms

ALLOWED = set(terms("reported report reports according stated mentioned article articles news evidence "
                    "answer yes also"))
MIN_SIMILARITY = 0.5
MAX_UNSUPPORTED = 0.25


@dataclass
class Verdict:
    ok: bool
    reason: str = ""


def names_and_numbers(sentence: str) -> set[str]:
    """Terms of the capitalised words (past the first word) and numbers of a sentence."""
    tokens = re.findall(r"[A-Za-z][\w'’-]*|\d[\d,.]*", sentence)
    picked = [t for i, t in enumerate(tokens) if t[0].isdigit() or (i > 0 and t[0].isupper())]
    return {term for t in picked for term in terms(t)}


def near(term: str, vocab: set[str]) -> bool:
    """`term` is in `vocab` up to an inflection the light stemmer keeps ("warned" ~ "warn")."""
    return term in vocab or (len(term) >= 4 and any(
        len(v) >= 4 and (term.startswith(v) or v.startswith(term)) for v in vocab))


def _repeats(sentence: str) -> bool:
    """A run of three words said twice: the small model's loops ("X reported that X reported that")."""
    w = re.findall(r"\w+", sentence.lower())
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return len(grams) != len(set(grams))


def check(sentence: str, evidence: str, question: str, similarity: float | None = None) -> Verdict:
    s_terms = set(terms(sentence))
    e_terms = set(terms(evidence))
    q_terms = set(terms(question))
    if all(near(t, q_terms) for t in s_terms - ALLOWED):
        return Verdict(False, "adds nothing beyond the question")
    missing_names = names_and_numbers(sentence) - e_terms - q_terms
    if missing_names:
        return Verdict(False, f"names or numbers not in the cited passage: {', '.join(sorted(missing_names))}")
    added = {t for t in s_terms - ALLOWED if not near(t, q_terms)}
    unsupported = added - e_terms
    if len(unsupported) > MAX_UNSUPPORTED * len(added):
        return Verdict(False, f"words not in the cited passage: {', '.join(sorted(unsupported))}")
    if _repeats(sentence):
        return Verdict(False, "repeats itself")
    if similarity is not None and len(sentence.split()) > 6 and similarity < MIN_SIMILARITY:
        return Verdict(False, f"meaning too far from the cited passage (cosine {similarity:.2f})")
    kind = question_type(question)
    expected = candidates(kind, evidence, question)
    if expected and not set(terms(expected[0])) <= s_terms:
        return Verdict(False, f"the cited passage answers '{expected[0]}', the sentence does not say so")
    return Verdict(True)
