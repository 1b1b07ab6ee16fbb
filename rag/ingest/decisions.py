"""Whether a parsed document is written: added, replaced, unchanged, a duplicate, or refused.

An article is replaced only from where it came from (the same file, and for a record the same url),
so no upload can overwrite another article. One set of rules for the single-document path
(rag.ingest.articles.ingest_one) and the batched one (rag.ingest.batch).
"""

from __future__ import annotations

from collections.abc import Callable

from rag.ingest.loaders import RawDoc
from rag.types import Article, Outcome


def same_origin(stored: Article, new: Article, record: bool) -> bool:
    """Whether `new` may replace `stored`: the same file and, for a bulk record, the same url. (An
    article stored without a source path is not refused: its id already ties it to its origin.)"""
    if stored.source_path and stored.source_path != new.source_path:
        return False
    return not record or stored.url == new.url


def legacy_id(article: Article) -> str:
    """The id an older newsdesk gave a bulk record: its url, else its text hash."""
    return article.url or article.content_hash[:16]


def is_legacy_of(old: Article | None, article: Article) -> bool:
    """Whether `old`, stored under legacy_id(article), is this record's stored version: it came from
    this very file and url."""
    return old is not None and same_origin(old, article, record=True) and bool(old.source_path)


def decide(raw: RawDoc, article: Article, existing: Article | None, intact: Callable[[], bool],
           twin_of: Callable[[], str | None], allow_replace: bool) -> Outcome | None:
    """The outcome of a document that is not to be written (duplicate, refused, unchanged), or None
    when it is to be written. `existing` is the stored version (or its legacy record); `intact` and
    `twin_of` are asked only when needed (each is a store read)."""
    record = raw.fmt == "record"
    if existing and not same_origin(existing, article, record):
        if existing.content_hash == article.content_hash:
            return Outcome(raw.source, "duplicate", f"same text as article {existing.article_id}",
                           existing.article_id, article.title)
        return Outcome(raw.source, "rejected", f"refused: article {existing.article_id} is stored from "
                       f"{existing.source_path} and is replaced only from there (remove it first)",
                       title=article.title)
    # Unchanged text with missing chunks (an interrupted write or removal) is written again.
    if existing and existing.content_hash == article.content_hash and intact():
        return Outcome(raw.source, "unchanged", article_id=existing.article_id, title=article.title,
                       warnings=article.warnings)
    if existing and existing.content_hash != article.content_hash and not allow_replace:
        return Outcome(raw.source, "rejected", f"article {existing.article_id} is already stored with other "
                       "text, and replacing stored articles is not allowed here", existing.article_id, article.title)
    twin = twin_of()
    if twin and twin != article.article_id and not (existing and twin == existing.article_id):
        return Outcome(raw.source, "duplicate", f"same text as article {twin}", twin, article.title)
    return None


def stored(raw: RawDoc, article: Article, existing: Article | None, n_chunks: int | None) -> Outcome:
    """The outcome of a document that was to be written: skipped (stopped first), replaced or added."""
    if n_chunks is None:
        return Outcome(raw.source, "skipped", "stopped before it was stored; ingest it again",
                       article.article_id, article.title)
    status = "replaced" if existing else "added"
    return Outcome(raw.source, status, article_id=article.article_id, title=article.title, chunks=n_chunks,
                   warnings=article.warnings)
