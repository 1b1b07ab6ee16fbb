"""Question analysis: who published and when, read from the question itself.

"According to UPI, ...", "What did The Telegraph report about the drill?", "as reported by both The
Verge and TechCrunch", "in October 2023", "published after 8 December 2017": publishers become filters
(matched against the publishers actually in the store, case and article tolerant), time expressions
become a published-date range. Several publishers become one sub-query each, so every named source
gets its own evidence.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from rag.metadata import MONTHS, parse_date
from rag.store import publisher_key

_MONTH_NAMES = "|".join(sorted((m for m in MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True))
_SHORT = "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
MONTH_YEAR = re.compile(rf"\b(?P<month>{_MONTH_NAMES}|(?:{_SHORT})\.?)\s+(?:of\s+)?(?P<year>(?:19|20)\d\d)\b",
                        re.IGNORECASE)
YEAR = re.compile(r"\b(?:in|during|throughout|of)\s+(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)
AFTER = re.compile(r"\b(?P<word>after|since|following|later than|from)\s+(?P<rest>.{4,40})", re.IGNORECASE)
BEFORE = re.compile(r"\b(?P<word>before|prior to|until|earlier than|by)\s+(?P<rest>.{4,40})", re.IGNORECASE)
# "since October 2023" includes October; "after October 2023" starts when it is over.
INCLUSIVE = {"since", "from", "until", "by"}


@dataclass
class Constraints:
    publishers: list[str] = field(default_factory=list)  # display names, as stored
    after: str = ""  # ISO date, inclusive
    before: str = ""  # ISO date, inclusive

    def as_dict(self) -> dict[str, object]:
        return {"publishers": self.publishers, "after": self.after or None, "before": self.before or None}

    def __bool__(self) -> bool:
        return bool(self.publishers or self.after or self.before)


def find_publishers(question: str, known: list[str]) -> list[str]:
    """Stored publisher names mentioned in the question, in the order they appear.

    "the guardian", "The Guardian's" and "Guardian" all match "The Guardian". A one-word name must be
    capitalised in the question, so "a fortune" is not Fortune and "time" is not Time.
    """
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(known, key=lambda n: -len(publisher_key(n))):  # longest first: "The New York Times"
        key = publisher_key(name)
        if len(key) < 2:
            continue
        pattern = re.compile(rf"(?<![\w-])(?:the\s+)?{re.escape(key)}(?:['’]s?)?(?![\w-])", re.IGNORECASE)
        for m in pattern.finditer(question):
            word = m.group().split()[-1]
            led_by_the = m.group().lower().startswith("the ") and name.lower().startswith("the ")
            if " " not in key and not word[:1].isupper() and not led_by_the:
                continue
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue  # inside a longer name already matched ("Times" in "The New York Times")
            taken.append((m.start(), m.end()))
            found.append((m.start(), name))
            break
    return [name for _, name in sorted(found)]


def _month_range(year: int, month: int) -> tuple[str, str]:
    last = calendar.monthrange(year, month)[1]
    return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"


def _shift(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


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
                first, last = span
                if side == "after":
                    day = first if inclusive else _shift(last, 1)
                else:
                    day = last if inclusive else _shift(first, -1)
            if day:
                if side == "after":
                    after = day
                else:
                    before = day
    if not after and not before:
        m = MONTH_YEAR.search(question)
        if m:
            after, before = _month_range(int(m["year"]), MONTHS[m["month"].lower().rstrip(".")])
        elif y := YEAR.search(question):
            after, before = f"{y['year']}-01-01", f"{y['year']}-12-31"
    return after, before


def analyze(question: str, known_publishers: list[str]) -> Constraints:
    after, before = find_dates(question)
    return Constraints(find_publishers(question, known_publishers), after, before)
