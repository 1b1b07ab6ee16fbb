"""Read one input file into raw documents: decode it, extract a web page's main text, split bulk JSON.

Every problem with one file becomes a `Rejected` with a one-line reason; callers report it and go on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.ingest.decoding import decode
from rag.ingest.discovery import BULK_EXTENSIONS, read_bytes
from rag.types import Rejected

# Fields of a bulk record that map onto article metadata; everything else is kept as `extra`.
RECORD_FIELDS = {"title", "author", "source", "publisher", "published_at", "published", "date", "url", "body"}


@dataclass
class RawDoc:
    source: str  # what the report shows: a path, or "corpus.json#17"
    source_path: str
    file: str
    fmt: str  # txt | md | html | record
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # metadata already known (HTML meta, JSON)
    warning: str = ""  # how the bytes were read, when that was a guess (see decode)


def load(path: Path, max_bytes: int) -> list[RawDoc | Rejected]:
    """One file into raw documents (several for a bulk JSON file)."""
    text, warning = decode(read_bytes(path, max_bytes), str(path))
    ext = path.suffix.lower()
    base = {"source_path": str(path.resolve()), "file": path.name, "warning": warning}
    if ext in BULK_EXTENSIONS:
        return list(_records(text, path, base))
    if ext in {".html", ".htm"}:
        body, fields = extract_html(text, str(path))
        return [RawDoc(source=str(path), fmt="html", text=body, fields=fields, **base)]
    fmt = "md" if ext in {".md", ".markdown"} else "txt"
    return [RawDoc(source=str(path), fmt=fmt, text=text, **base)]


def extract_html(html: str, name: str) -> tuple[str, dict[str, Any]]:
    """Main text and metadata of a web page, via trafilatura (boilerplate, scripts and menus dropped)."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, include_comments=False, include_tables=False, favor_precision=True, with_metadata=True
    )
    body = (doc.text if doc is not None else "") or ""
    if not body.strip():
        raise Rejected(name, "no article text found in the HTML")
    fields = {
        "title": doc.title or "",
        "author": doc.author or "",
        "publisher": doc.sitename or "",
        "published": doc.date or "",
        "url": doc.url or "",
    }
    return body, {k: v for k, v in fields.items() if v}


def _records(text: str, path: Path, base: dict[str, str]) -> Iterator[RawDoc | Rejected]:
    if path.suffix.lower() == ".jsonl":
        items = list(_json_lines(text, path))
    else:
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Rejected(str(path), f"invalid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(items, dict):
            items = items.get("articles", [items])
        if not isinstance(items, list):
            raise Rejected(str(path), "expected a list of article objects")
    for i, item in enumerate(items):
        source = f"{path}#{i}"
        if isinstance(item, Rejected):
            yield item
            continue
        if not isinstance(item, dict):
            yield Rejected(source, "entry is not an object")
            continue
        body = item.get("body") or item.get("text") or item.get("content")
        if not isinstance(body, str) or not body.strip():
            yield Rejected(source, "entry has no 'body' text")
            continue
        fields = {
            "title": _str(item.get("title")),
            "author": _str(item.get("author")),
            "publisher": _str(item.get("source") or item.get("publisher")),
            "published": _str(item.get("published_at") or item.get("published") or item.get("date")),
            "url": _str(item.get("url")),
            "extra": {k: v for k, v in item.items() if k not in RECORD_FIELDS and v is not None},
        }
        yield RawDoc(source=source, fmt="record", text=body, fields=fields, **base)


def _json_lines(text: str, path: Path) -> Iterator[Any]:
    """The records of a .jsonl file, one per non-blank line; a line that is not JSON becomes a Rejected
    named "file.jsonl:LINE" (1-based) and the other lines still count. Records keep their "#i", the
    index among non-blank lines, whether or not a line before them is bad."""
    for number, line in enumerate(text.split("\n"), 1):  # not splitlines(): JSON may hold a raw U+2028
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            yield Rejected(f"{path}:{number}", f"invalid JSON ({exc.msg} at column {exc.colno})")


def _str(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
