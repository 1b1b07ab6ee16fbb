"""Which story an article belongs to: copies of one wire story run by several outlets share one, and
retrieval folds their passages into one result."""

from __future__ import annotations

from typing import Any

from rag.storage.store import Store
from rag.text import containment, shingles
from rag.types import Article


def story_of(article: Article, vector: Any, store: Store) -> str:
    """The story an article belongs to: that of a stored article from another source whose text it
    nearly repeats (same wire story, other outlet: close vectors, then >= 60% shared 5-word shingles),
    else its own id. Retrieval folds passages of one story into one result."""
    return story_among(article, store.nearest_articles(vector, 3))


def story_among(article: Article, nearest: list[tuple[Article, float]]) -> str:
    """story_of, given the nearest stored articles (with cosine similarity), closest first."""
    mine = shingles(article.text)
    for other, similarity in nearest:
        if other.article_id == article.article_id or similarity < 0.85:
            continue
        if containment(mine, shingles(other.text)) >= 0.6:
            return other.story_id or other.article_id
    return article.article_id
