"""Read input files into raw documents: find files, decode bytes, extract HTML, split bulk JSON.

Every problem with one file becomes a `Rejected` with a one-line reason; callers report it and go on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEXT_EXTENSIONS = {".txt", ".md", ".markdown", ".html", ".htm"}
BULK_EXTENSIONS = {".json", ".jsonl"}
SUPPORTED = TEXT_EXTENSIONS | BULK_EXTENSIONS
# Fields of a bulk record that map onto article metadata; everything else is kept as `extra`.
RECORD_FIELDS = {"title", "author", "source", "publisher", "published_at", "published", "date", "url", "body"}


class Rejected(Exception):
    """A file or record that cannot be ingested; str(exc) is the one-line reason."""


@dataclass
class RawDoc:
    source: str  # what the report shows: a path, or "corpus.json#17"
    source_path: str
    file: str
    fmt: str  # txt | md | html | record
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # metadata already known (HTML meta, JSON)


def discover(paths: list[Path]) -> Iterator[Path | Rejected]:
    """Files under the given paths, sorted; a missing path or unsupported file yields a Rejected."""
    for path in paths:
        if not path.exists():
            yield Rejected(f"{path}: no such file or folder")
        elif path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue  # editor swap files, .DS_Store, .git
                yield child if child.suffix.lower() in SUPPORTED else Rejected(_unsupported(child))
        elif path.suffix.lower() in SUPPORTED:
            yield path
        else:
            yield Rejected(_unsupported(path))


def _unsupported(path: Path) -> str:
    return f"{path}: unsupported file type '{path.suffix or '(none)'}' (use .txt, .md, .html, .json, .jsonl)"


def decode(data: bytes, name: str) -> str:
    """Bytes to text. UTF-8 first; cp1252 then Latin-1 for the legacy files news archives are full of."""
    if not data.strip():
        raise Rejected(f"{name}: empty file")
    head = data[:8192]
    if b"\x00" in head:
        raise Rejected(f"{name}: binary file (contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise Rejected(f"{name}: binary file (mostly control characters), not text")
    return text


def load(path: Path, max_bytes: int) -> list[RawDoc | Rejected]:
    """One file into raw documents (several for a bulk JSON file)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise Rejected(
            f"{path}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit (NEWSDESK_MAX_FILE_MB)"
        )
    text = decode(path.read_bytes(), str(path))
    ext = path.suffix.lower()
    base = {"source_path": str(path.resolve()), "file": path.name}
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
        raise Rejected(f"{name}: no article text found in the HTML")
    fields = {
        "title": doc.title or "",
        "author": doc.author or "",
        "publisher": doc.sitename or "",
        "published": doc.date or "",
        "url": doc.url or "",
    }
    return body, {k: v for k, v in fields.items() if v}


def _records(text: str, path: Path, base: dict[str, str]) -> Iterator[RawDoc | Rejected]:
    try:
        if path.suffix.lower() == ".jsonl":
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(items, dict):
        items = items.get("articles", [items])
    if not isinstance(items, list):
        raise Rejected(f"{path}: expected a list of article objects")
    for i, item in enumerate(items):
        source = f"{path}#{i}"
        if not isinstance(item, dict):
            yield Rejected(f"{source}: entry is not an object")
            continue
        body = item.get("body") or item.get("text") or item.get("content")
        if not isinstance(body, str) or not body.strip():
            yield Rejected(f"{source}: entry has no 'body' text")
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


def _str(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""
