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
   for that answer (rag.answering.qtypes), so a name taken from the wrong part of the sentence is refused;
6. for "Who <did something to> X?" ("Who replaced Mira Murati as interim CEO?"), a sentence that repeats
   the question's verb names as its doer someone the question does not: "The company will replace Mira
   Murati ..." (nobody) and "Mira Murati replaced ..." (the one asked about) swap the roles and fail.

Content terms are lower-cased, lightly stemmed words without stopwords (rag.text.terms), with number
words turned into digits, so "twelve thousand" is not lost against "12,000" only by spelling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answering.qtypes import candidates, question_type
from rag.language import is_capitalised, looks_like_name
from rag.text import STOPWORDS, near, terms

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
    picked = [t for i, t in enumerate(tokens) if t[0].isdigit() or looks_like_name(t, i)]
    return {term for t in picked for term in terms(t)}


def _repeats(sentence: str) -> bool:
    """A run of three words said twice: the small model's loops ("X reported that X reported that")."""
    w = re.findall(r"\w+", sentence.lower())
    grams = [tuple(w[i:i + 3]) for i in range(len(w) - 2)]
    return len(grams) != len(set(grams))


# "Who replaced X?", "Who has replaced X?": the question asks for the doer of its verb. Not "who is/was X"
# (a description is asked for) nor "who did X meet" (the question's subject is the doer).
WHO_DID = re.compile(r"^\s*who\s+(?:(?:has|have|had|will|would|could|can|might|may)\s+)?(?P<verb>[a-z]+)\b",
                     re.IGNORECASE)
NOT_ACTIONS = {"is", "was", "are", "were", "be", "been", "did", "does", "do", "am"}
PASSIVE = {"was", "were", "is", "are", "been", "being", "be", "got", "gets", "get"}


def _verb_root(verb: str) -> str:
    """"replaced" -> "replac", "succeeds" -> "succeed", "leading" -> "lead": a prefix its forms share."""
    root = re.sub(r"(?:ing|ed|es|s|d)$", "", verb.lower())
    return root if len(root) >= 3 else verb.lower()


def wrong_doer(sentence: str, question: str) -> str:
    """The verb of a "Who <verb> X?" question when the sentence uses it but names, as the one doing it,
    nobody the question does not already name; '' otherwise (also when the sentence does not use the verb:
    then nothing can be said)."""
    m = WHO_DID.match(question)
    if not m or m["verb"].lower() in NOT_ACTIONS | STOPWORDS:  # "who has the most votes", "who said"
        return ""
    root = _verb_root(m["verb"])
    tokens = list(re.finditer(r"[A-Za-z][\w'’-]*", sentence))
    at = next((i for i, t in enumerate(tokens) if t.group().lower().startswith(root)), None)
    if at is None:
        return ""
    before = [t.group() for t in tokens[:at]]
    if before and before[-1].lower() in PASSIVE and any(t.group().lower() == "by" for t in tokens[at + 1:]):
        by = next(i for i in range(at + 1, len(tokens)) if tokens[i].group().lower() == "by")
        doer = [t.group() for t in tokens[by + 1:]]  # "Murati was replaced by Emmett Shear"
    else:
        doer = before
    q_terms = set(terms(question))
    new_names = {t for w in doer if is_capitalised(w) and w.lower() not in STOPWORDS for t in terms(w)} - q_terms
    return "" if new_names else m["verb"].lower()


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
    verb = wrong_doer(sentence, question)
    if verb:
        return Verdict(False, f"does not say who {verb}: the sentence's doer is nobody new or the one asked about")
    if similarity is not None and len(sentence.split()) > 6 and similarity < MIN_SIMILARITY:
        return Verdict(False, f"meaning too far from the cited passage (cosine {similarity:.2f})")
    kind = question_type(question)
    expected = candidates(kind, evidence, question)
    if expected and not set(terms(expected[0])) <= s_terms:
        return Verdict(False, f"the cited passage answers '{expected[0]}', the sentence does not say so")
    return Verdict(True)
