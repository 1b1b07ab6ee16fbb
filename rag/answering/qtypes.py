"""What kind of answer a question asks for, and the spans of a sentence that could be that answer.

A 135M-parameter model swaps roles freely ("the UN political affairs chief is Ri Yong-ho" from a
sentence naming both men), and a bag-of-words check cannot see that. So for questions that ask for a
name, a place, a number or a date, the evidence sentence's own best candidate is found by proximity
to the question's words, and an LLM answer must contain it.
"""

from __future__ import annotations

import re

from rag.language import ONES, SCALES, TEXT_MONTH_PATTERN, WEEKDAY_PATTERN, number_pattern
from rag.names import (
    JOINERS,
    NAME_SPAN,
    NOT_NAMES,
    PARTICIPLE,
    TITLES,
    body_like,
    by_initials,
    in_full,
    long_form,
    person_like,
)
from rag.text import near, terms

# Number words a quantity answer is written with: compounds of the tens, one to twelve and the scales
# (the teens were never matched here; a span's text is the answer, so the set stays).
QUANTITY_WORDS = number_pattern((*ONES[1:], "ten", "eleven", "twelve", *SCALES), compounds=True)
MONTHS = TEXT_MONTH_PATTERN  # case-sensitive: "May" is a month, "may" is not
DAYS = rf"{WEEKDAY_PATTERN}|today|yesterday|tomorrow"
QUANTITY_SPAN = re.compile(rf"(?<![\w-])\d[\d,.]*(?:-\w+)?\b|\b(?:{QUANTITY_WORDS})\b", re.IGNORECASE)
DEMONYM = re.compile(r"[A-Z][a-z]+(?:an|ian|ese|ish|i|ch)")
TIME_SPAN = re.compile(
    rf"\b(?:(?:{MONTHS})\s+\d{{1,2}}(?:,?\s+\d{{4}})?(?:\s+(?:to|-|–)\s+(?:(?:{MONTHS})\s+)?\d{{1,2}})?"
    rf"|\d{{1,2}}\s+(?:{MONTHS})(?:\s+\d{{4}})?|(?:{DAYS})|(?:(?:early|late|mid-)\s*)?(?:{MONTHS})"
    rf"|\b(?:19|20)\d\d\b)"
)


# "What company ...", "what sports betting platform ...": a "what" question that asks for a named thing.
ENTITY_NOUNS = ("company|companies|organi[sz]ation|firm|business|brand|team|club|platform|app|service|website|"
                "network|agency|group|party|product|device|game|film|movie|show|book|album|event|league|"
                "tournament|person|individual|player|coach|artist|band|exchange|bank|retailer|startup|"
                "publication|outlet|newspaper|channel|country|city|state")


# "What was the name of the group ...", "... - what was it called?": the name is asked for wherever the
# question asks it (a reader often explains first and asks last).
ASKS_NAME = re.compile(r"\bwhat(?:\s+(?:is|was)|['’]s)\s+"
                       r"(?:the\s+name\b|(?:it|this|that|he|she|they|the\s+\w+)\s+called\b)", re.IGNORECASE)


def question_type(question: str) -> str:
    q = question.lower().strip()
    if re.match(r"(how (many|much|long|old|far|often)|what (number|percentage|share|amount))\b", q) or \
            re.match(r"for how (many|long)\b", q):
        return "quantity"
    if re.match(r"(when|what (date|day|year|month|time)|on what (date|day)|in what (year|month)"
                r"|which (day|date|year|month))\b", q):
        return "time"
    if re.match(r"(who|whom|whose)\b", q):
        return "person"
    if re.match(r"(where|in (which|what) (city|country|town|place|capital)|which (city|country|town|place))\b", q):
        return "place"
    if re.match(r"(which|(at|in|from|to|by|for|on) (which|what) \w+)\b", q) or ASKS_NAME.search(q) or \
            re.match(rf"what (?:\w+ ){{0,2}}(?:{ENTITY_NOUNS})\b", q):
        return "entity"
    return "other"


