"""A raw document -> a cleaned `Article`: text cleaned, metadata read, id given.

Ids of different origins never collide: a file's is "<stem>-<hash of its path>", a bulk record's is
"rec/<hash of its url>" and a fetched page's "web/<hash of its url>" (a file name cannot hold "/").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rag.ingest.chunking import content_hash
from rag.ingest.cleaning import clean_lines, markdown_to_text, normalize, to_paragraphs
from rag.ingest.injection import field_problem
from rag.ingest.loaders import RawDoc
from rag.ingest.metadata import parse_date, read_dateline, read_header
from rag.types import Article, Rejected


def parse(raw: RawDoc) -> Article:
    """Raw document -> cleaned Article. Metadata the container already gave (JSON fields, HTML meta)
    wins over what is read from the text."""
    text = normalize(raw.text)
    if raw.fmt == "md":
        text = markdown_to_text(text)
    known = raw.fields
    # Boilerplate goes first, so that an "Advertisement" line is never taken for the title.
    header, lines = read_header(clean_lines(text.split("\n")), want_title=not known.get("title"))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and known.get("title") and lines[first].strip().casefold() == known["title"].casefold():
        lines[first] = ""  # the page's own <h1> repeats the title we already have
    body = to_paragraphs(lines)
    if not body.strip():
        raise Rejected(raw.source, "no article text left after cleaning")
    dateline = read_dateline(body)
    published = parse_date(known.get("published", "")) or header.get("published") or dateline.get("published", "")
    fields, warnings = _checked_fields({
        "title": known.get("title") or header.get("title") or "",
        "publisher": known.get("publisher") or header.get("publisher") or dateline.get("publisher", ""),
        "author": known.get("author") or header.get("author", ""),
    })
    return Article(
        article_id=article_id(raw, body),
        text=body,
        title=fields["title"] or Path(raw.file).stem,
        publisher=fields["publisher"],
        author=fields["author"],
        published=published,
        file=raw.file,
        url=known.get("url", ""),
        source_path=raw.source_path,
        content_hash=content_hash(body),
        extra=dict(known.get("extra") or {}),
        warnings=warnings,
    )


def article_id(raw: RawDoc, body: str) -> str:
    """The id of a parsed document, from where it lives (see the module docstring)."""
    if raw.fmt == "record":
        return record_id(raw.fields.get("url", ""), content_hash(body))
    if raw.fmt == "web":
        return web_id(raw.source_path)
    return f"{Path(raw.file).stem}-{hashlib.sha256(raw.source_path.encode()).hexdigest()[:8]}"


def _checked_fields(fields: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The fields with the ones that are not what they claim emptied, and a warning for each: a
    publisher is a short name and a title a headline; a sentence or an instruction to an AI in one is
    dropped (it would be shown to the LLM and named in answers), and the ingest report says so."""
    warnings = []
    for name, value in fields.items():
        problem = field_problem(name, value)
        if problem:
            fields[name] = ""
            warnings.append(f"{problem}; dropped")
    return fields, warnings


def record_id(url: str, text_hash: str) -> str:
    """A bulk record's id: a hash of its url (of its text when it has none) under "rec/". A file
    article's id is "<file stem>-<8 hex>" and a file name cannot contain "/", so they never meet."""
    key = f"url:{url}" if url else f"text:{text_hash}"
    return "rec/" + hashlib.sha256(key.encode()).hexdigest()[:16]


def web_id(url: str) -> str:
    """A fetched page's id: a hash of the URL it was fetched from (rag.web.pages), under "web/"."""
    return "web/" + hashlib.sha256(f"url:{url}".encode()).hexdigest()[:16]
