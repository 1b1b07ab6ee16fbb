"""Turn raw article text into clean paragraphs: strip news boilerplate, repeated captions, markup.

Works line by line, because news boilerplate ("Advertisement", "License Photo") sits on lines of its own.
"""

from __future__ import annotations

import re
import unicodedata

# Whole lines that are page furniture, not reporting.
BOILERPLATE = re.compile(
    r"^(advertisements?|ad|skip advertisement|license photo|story continues below( advertisement)?"
    r"|continue reading( the main story)?|share this (article|story|page)|share|tweet|email|print"
    r"|click to expand|read more:?|related( articles| stories| coverage)?:?|most read|trending( now)?"
    r"|sign up for (our|the) .*newsletter.*|subscribe( now)?|image copyright.*|getty images|"
    r"\(?photo:?\)?)$",
    re.IGNORECASE,
)
# Short lines after which the rest of the page is lists of other stories ("More from the US v Google
# trial: ..." opening a real story is not one: only short lines after some text count).
TRAILERS = re.compile(r"^(latest headlines|more from( \w+){1,3}|recommended stories|you may also like|"
                      r"related (stories|articles))$", re.IGNORECASE)
# A source line with nothing after it (Turkish/English CMS template: "Kaynak/Source:").
SOURCE_STUB = re.compile(r"^kaynak\s*/\s*source\s*:", re.IGNORECASE)
# Suffixes pasted onto captions by photo agencies.
CAPTION_SUFFIX = re.compile(r"\s*\|\s*license photo\s*$", re.IGNORECASE)
TERMINAL = tuple(".!?:;\"'”’)»…")


def normalize(text: str) -> str:
    """Unicode NFC, one newline style, no NBSP/zero-width/control characters."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")


def markdown_to_text(text: str) -> str:
    """Markdown syntax off, words kept: headings, emphasis, links (text only), images (dropped)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"^[ \t]{0,3}#{1,6}\s+", "", text, flags=re.MULTILINE)
    text = re.sub(r"^[ \t]{0,3}>\s?", "", text, flags=re.MULTILINE)
    text = re.sub(r"^\s*([-*_]\s*){3,}$", "", text, flags=re.MULTILINE)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return re.sub(r"`([^`]+)`", r"\1", text)


def clean_lines(lines: list[str]) -> list[str]:
    """Drop boilerplate lines, cut trailing story lists, drop a line repeated right after itself."""
    kept: list[str] = []
    previous_key = None
    for raw in lines:
        line = CAPTION_SUFFIX.sub("", re.sub(r"[ \t]+", " ", raw).strip())
        if TRAILERS.match(line) and any(kept):
            break
        if BOILERPLATE.match(line) or SOURCE_STUB.match(line):
            continue
        key = line.casefold()
        if line and key == previous_key:
            continue  # photo captions are often printed twice in a row
        if line:
            previous_key = key
        kept.append(line)
    return kept


def to_paragraphs(lines: list[str]) -> str:
    """Blank-line separated paragraphs. A hard-wrapped line (no end punctuation, next line lowercase)
    is joined to the next so sentences are not cut at the wrap."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines + [""]:
        if not line:
            if current:
                paragraphs.append("\n".join(current))
                current = []
            continue
        if current and not current[-1].endswith(TERMINAL) and line[:1].islower():
            current[-1] = f"{current[-1]} {line}"
        else:
            current.append(line)
    return "\n\n".join(paragraphs)
