"""Read input files into raw documents: find files, decode bytes, extract HTML, split bulk JSON.

Every problem with one file becomes a `Rejected` with a one-line reason; callers report it and go on.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEXT_EXTENSIONS = {".txt", ".md", ".markdown", ".html", ".htm"}
BULK_EXTENSIONS = {".json", ".jsonl"}
SUPPORTED = TEXT_EXTENSIONS | BULK_EXTENSIONS
# Fields of a bulk record that map onto article metadata; everything else is kept as `extra`.
RECORD_FIELDS = {"title", "author", "source", "publisher", "published_at", "published", "date", "url", "body"}


# Byte-order marks, longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
BOMS = [(codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")]
LEGACY = "cp1252"  # what Western news archives not in UTF-8 are written in (HTML5 reads "latin-1" as it too)
# UTF-8 sequences still read as UTF-8 inside a line that is not UTF-8 (see _utf8_then_legacy)
UTF8_SEQUENCE = re.compile(rb"\xc2[\xa0-\xbf]|[\xc3-\xc5][\x80-\xbf]"  # 2 bytes: U+00A0-U+017F only
                           rb"|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class Rejected(Exception):
    """A file, folder or record that cannot be ingested, and why.

    `source` and `reason` are kept apart (str(exc) is "source: reason" for logs), because a source may
    itself contain ": " and must never be parsed back out of the message."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(source, reason)
        self.source = source
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclass
class RawDoc:
    source: str  # what the report shows: a path, or "corpus.json#17"
    source_path: str
    file: str
    fmt: str  # txt | md | html | record
    text: str
    fields: dict[str, Any] = field(default_factory=dict)  # metadata already known (HTML meta, JSON)
    warning: str = ""  # how the bytes were read, when that was a guess (see decode)


def discover(paths: list[Path]) -> Iterator[Path | Rejected]:
    """Regular files under the given paths, sorted. A missing path, an unsupported or special file
    (named pipe, socket, device) and a folder that cannot be listed each yield a Rejected."""
    for path in paths:
        try:
            folder = stat.S_ISDIR(path.stat().st_mode)
        except OSError:
            folder = False  # _check_file says why
        if folder:
            yield from _walk(path)
        else:
            yield _check_file(path)


