"""The keys the store filters on, written with every chunk and article (publisher_key, published_key)
and computed the same way from a reader's filters (rag.retrieval.filters)."""

from __future__ import annotations

import re


def publisher_key(name: str) -> str:
    """Case- and article-insensitive publisher key: "the Guardian" == "The Guardian" == "Guardian"."""
    key = " ".join(name.casefold().replace("’", "'").split())
    return key[4:] if key.startswith("the ") else key


def date_key(published: str) -> int:
    """YYYYMMDD as an int for range filters in the store; -1 for unknown or partial dates."""
    return int(published.replace("-", "")) if re.fullmatch(r"\d{4}-\d\d-\d\d", published) else -1
