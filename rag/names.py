"""What a name looks like in English news text: the capitalised words that are not names, the words
that join a name's parts, and the words that make a capitalised run a body or a place rather than a
person. One home for the question analysis (rag.retrieval), the follow-up rewriter and the answer
checks (rag.answering), so they agree on what counts as a person's name."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rag.language import is_acronym, is_capitalised

# Capitalised words that start sentences or clauses without being names.
NOT_NAMES = {"the", "a", "an", "but", "and", "according", "on", "in", "at", "as", "it", "he", "she", "they",
             "we", "this", "that", "when", "while", "although", "meanwhile", "mr", "mrs", "ms", "photo",
             "president", "if", "after", "before", "despite", "since", "his", "her", "their", "our",
             "experts", "there", "for", "with", "by", "from", "to", "of",
             # titles and roles written before a name ("CEO Caroline Ellison", "Judge Lewis Kaplan")
             "ceo", "cfo", "cto", "coo", "judge", "chairman", "chairwoman", "chief", "founder", "co-founder",
             "cofounder", "former", "senator", "minister", "secretary", "dr", "prof", "sir", "coach", "gov",
             "governor", "director", "executive",
             # quantifiers that open a sentence ("Many, including ...", "Both sides ..."): never who is asked for
             "many", "some", "several", "most", "few", "all", "both", "others", "each", "every", "these", "those",
             # conjunctions, adverbs and auxiliaries that open a sentence or a question ("Whereas Google ...",
             # "Could Google ...", "Once Valve ..."), capitalised only by their place
             "whereas", "though", "once", "maybe", "perhaps", "then", "how", "why", "what", "where", "who",
             "is", "are", "was", "were", "could", "would", "should", "beyond", "other", "another", "so", "yet",
             "also", "even", "now", "here", "thus", "instead", "still", "just", "only", "unlike", "whether"}
JOINERS = ("of", "de", "al", "bin", "von", "van", "da", "der", "the")  # inside a name, never at its edge
_NAME = r"(?:[A-Z][\w'’.-]*|[A-Z]{2,}|\w*\d[\w-]*)"
_JOIN = rf"(?:\s+(?:{'|'.join(JOINERS)})\s+|\s+|-)"
NAME_SPAN = re.compile(rf"{_NAME}(?:{_JOIN}{_NAME})*")

# Words that make a capitalised run the name of a body, a place or a thing rather than of a person.
ORG_WORD = re.compile(
    r"\b(?:Inc|Corp|Corporation|Company|Co|Ltd|Plc|PLC|LLC|Group|Holdings|Partners|Capital|Research|Securities|"
    r"Exchange|Bank|Fund|Reserve|Trust|Association|Union|Party|Council|Commission|Committee|Ministry|Department|"
    r"Office|Agency|Authority|Institute|University|College|School|Court|Board|Foundation|Federation|League|Club|"
    r"Network|News|Times|Post|Journal|Press|Media|Studios?|Records|Games|Airlines?|Motors|Industries|"
    r"Technologies|Labs?|Systems|Services?|Government|Parliament|Congress|Senate|Assembly|Police|Army|Forces|"
    r"Republic|Kingdom|States|Nations|Street|Road|Square|Park|City|County|Province|Islands?|Airport|Stadium|"
    r"Hall|House|Centre|Center|Hospital|Museum|Tour|Series|Cup|Championship|Awards?|Festival|Act|Day|Week)\b")


TITLES = "Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Judge|Rev|Senator|Sen|Rep|Gov|President|Minister"
PLACE_HEAD = re.compile(r"(?:North|South|East|West|Northern|Southern|Eastern|Western|Central|United|New|Saint|St\.?|"
                         r"San|Santa|Los|Las|Upper|Lower|Greater)\s")


def person_like(name: str) -> bool:
    """Two to four capitalised words, none an acronym or a word that names a body or place."""
    parts = name.split()
    return 2 <= len(parts) <= 4 and all(is_capitalised(p) and not p.isupper() for p in parts) \
        and not ORG_WORD.search(name) and not PLACE_HEAD.match(name)


def body_like(name: str) -> bool:
    """An acronym, a body or a place ("FTX", "Alameda Research", "North Korea"): not a person's name."""
    return bool(ORG_WORD.search(name)) or name.isupper() or bool(PLACE_HEAD.match(name))


PARTICIPLE = re.compile(r"[A-Z][a-z]+(?:ing|ed)")  # "Using", "Loading", "Confirmed": a verb, capitalised


