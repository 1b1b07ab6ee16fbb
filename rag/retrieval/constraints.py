"""Question analysis: who published and when, read from the question itself.

"According to UPI, ...", "What did The Telegraph report about the drill?", "as reported by both The
Verge and TechCrunch", "in October 2023", "published after 8 December 2017", "last week": publishers become filters
(matched against the publishers actually in the store, case and article tolerant), time expressions
become a published-date range. Several publishers become one sub-query each, so every named source
gets its own evidence.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from rag.ingest.metadata import find_date, parse_date
from rag.language import MONTH_ABBREVIATIONS, MONTHS, NUMBER_WORDS, is_acronym, longest_first
from rag.names import person_like
from rag.retrieval.filters import Filters
from rag.storage.keys import publisher_key

_MONTH_NAMES = longest_first(m for m in MONTHS if len(m) > 3 or m == "may")  # full names, and "sept"
_SHORT = "|".join(MONTH_ABBREVIATIONS)
MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH_NAMES}|(?:{_SHORT})\.?)\s+(?:of\s+)?(?P<year>(?:19|20)\d\d)\b",
                        re.IGNORECASE)
MONTH_WORD = re.compile(rf"\b(?:{_MONTH_NAMES})\b", re.IGNORECASE)
YEAR = re.compile(r"\b(?:in|during|throughout|of)\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)
AFTER = re.compile(r"\b(?P<word>after|since|following|later than|from)\s+(?P<rest>.{4,40})", re.IGNORECASE)
BEFORE = re.compile(r"\b(?P<word>before|prior to|until|earlier than|by)\s+(?P<rest>.{4,40})", re.IGNORECASE)
# One rule for questions, the CLI's --after/--before and the UI's date boxes (dates are days, with no
# time of day): a named day is included on both sides ("after 8 December 2017" keeps articles of 8
# December: a report of that day cannot be ordered against an event of that day, and dropping it
# would hide the evidence); a named month or year is excluded by "after"/"before" ("after December
# 2017" starts on 1 January 2018, "before December 2017" ends on 30 November 2017) and included by
# "since/from/until/by" ("since October 2023" includes October).
INCLUSIVE = {"since", "from", "until", "by"}
DATE_FORMS = "YYYY-MM-DD, '8 December 2017', 'December 2017', YYYY-MM or YYYY"


def _outlet_name(name: str) -> str:
    """A stored publisher name without the section that feeds put after a separator
    ("The Independent - Sports", "Cnbc | World Business News Leader", "FOX News - Health")."""
    return re.split(r"\s+[|\u2013-]\s+|:\s", name)[0]


def outlet(name: str) -> str:
    """The outlet a stored publisher name belongs to (its key without the feed's section)."""
    return publisher_key(_outlet_name(name))


def aliases(name: str) -> set[str]:
    """Ways a question may name this publisher: the full name, its outlet, and for an acronym outlet
    ("BBC News") the acronym alone; a ".com" suffix dropped."""
    out = {publisher_key(name), outlet(name)}
    head = _outlet_name(name).split()
    if len(head) == 2 and is_acronym(head[0]) and head[1].lower() == "news":
        out.add(head[0].casefold())
    return {a.removesuffix(".com") for a in out if a}


def by_outlet(names: list[str]) -> list[list[str]]:
    """Stored publisher names grouped by outlet, in first-seen order (one group = one named source)."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(outlet(name), []).append(name)
    return list(groups.values())


def find_publishers(question: str, known: list[str]) -> list[str]:
    """Stored publisher names mentioned in the question, in the order they appear.

    "the guardian", "The Guardian's" and "Guardian" all match "The Guardian"; "CNBC" matches
    "Cnbc | World Business News Leader" and "The Independent" every "The Independent - <section>".
    A one-word name needs a capital letter in the question ("talkSPORT" counts), so "a fortune" is not
    Fortune and "time" is not Time.
    """
    by_alias: dict[str, list[str]] = {}
    for name in known:
        for alias in aliases(name):
            by_alias.setdefault(alias, []).append(name)
    found: list[tuple[int, list[str]]] = []
    taken: list[tuple[int, int]] = []
    for key in sorted(by_alias, key=len, reverse=True):  # longest first: "The New York Times"
        names = by_alias[key]
        if len(key) < 2:
            continue
        # A run-together name may be written apart ("CBSSports.com" as "CBS Sports").
        body = r"\s?".join(map(re.escape, key)) if " " not in key and len(key) >= 6 else re.escape(key)
        pattern = re.compile(rf"(?<![\w-])(?:the\s+)?{body}(?:['’]s?)?(?![\w-])", re.IGNORECASE)
        for m in pattern.finditer(question):
            word = m.group().split()[-1]
            led_by_the = m.group().lower().startswith("the ") and names[0].lower().startswith("the ")
            if " " not in key and not any(c.isupper() for c in word) and not led_by_the:
                continue
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # inside a longer name already matched ("Times" in "The New York Times")
            taken.append((m.start(), m.end()))
            found.append((m.start(), names))
            break
    out: list[str] = []
    for _, names in sorted(found, key=lambda f: f[0]):
        out += [n for n in names if n not in out]
    return out


def _month_range(year: int, month: int) -> tuple[str, str]:
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def _shift(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


def _edge(span: tuple[str, str], side: str, inclusive: bool) -> str:
    """The inclusive day bound that "after"/"before" (or, inclusive, "since"/"until") a month or year gives."""
    first, last = span
    if side == "after":
        return first if inclusive else _shift(last, 1)
    return last if inclusive else _shift(first, -1)


def date_bound(text: str, side: str, inclusive: bool = False) -> str:
    """The inclusive ISO day bound for "<side> <text>", where `text` is nothing but a date: a day
    (any form rag.ingest.metadata reads), a month ("December 2017", "2017-12") or a year ("2017"). Raises
    ValueError, with the forms that are read, for anything else ("tomorrow", "2017-13-45")."""
    value = " ".join(text.split())
    hit = find_date(value)
    if hit and hit[1] == (0, len(value)):
        return hit[0]
    if mm := MONTH_YEAR.fullmatch(value):
        return _edge(_month_range(int(mm["year"]), MONTHS[mm["month"].lower().rstrip(".")]), side, inclusive)
    if (ym := re.fullmatch(r"((?:19|20)\d\d)-(\d\d)", value)) and 1 <= int(ym[2]) <= 12:
        return _edge(_month_range(int(ym[1]), int(ym[2])), side, inclusive)
    if re.fullmatch(r"(?:19|20)\d\d", value):
        return _edge((f"{value}-01-01", f"{value}-12-31"), side, inclusive)
    if re.fullmatch(r"\d{4}-\d\d?-\d\d?", value):
        raise ValueError(f"{text!r} is not a real day")
    raise ValueError(f"cannot read {text!r} as a date; use {DATE_FORMS}")


def find_dates(question: str) -> tuple[str, str]:
    """(after, before) ISO dates from the question's time expressions; '' where none is stated."""
    after = before = ""
    for pattern, side in ((AFTER, "after"), (BEFORE, "before")):
        m = pattern.search(question)
        if m:
            rest = m.group("rest")
            day = parse_date(rest)
            inclusive = m["word"].lower() in INCLUSIVE
            span = None
            if not day and (mm := MONTH_YEAR.match(rest.strip())):
                span = _month_range(int(mm["year"]), MONTHS[mm["month"].lower().rstrip(".")])
            elif not day and (yy := re.match(r"\s*((?:19|20)\d\d)\b", rest)):
                span = (f"{yy.group(1)}-01-01", f"{yy.group(1)}-12-31")
            if span:
                day = _edge(span, side, inclusive)
            if day:
                if side == "after":
                    after = day
                else:
                    before = day
    # A multi-part question naming several months ("in December ..., after the outlet reported in
    # September ...") dates each part differently: one range for all would hide half the evidence.
    if not after and not before and len(MONTH_WORD.findall(question)) < 2:
        m = MONTH_YEAR.search(question)
        if m:
            after, before = _month_range(int(m["year"]), MONTHS[m["month"].lower().rstrip(".")])
        elif y := YEAR.search(question):
            after, before = f"{y['year']}-01-01", f"{y['year']}-12-31"
    return after, before


_SMALL = {word: NUMBER_WORDS[word] for word in ("two", "three", "four", "five", "six")}  # "the last three weeks"
RELATIVE = re.compile(
    rf"\b(?:(?:in\s+)?(?:the\s+)?(?:last|past|previous)\s+(?:(?P<n>\d+|{'|'.join(_SMALL)})\s+)?"
    r"(?P<unit>day|week|month|year)s?|(?P<this>this|current)\s+(?P<unit2>week|month|year)|(?P<word>yesterday|today))\b",
    re.IGNORECASE)
_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def find_relative(question: str, now: str) -> tuple[str, str]:
    """(after, before) for "last week", "in the past 3 months", "this year", "yesterday", counted back
    from `now`: the newest article date in the store, the archive's own today (a 2023 archive asked
    about "last week" means its last week, not the reader's)."""
    m = RELATIVE.search(question)
    if not m or not now:
        return "", ""
    if m["word"]:
        day = now if m["word"].lower() == "today" else _shift(now, -1)
        return day, day
    if m["this"]:
        unit, today = m["unit2"].lower(), date.fromisoformat(now)
        if unit == "year":
            return f"{today.year}-01-01", now
        if unit == "month":
            return f"{today.year:04d}-{today.month:02d}-01", now
        return _shift(now, -today.weekday()), now
    n = m["n"]
    count = int(n) if n and n.isdigit() else _SMALL.get((n or "").lower(), 1)
    return _shift(now, -count * _DAYS[m["unit"].lower()]), now


_SOURCE_NAME = r"['‘\"“]?((?:[A-Z][\w'’.&-]*|\|)(?:\s+(?:of\s+|&\s+|-\s+|\|\s+)?[A-Z][\w'’.&-]*)*)['’\"”]?"
_REPORT_NOUN = r"(?:article|report|piece|story|column|op-ed|editorial)s?"
# Where a question names the source of a report: "an article from X", "a X report", "reported by X".
SOURCE_MENTION = re.compile(
    rf"\b(?:an?|the|two|separate|another|one|recent)\s+(?:\w+\s+)?{_REPORT_NOUN}\s+(?:from|by|in|published by)"
    rf"\s+(?:the\s+)?{_SOURCE_NAME}"
    rf"|\b(?:an?|the|another|two|separate)\s+(?:the\s+)?{_SOURCE_NAME}\s+{_REPORT_NOUN}\b"
    rf"|\b(?:an?|the)\s+(?:\w+\s+)?(?:analysis|analyses|coverage|reporting|review)\s+(?:from|by)\s+(?:the\s+)?"
    rf"{_SOURCE_NAME}"
    rf"|\b(?:reported|published|written|covered)\s+(?:\w+\s+)?by\s+(?:the\s+)?{_SOURCE_NAME}")


def missing_sources(question: str, known_publishers: list[str]) -> list[str]:
    """Outlets the question names as the source of a report ("a Bloomberg article", "reported by The
    Wall Street Journal") that the store holds no article from: what they reported cannot be read here."""
    out = []
    for m in SOURCE_MENTION.finditer(question):
        if re.search(r"['’\"”]\s+\S+$", m.group()) and not re.search(r"['‘\"“]\w", m.group()):
            continue  # the end of a quoted title: "the 'NBA Rookie of the Year Odds' article"
        name = next(g for g in m.groups() if g is not None).strip(" '’")
        if re.search(r"\bby\s+(?:the\s+)?\S*$", m.group()[: m.group().rfind(name)]) and person_like(name):
            continue  # "the article by Jennie Oh" names its author
        if name.lower() in {"the", "a", "an"} or MONTH_WORD.match(name) or re.search(r"['’]s?$", name):
            continue  # "from November 18" is a date; "the Caesars Sportsbook's offer" a subject
        if not find_publishers(name, known_publishers) and name not in out:
            out.append(name)
    return out


def analyze(question: str, known_publishers: list[str], now: str = "") -> Filters:
    """The publishers and published-date range the question itself names."""
    after, before = find_dates(question)
    if not after and not before:
        after, before = find_relative(question, now)
    return Filters(find_publishers(question, known_publishers), after, before)
