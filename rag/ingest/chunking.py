"""Sentence splitting and sentence-aware chunking, all in character offsets of the cleaned text.

Offsets are the contract: for every chunk and sentence, text[start:end] is exactly its text, so a
citation can highlight the span it came from.
"""

from __future__ import annotations

import hashlib
import re

from rag.language import MONTH_ABBREVIATIONS, WEEKDAY_ABBREVIATIONS
from rag.types import Chunk

# Words that end with a period without ending a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "col", "lt", "capt", "cmdr", "sgt", "sen",
    "rep", "gov", "pres", "rev", "hon", "no", "nos", "vs", "etc", "inc", "ltd", "co", "corp", "dept",
    "univ", "approx", "est", "fig", "e.g", "i.e", "u.s", "u.k", "u.n", "a.m", "p.m", "d.c", "ft", "mt", "ave",
    "blvd", *MONTH_ABBREVIATIONS, *WEEKDAY_ABBREVIATIONS,
}
# Candidate sentence ends: terminal punctuation, optional closing quotes/brackets, then whitespace.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9]")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences in text[start:end]; newlines always end a sentence."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        base = start + line.start()
        s = line.group()
        cursor = 0
        for m in _END.finditer(s):
            if not _NEXT_START.match(s, m.end()) or _is_abbreviation(s, m.start(), m.group()):
                continue
            spans.append((base + cursor, base + m.end()))
            cursor = m.end()
            while cursor < len(s) and s[cursor].isspace():
                cursor += 1
        if s[cursor:].strip():
            spans.append((base + cursor, base + len(s.rstrip())))
    return [(a + _lead(text, a, b), b) for a, b in spans if text[a:b].strip()]


def _lead(text: str, a: int, b: int) -> int:
    return len(text[a:b]) - len(text[a:b].lstrip())


def _is_abbreviation(s: str, dot: int, punct: str) -> bool:
    if punct != ".":
        return False
    word = re.search(r"([\w.]+)$", s[:dot])
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    # Single initials ("J. Smith") and known abbreviations ("Mr.", "U.S.") do not end sentences.
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def chunk_article(article_id: str, text: str, max_chars: int, overlap: int) -> list[Chunk]:
    """Whole sentences packed up to `max_chars`, each chunk repeating the last `overlap` sentences of
    the one before. A single sentence longer than max_chars is cut at word boundaries."""
    sentences = [piece for span in split_sentences(text) for piece in _cut_long(text, span, max_chars)]
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - sentences[i][0] <= max_chars:
            j += 1
        start, end = sentences[i][0], sentences[j][1]
        chunks.append(Chunk(chunk_id(article_id, start, end), article_id, len(chunks), start, end, text[start:end]))
        if j + 1 >= len(sentences):
            break
        # Repeat the last `overlap` sentences, unless the next chunk could then not reach a new sentence
        # (it would be a copy of part of this one).
        nxt = max(i + 1, j + 1 - overlap)
        i = nxt if sentences[j + 1][1] - sentences[nxt][0] <= max_chars else j + 1
    return chunks


def _cut_long(text: str, span: tuple[int, int], max_chars: int) -> list[tuple[int, int]]:
    start, end = span
    pieces = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut + 1 if text[cut:cut + 1] == " " else cut
    pieces.append((start, end))
    return pieces


def chunk_id(article_id: str, start: int, end: int) -> str:
    """Stable id: the same article text always yields the same chunk ids, so ingest is an upsert."""
    return f"{article_id}:{start}-{end}"


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