def _walk(root: Path) -> Iterator[Path | Rejected]:
    # os.walk rather than rglob: rglob drops a folder it cannot list without a word.
    found: list[Path | Rejected] = []

    def unreadable(exc: OSError) -> None:
        found.append(Rejected(str(exc.filename), f"cannot read folder: {exc.strerror or exc}"))

    for folder, dirs, names in os.walk(root, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # .git, editor and OS folders
        found += [_check_file(Path(folder, n)) for n in names if not n.startswith(".")]  # swap files, .DS_Store
    yield from sorted(found, key=lambda item: Path(item.source) if isinstance(item, Rejected) else item)


def _check_file(path: Path) -> Path | Rejected:
    """The path if it is a regular file (or a symlink to one) of a supported type, else why not."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return Rejected(str(path), "broken symbolic link" if path.is_symlink() else "no such file or folder")
    except OSError as exc:
        return Rejected(str(path), f"cannot read: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        return Rejected(str(path), _not_regular(mode))
    if path.suffix.lower() not in SUPPORTED:
        return Rejected(str(path), f"unsupported file type '{path.suffix or '(none)'}' "
                                   "(use .txt, .md, .html, .json, .jsonl)")
    return path


def _not_regular(mode: int) -> str:
    # Reading a named pipe or a device blocks forever or never ends; only regular files are read.
    kinds = [(stat.S_ISFIFO, "named pipe"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
             (stat.S_ISBLK, "block device"), (stat.S_ISDIR, "folder")]
    kind = next((name for test, name in kinds if test(mode)), "special file")
    return f"not a regular file ({kind}); only regular files are read"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most max_bytes. The file is opened without blocking and checked
    on the open descriptor, so a file swapped for a named pipe after discover() cannot hang the ingest."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Rejected(str(path), _not_regular(info.st_mode))
        data = b"" if info.st_size > max_bytes else f.read(max_bytes + 1)  # it may grow after fstat
    size = max(info.st_size, len(data))
    if size > max_bytes:
        raise Rejected(str(path), f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit "
                                  "(NEWSDESK_MAX_FILE_MB)")
    return data


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Bytes to (text, warning). A byte-order mark decides (UTF-8/16/32); then UTF-8; then UTF-8 where
    it is UTF-8 and cp1252 for the rest (legacy files, and files mixing the two; see _utf8_then_legacy),
    if the detector finds that cp1252 reading clean; then charset detection over the whole file.
    What none of these reads cleanly is rejected. The warning says how the bytes were read whenever
    that was not plain UTF-8 or a BOM, so a guess never goes into the store unreported."""
    if not data.strip():
        raise Rejected(name, "empty file")
    text, warning = _decode_text(data, name)
    if not text.strip():
        raise Rejected(name, "empty file")
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 8192):
        raise Rejected(name, "binary file (mostly control characters), not text")
    return text, warning


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    for bom, codec, label in BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), ""
            except UnicodeDecodeError as exc:
                raise Rejected(name, f"invalid {label} after its byte-order mark (at byte {exc.start})") from None
    head = data[:8192]
    if b"\x00" in head:
        # Every other byte NUL: UTF-16 (or UTF-32) that lost its byte-order mark; say so, it is fixable.
        utf16 = max(head[0::2].count(0), head[1::2].count(0)) > 0.4 * len(head)
        raise Rejected(name, "binary file (contains NUL bytes), not text"
                       + ("; UTF-16 is read only with a byte-order mark" if utf16 else ""))
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    if UTF8_SEQUENCE.search(data) is None:  # no UTF-8 at all: one legacy file (the fast path, same result)
        if _reads_as_legacy(data):
            return data.decode(LEGACY), f"not UTF-8: read as {LEGACY}"
        lines = []
    else:
        lines = data.splitlines(keepends=True)
    read = [_utf8_then_legacy(line) for line in lines]  # (text, legacy bytes, any UTF-8 in it)
    if read and _reads_as_legacy(b"".join(legacy for _, legacy, _ in read)):
        text = "".join(t for t, _, _ in read)
        legacy_lines = [n for n, (_, legacy, _) in enumerate(read, 1) if legacy]
        if not any(utf8 for _, _, utf8 in read):
            return text, f"not UTF-8: read as {LEGACY}"
        shown = ", ".join(map(str, legacy_lines[:5])) + (", ..." if len(legacy_lines) > 5 else "")
        return text, (f"mixed encodings: {len(legacy_lines)} of {len(lines)} lines are not UTF-8 "
                      f"(line {shown}); their bytes that are not UTF-8 read as {LEGACY}")
    best = from_bytes(data).best()
    if best is None:
        raise Rejected(name, "not text: neither UTF-8 nor any encoding the charset detector knows")
    return str(best), f"not UTF-8: read as {best.encoding} (detected)"


def _utf8_then_legacy(line: bytes) -> tuple[str, bytes, bool]:
    """One line: (text, the bytes read as cp1252, whether it holds non-ASCII UTF-8). A line that is
    UTF-8 is UTF-8. In any other line, a UTF-8 sequence of 3-4 bytes, or of 2 bytes for U+00A0-U+017F
    (the accented letters and signs of Western text), is still read as UTF-8, and the other bytes as
    cp1252: that is how a UTF-8 text with pasted-in Latin-1 looks. Other 2-byte sequences stay cp1252,
    because there an uppercase accented letter before a quote mark forms one by accident ("É»")."""
    try:
        return line.decode("utf-8"), b"", not line.isascii()
    except UnicodeDecodeError:
        pass
    parts, legacy, pos = [], [], 0
    for m in UTF8_SEQUENCE.finditer(line):
        try:
            char = m.group().decode("utf-8")
        except UnicodeDecodeError:  # overlong form or surrogate: not UTF-8
            continue
        legacy.append(line[pos:m.start()])
        parts += [line[pos:m.start()].decode(LEGACY, "replace"), char]
        pos = m.end()
    legacy.append(line[pos:])
    parts.append(line[pos:].decode(LEGACY, "replace"))  # undefined bytes fail _reads_as_legacy
    return "".join(parts), b"".join(legacy), pos > 0


def _reads_as_legacy(data: bytes) -> bool:
    """Whether cp1252 reads these bytes as clean text: every byte defined, and no mess (mojibake,
    runs of accented capitals) by the detector's measure. Asked before open detection because the
    detector's free guess for short Western text is often wrong (cp775 for "Café ... Zürich")."""
    from charset_normalizer import from_bytes

    try:
        data.decode(LEGACY)
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d: not cp1252
        return False
    return from_bytes(data, cp_isolation=[LEGACY], preemptive_behaviour=False).best() is not None


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