def candidates(kind: str, sentence: str, question: str, context: str = "", at_hand: str = "") -> list[str]:
    """Spans of the sentence that could answer a question of this kind, best first (nearest to the
    words the sentence shares with the question); [] for kinds without typed answers.

    `context` (the text of the sentence's article at hand) gives a lone word its full form: for a person,
    "Altman" in "since Altman catapulted ChatGPT" is the "Sam Altman" the story named first, and is then
    weighed as a person's name, which a lone capitalised word is not, and "SBF" the person whose initials
    it gives (rag.names.by_initials) rather than an acronym's body; for a body or place, "the Fed" of
    a story that first wrote "the Federal Reserve" is that (rag.names.in_full, long_form). Initials that
    their own article never spells out (a headline's "SBF trial") are looked up in `at_hand`, the other
    evidence of the question, when given."""
    q_terms = set(terms(question))
    if kind == "quantity":
        # A number counts only if it stands near a word of the question: "75 days" does not answer
        # "how many warheads".
        spans = [(m.start(), m.end()) for m in QUANTITY_SPAN.finditer(sentence)
                 if set(terms(_window(sentence, m.start(), m.end(), 4))) & q_terms]
    elif kind == "time":
        spans = [(m.start(), m.end()) for m in TIME_SPAN.finditer(sentence)]
    elif kind in {"person", "place", "entity"}:
        spans = [_trim(sentence, a, b, q_terms) for m in NAME_SPAN.finditer(sentence)
                 for a, b in _owner_and_owned(m.group(), m.start())]
        # A name has a capital letter: "GPT-4" and "iPhone" do, the "000-plus" of "$2,000-plus" does not.
        spans = [(a, b) for a, b in spans if re.search(r"[A-Z]", sentence[a:b])]
    else:
        return []
    # A span that only repeats the question, up to inflection ("Koreans" for a question on "North Korea"),
    # is not its answer.
    spans = [(a, b) for a, b in spans if b > a and not all(near(t, q_terms) for t in terms(sentence[a:b]))]
    anchors = [m.start() for m in re.finditer(r"[\w'’-]+", sentence) if set(terms(m.group())) & q_terms]
    scored = []
    for a, b in spans:
        text = sentence[a:b]
        if kind == "person":
            if re.search(r"\d", text):
                continue  # "20s", "Apple's Q4": a person's name holds no digits
            if context and len(text.split()) == 1:
                # before the demonym test: "Altman" ends like "American"; "SBF" is the story's Sam Bankman-Fried
                text = initials(text, context, at_hand) if text.isupper() else in_full(text, [context])
        elif kind in {"place", "entity"} and context and len(text.split()) == 1:
            text = long_form(text, [context])  # "the Fed" of a story that first said "the Federal Reserve"
        if kind in {"person", "place", "entity"} and (DEMONYM.fullmatch(text) or TIME_SPAN.fullmatch(text)
                                                      or re.fullmatch(rf"(?:{MONTHS})\s+\d{{1,2}}", text)):
            continue  # "American", "Thursday", "December 14": next to names, never the name asked for
        # Sum of inverse distances to the question's words found in the sentence: the answer to
        # "who is the UN political affairs chief" sits next to those words, not across the sentence.
        score = sum(1.0 / (1 + _words_between(sentence, min(a, x), max(b, x))) for x in anchors)
        if kind == "person":
            # People are named with two or more words; lone capitals, acronyms and names of bodies
            # ("International Monetary Fund", "Alameda Research") are rarely the person asked for.
            score *= 2 if person_like(text) else 0.5 if body_like(text) else 1
        scored.append((score, -a, text))
    return [text for *_, text in sorted(scored, reverse=True)]


def initials(acronym: str, context: str, at_hand: str) -> str:
    """The person the acronym's own article names by those initials, else the one the other evidence does."""
    found = by_initials(acronym, [context])
    return by_initials(acronym, [at_hand]) if found == acronym and at_hand else found


POSSESSIVE = re.compile(r"['’]s?\s+")


def _owner_and_owned(span: str, at: int) -> list[tuple[int, int]]:
    """A run of capitalised words split at its possessives: "Valve’s Steam Deck OLED" names two things,
    the company and its product, and either may be the answer asked for."""
    out, start = [], 0
    for m in POSSESSIVE.finditer(span):
        out.append((at + start, at + m.start()))
        start = m.end()
    out.append((at + start, at + len(span)))
    return out


def _window(sentence: str, a: int, b: int, n: int) -> str:
    before = sentence[:a].split()[-n:]
    after = sentence[b:].split()[:n]
    return " ".join(before + after)


def _words_between(sentence: str, a: int, b: int) -> int:
    return max(0, len(sentence[a:b].split()) - 1)


def _trim(sentence: str, a: int, b: int, q_terms: set[str]) -> tuple[int, int]:
    """Drop edge words that are not names ("The", "But", "Mr") or that the question already says
    ("United Nations Ja Song Nam" -> "Ja Song Nam"), and trailing possessives."""
    words = list(re.finditer(r"\S+", sentence[a:b]))

    def known(w: re.Match[str]) -> bool:
        word = w.group().lower().strip(".,")
        return word in NOT_NAMES or word in JOINERS or bool(re.fullmatch(QUANTITY_WORDS, word)) \
            or bool(terms(word)) and set(terms(word)) <= q_terms

    while words and known(words[0]):
        words.pop(0)
    # A sentence opening with a participle ("Using Caroline Ellison as a front", "Confirmed to TechCrunch")
    # capitalises a verb, not a name.
    if words and a + words[0].start() == len(sentence) - len(sentence.lstrip(" \"“‘'")) \
            and PARTICIPLE.fullmatch(words[0].group().strip(".,")):
        words.pop(0)
    while words and known(words[-1]):
        words.pop()
    if not words:
        return a, a
    start, end = a + words[0].start(), a + words[-1].end()
    text = sentence[start:end]
    text = re.sub(r"['’]s$", "", text).rstrip(".,;:")
    return start, start + len(text)


def fits(kind: str, text: str, question: str) -> bool:
    """Does the text contain something of the kind the question asks for?"""
    return kind == "other" or bool(candidates(kind, text, question))


def names_person(text: str, question: str) -> bool:
    """The text names a person the question does not: a full name, or a surname after a title ("Mr
    Ghosn"). "International Monetary Fund", "US" or a lone "Tate" do not."""
    return any(person_like(c) or re.search(rf"\b(?:{TITLES})\.?\s+{re.escape(c)}\b", text)
               for c in candidates("person", text, question))
