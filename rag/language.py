"""English the pipeline reads: month and weekday names, number words, and what a name or an acronym
looks like. The one home for these tables; each caller picks the part it has always used (see the
subsets below), because some results are frozen (BM25 terms are stored in a saved index)."""

from __future__ import annotations

from collections.abc import Iterable

# Each month's forms, full name first, then the abbreviations dates are written with ("Sept. 12").
# "may" has no abbreviation; "june"/"july" are their own short forms, "jun"/"jul" also occur.
_MONTH_FORMS = (
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec"),
)
MONTHS: dict[str, int] = {form: i for i, forms in enumerate(_MONTH_FORMS, start=1) for form in forms}
MONTH_NAMES = tuple(forms[0] for forms in _MONTH_FORMS)
MONTH_ABBREVIATIONS = tuple(form for forms in _MONTH_FORMS for form in forms[1:])
# The abbreviations news style (AP) writes with a period; March to July are always spelled out.
DOTTED_MONTHS = ("jan", "feb", "aug", "sep", "sept", "oct", "nov", "dec")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAY_ABBREVIATIONS = tuple(day[:3] for day in WEEKDAYS)


def longest_first(words: Iterable[str]) -> str:
    """A regex alternation that tries longer words first, so "june" is not read as "jun" + "e"."""
    return "|".join(sorted(words, key=len, reverse=True))


# Any month form, lower case: for patterns compiled with re.IGNORECASE (dates in metadata).
MONTH_PATTERN = longest_first(MONTHS)
# Months as running text writes them, case-sensitive: "May" is a month, "may" a verb; a dotted
# abbreviation only with its period ("Dec. 12", not "Dec 12" nor "Mar.").
TEXT_MONTH_PATTERN = "|".join([name.capitalize() for name in MONTH_NAMES]
                              + [rf"{form.capitalize()}\." for form in DOTTED_MONTHS])
WEEKDAY_PATTERN = "|".join(day.capitalize() for day in WEEKDAYS)


def month_number(word: str) -> int | None:
    """1-12 for a month's name or abbreviation in any case, with or without its period ("Sept." -> 9)."""
    return MONTHS.get(word.lower().rstrip("."))


def month_name(number: int, short: bool = False) -> str:
    """The month's name for display: "December", or "Dec" with `short`."""
    name = MONTH_NAMES[number - 1].capitalize()
    return name[:3] if short else name


def display_date(published: str) -> str:
    """ISO dates as stored; a partial "--12-12" says plainly that no year was stated."""
    if published.startswith("--"):
        month, day = published[2:].split("-")
        return f"{int(day)} {month_name(int(month), short=True)} (year not stated)"
    return published


ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TEENS = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
SCALES = {"dozen": 12, "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
NUMBER_WORDS: dict[str, int] = {
    **{word: i for i, word in enumerate(ONES + TEENS)},
    **{word: 10 * i for i, word in enumerate(TENS, start=2)},
    **SCALES,
}


def number_value(word: str) -> int | None:
    """The value of a number word in any case, tens compounds included ("twenty-one" -> 21); None
    for anything else ("twenty-ten", "21")."""
    word = word.lower()
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    tens, _, one = word.partition("-")
    if tens in TENS and one in ONES[1:]:
        return NUMBER_WORDS[tens] + NUMBER_WORDS[one]
    return None


def number_pattern(words: Iterable[str], compounds: bool = False) -> str:
    """A regex alternation of these number words; with `compounds`, the tens and their hyphenated
    forms ("forty", "forty-two") come first."""
    parts = list(words)
    if compounds:
        parts.insert(0, rf"(?:{'|'.join(TENS)})(?:-(?:{'|'.join(ONES[1:])}))?")
    return "|".join(parts)


def is_capitalised(word: str) -> bool:
    """Starts with a capital ("Guterres", "UPI", "Éric"); False for "" too."""
    return word[:1].isupper()


def is_acronym(word: str) -> bool:
    """Two or more letters, all capitals ("UPI", "FTX", "U.N."); a lone "A" or "I" is not one."""
    return len(word) > 1 and word.isupper()


def looks_like_name(word: str, index: int) -> bool:
    """A capitalised word that is not the first of its sentence (`index` counts the sentence's words):
    the first word is capitalised whatever it is."""
    return index > 0 and is_capitalised(word)

