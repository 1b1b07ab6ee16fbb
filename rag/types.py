"""Plain records passed between pipeline stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Article:
    article_id: str
    text: str  # cleaned article text; every offset in newsdesk points into this string
    title: str = ""
    publisher: str = ""
    author: str = ""
    published: str = ""  # ISO date "2017-12-08", or partial "--12-12" when no year was stated
    file: str = ""
    url: str = ""
    source_path: str = ""  # absolute path of the file it came from (for --sync and remove)
    content_hash: str = ""
    story_id: str = ""  # shared by copies of one story run by several outlets (see rag.ingest.stories.story_of)
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what ingest dropped (not stored; see Outcome.warnings)


@dataclass
class Chunk:
    chunk_id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str  # == article.text[start:end]


@dataclass
class Passage:
    """A retrieved chunk with its article's metadata."""

    chunk_id: str
    article_id: str
    text: str
    start: int
    end: int
    title: str = ""
    publisher: str = ""
    author: str = ""
    published: str = ""
    file: str = ""
    url: str = ""
    story_id: str = ""
    score: float = 0.0
    rank: int = 0
    also_in: list[dict[str, str]] = field(default_factory=list)  # the same text run by other outlets


@dataclass
class Outcome:
    """What happened to one input file or bulk-file entry during ingest."""

    source: str
    status: str  # added | unchanged | replaced | duplicate | rejected | removed | kept (by --sync)
    reason: str = ""
    article_id: str = ""
    title: str = ""
    chunks: int = 0
    # e.g. how a file not in UTF-8 was read, a metadata value dropped as not a name; shown in the report
    warnings: list[str] = field(default_factory=list)


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
