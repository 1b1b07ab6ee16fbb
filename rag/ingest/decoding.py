"""Bytes to text: byte-order marks, UTF-8, cp1252 (also line by line, for files mixing the two), and
charset detection; what none of them reads cleanly is a `Rejected`."""

from __future__ import annotations

import codecs
import re

from rag.types import Rejected

# Byte-order marks, longest first: the UTF-32-LE mark begins with the UTF-16-LE one.
BOMS = [(codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")]
LEGACY = "cp1252"  # what Western news archives not in UTF-8 are written in (HTML5 reads "latin-1" as it too)
# UTF-8 sequences still read as UTF-8 inside a line that is not UTF-8 (see _utf8_then_legacy)
UTF8_SEQUENCE = re.compile(rb"\xc2[\xa0-\xbf]|[\xc3-\xc5][\x80-\xbf]"  # 2 bytes: U+00A0-U+017F only
                           rb"|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


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
