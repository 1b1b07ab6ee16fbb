"""Article metadata from the text itself: title, publisher, author, publication date.

News files state these in a few recurring forms: a header line "The Telegraph, 08 December 2017", a
bare date "- 08.12.2017", a byline "By Jennie Oh", a wire dateline "SEOUL, Dec. 12 (UPI) --". A date
with no year stays partial ("--12-12", ISO 8601 month-day): a year is never invented.
"""

from __future__ import annotations

import re
from datetime import date

from rag.language import MONTH_PATTERN, MONTHS

_MONTH = rf"(?P<month>{MONTH_PATTERN})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
DATE_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<mnum>[01]\d)-(?P<day>[0-3]\d)(?!\d)"),  # 2017-12-08, 2023-10-01T12:00:00
    re.compile(rf"\b(?P<day>[0-3]?\d)\.(?P<mnum>[01]?\d)\.{_YEAR}\b"),  # 08.12.2017: day first (Europe)
    re.compile(rf"\b(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})/{_YEAR}\b"),  # 12/08/2017: month first unless impossible
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),  # 08 December 2017
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),  # December 8, 2017 / Dec. 8 2017
]
# Wire dateline: "SEOUL, South Korea, Dec. 12 (UPI) --"
DATELINE = re.compile(
    rf"^(?P<place>[A-Z][A-Za-z .'-]*(?:,\s*[A-Z][A-Za-z .'-]*)*,\s*)?"
    rf"(?:{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\s*)?"
    r"\((?P<agency>UPI|AP|AFP|Reuters|Xinhua|Yonhap|dpa|PA|CNN|Bloomberg|IANS|PTI|ANI)\)\s*(?:--|—|–|-)",
    re.IGNORECASE,
)
AGENCIES = {"AP": "Associated Press", "PA": "PA Media", "dpa": "dpa"}
BYLINE = re.compile(r"^(?:by|written by)\s+(?P<name>[A-Z][\w.'’-]*(?:\s+(?:and\s+)?[A-Z][\w.'’-]*){0,5})"
                    r"(?:\s*[,|–—-]\s*(?P<rest>.+))?$", re.IGNORECASE)
PUBLISHER_LINE = re.compile(r"^(?P<pub>[A-Z][\w&'’. -]{1,60}?),\s+(?P<date>.+)$")


def _valid(year: int | None, month: int, day: int) -> bool:
    try:
        date(year or 2000, month, day)  # 2000 is a leap year, so 29 February passes without a year
    except ValueError:
        return False
    return True


def _iso(year: int | None, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}" if year else f"--{month:02d}-{day:02d}"


def find_date(text: str) -> tuple[str, tuple[int, int]] | None:
    """The earliest full date stated in `text`, as ISO, with its span."""
    found = []
    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            g = m.groupdict()
            year = int(g["year"])
            if g.get("a"):
                month, day = int(g["a"]), int(g["b"])
                if month > 12:
                    month, day = day, month
            else:
                month = int(g["mnum"]) if g.get("mnum") else MONTHS[g["month"].lower()]
                day = int(g["day"])
            if _valid(year, month, day):
                found.append((m.start(), _iso(year, month, day), m.span()))
                break
    if not found:
        return None
    _, iso, span = min(found)
    return iso, span


def parse_date(value: str) -> str:
    """A stated date (JSON field, HTML meta, header) as ISO, '' when none can be read."""
    hit = find_date(value)
    return hit[0] if hit else ""


def is_date_only(line: str) -> bool:
    """A line that says nothing but a date ("- 08.12.2017", "Updated: 8 Dec 2017")."""
    hit = find_date(line)
    if not hit:
        return False
    rest = line[: hit[1][0]] + line[hit[1][1]:]
    return not re.sub(r"(?i)\b(published|updated|posted|on|at|\d{1,2}:\d\d\s*(am|pm|gmt|utc|bst|et)?)\b", "",
                      rest).strip(" -–—|•·:,.")


def read_header(lines: list[str], want_title: bool) -> tuple[dict[str, str], list[str]]:
    """Metadata stated in the first lines; returns it and the lines left for the body (the title line
    and bare date lines are removed; publisher lines and bylines stay, as citable text).

    Looks at the first few non-empty lines only: a date deep in the story is not the publication date.
    """
    meta: dict[str, str] = {}
    body = list(lines)
    seen = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > 6:
            break
        text = line.strip()
        if want_title and "title" not in meta and seen == 1 and len(text) < 250 and not is_date_only(text):
            meta["title"] = text
            body[i] = ""
        elif is_date_only(text):
            meta.setdefault("published", parse_date(text))
            body[i] = ""
        elif (m := PUBLISHER_LINE.match(text)) and is_date_only(m["date"]):
            # Kept in the body (unlike a bare date): it is the citable answer to "who published it, when".
            meta.setdefault("publisher", m["pub"].strip())
            meta.setdefault("published", parse_date(m["date"]))
        elif (m := BYLINE.match(text)) and len(text) < 120:
            meta.setdefault("author", m["name"].strip())
    if "title" in meta and not any(line.strip() for line in body):
        return {k: v for k, v in meta.items() if k != "title"}, list(lines)  # a one-line article is all body
    return meta, body


def read_dateline(text: str) -> dict[str, str]:
    """Publisher (the wire agency) and date from a dateline at the start of any paragraph."""
    for paragraph in text.split("\n"):
        m = DATELINE.match(paragraph.strip())
        if not m:
            continue
        meta = {"publisher": AGENCIES.get(m["agency"], m["agency"])}
        if m["month"] and m["day"]:
            year = int(m["year"]) if m["year"] else None
            month, day = MONTHS[m["month"].lower()], int(m["day"])
            if _valid(year, month, day):
                meta["published"] = _iso(year, month, day)
        return meta
    return {}