def in_full(name: str, texts: Iterable[str]) -> str:
    """The name as the texts write it in full: a story names "Sam Bankman-Fried" once and then says
    "Bankman-Fried". Only a one-word name is completed, by the one or two capitalised words right before
    it on the same line; of those forms the most frequent wins (then the longest); with none, the name
    stays. The form stops at a role or sentence opener ("CEO", "The"), an acronym, a possessive, a
    capitalised verb, and at a word the texts also write in lower case: "Other Google", "Whereas Google"
    and "Singer Taylor Swift" capitalise an ordinary word by its place, while "Sam" or "Taylor" is a
    name wherever it stands. "OpenAI CEO Sam Altman" writes "Sam Altman" in full."""
    if len(name.split()) != 1:
        return name  # "Sam Altman", "Steam Deck OLED": already a whole name
    texts = list(dict.fromkeys(texts))
    pattern = re.compile(rf"((?:[A-Z][\w'’.-]*[^\S\n]+){{1,2}}){re.escape(name)}(?![\w-])")
    lower: set[str] | None = None  # the words the texts write in lower case, gathered once if needed
    forms: Counter[str] = Counter()
    for text in texts:
        for m in pattern.finditer(text):
            if lower is None:
                lower = {w for t in texts for w in re.findall(r"\b[a-z][\w'’-]*", t)}
            head: list[str] = []
            for w in reversed(m.group(1).split()):  # the capitalised words right before the name
                if w.lower().strip(".") in NOT_NAMES or (w.endswith(".") and len(w) > 2) \
                        or re.search(r"['’]s?$", w) or PARTICIPLE.fullmatch(w) or is_acronym(w) \
                        or w.lower() in lower:
                    break  # that is not part of it ("OpenAI CEO Sam Altman", "Using Caroline Ellison")
                head.insert(0, w)
            if head:
                forms[" ".join(head + [name])] += 1
    return most_written(forms, name)


def most_written(forms: Counter[str], default: str) -> str:
    """The form the texts write most often (then the longest), or `default` when they give none."""
    return max(forms, key=lambda f: (forms[f], len(f))) if forms else default


def long_form(word: str, texts: Iterable[str]) -> str:
    """The name a clipped word stands for in the texts: "Fed" for the "Federal Reserve" its story named
    first. The long form starts with a word the short one begins (and is longer than), runs on with
    capitalised words, and has two words or more; the most frequent wins. With none, the word stays."""
    if len(word) < 3 or not is_capitalised(word) or word.isupper():
        return word
    pattern = re.compile(rf"\b{re.escape(word)}[a-z]+(?:\s+[A-Z][\w'’-]*)+")
    forms: Counter[str] = Counter()
    for text in dict.fromkeys(texts):
        for m in pattern.finditer(text):
            form = re.sub(r"['’]s$", "", m.group())
            if len(form.split()) >= 2:
                forms[form] += 1
    return most_written(forms, word)


PERSON_RUN = re.compile(r"\b[A-Z][a-z][\w'’]*(?:[\s-]+(?:(?:bin|al|de|von|van|da)\s+)?[A-Z][a-z][\w'’]*){1,3}")


def by_initials(acronym: str, texts: Iterable[str]) -> str:
    """The person an all-capitals word stands for by initials in the texts: "SBF" in a story that names
    "Sam Bankman-Fried" (a hyphenated surname gives one initial per part; a joiner such as "bin" one or
    none: "MBS" for "Mohammed bin Salman").
    Three letters or more, one per name part, and the name must be a person's (rag.names.person_like,
    a hyphen read as a space): "FTX" or "CEO" stay as they are. The most frequent such name wins; with
    none, the word stays."""
    if len(acronym) < 3 or not acronym.isalpha() or not acronym.isupper():
        return acronym
    forms: Counter[str] = Counter()
    for text in dict.fromkeys(texts):
        for m in PERSON_RUN.finditer(text):
            name = re.sub(r"['’]s$", "", m.group())
            words = re.split(r"[\s-]+", name)
            while words and words[0].lower() in NOT_NAMES:  # "But Sam Bankman-Fried": the opener is no part
                words.pop(0)
            parts = [p for p in words if p not in JOINERS]
            initials = {"".join(p[0] for p in parts).upper(), "".join(p[0] for p in words).upper()}
            if parts and acronym in initials and person_like(" ".join(parts)):
                forms[name[name.index(words[0]):]] += 1
    return most_written(forms, acronym)
