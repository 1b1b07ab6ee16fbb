"""`newsdesk check [--repair]`: find what an interrupted write or removal left behind, and fix it.

Problems looked for:
- pending: a removal journaled by Store.delete_articles that never finished;
- orphan: chunks whose article record is gone (they would still turn up in dense search);
- broken: an article whose stored chunks are missing, fewer or more than its record says, or do not
  match its text (a replacement cut short between the chunk writes and the article record);
- stale: the saved local index (BM25 + vectors, rag.retrieval.index_sync) is not that of the store's content.

Repair finishes pending removals, deletes orphan chunks, rebuilds a broken article's chunks from its
stored text (the article record is the source of truth, so nothing is lost even when its file is gone
or has changed since; a later ingest of a changed file replaces it as usual), and rebuilds the index.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.ingest.articles import write
from rag.retrieval import index_sync
from rag.storage import many as store_many
from rag.storage.store import Store

FETCH = 200  # article texts per store read


@dataclass
class Problem:
    kind: str  # pending | orphan | broken | stale
    subject: str  # an article id, or "local index"
    detail: str


def find_problems(store: Store, index_dir: Path) -> list[Problem]:
    problems = [Problem("pending", i, "its removal was interrupted") for i in store.pending_deletes()]
    pending = {p.subject for p in problems}
    rows = {r["article_id"]: r for r in store.list_articles()}
    chunks: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for _, docs, metas in store.iter_chunks():
        for doc, meta in zip(docs, metas, strict=True):
            chunks[str(meta.get("article_id", ""))].append((doc, meta))
    for article_id, held in sorted(chunks.items()):
        if article_id not in rows and article_id not in pending:
            problems.append(Problem("orphan", article_id, f"{len(held)} chunks whose article is missing"))
    ids = sorted(set(rows) - pending)
    for i in range(0, len(ids), FETCH):
        for article_id, (article, _) in store_many.records(store, ids[i:i + FETCH]).items():
            text = article.text
            held, recorded = chunks.get(article_id, []), int(rows[article_id].get("n_chunks", -1))
            if not held or len(held) != recorded:
                problems.append(Problem("broken", article_id, f"{len(held)} of {recorded} chunks stored"))
            elif any(text[int(m.get("start", 0)):int(m.get("end", 0))] != doc for doc, m in held):
                problems.append(Problem("broken", article_id, "chunks do not match the article text"))
    stale = _stale_index(store, index_dir, rows)
    if stale:
        problems.append(Problem("stale", "local index", stale))
    return problems


def _stale_index(store: Store, index_dir: Path, rows: dict[str, dict[str, Any]]) -> str:
    saved = index_sync.load(index_dir)
    if saved is None:
        # No index yet is fine (the first question builds it); one that cannot be read is not.
        return "cannot be read" if index_dir.exists() else ""
    if saved.revision != store.revision():
        return f"built for store revision {saved.revision or '?'}, the store is at {store.revision()}"
    current = {aid: index_sync.version(row) for aid, row in rows.items()}
    if saved.versions != current:
        changed = len(set(saved.versions.items()) ^ set(current.items()))
        return f"{changed} article versions differ from the store's (a write was interrupted)"
    return ""


def repair(problems: list[Problem], settings: Settings, store: Store, embedder: Any) -> list[Problem]:
    """Fix what find_problems found; returns what was done, one Problem-shaped line each."""
    done: list[Problem] = []
    with store.writing():
        done += [Problem("pending", i, "removal finished") for i in store.finish_deletes()]
        orphans = [p.subject for p in problems if p.kind == "orphan"]
        store.delete_chunks_of(orphans)
        done += [Problem("orphan", i, "chunks deleted") for i in orphans]
        for p in (p for p in problems if p.kind == "broken"):
            article = store.get_article(p.subject)
            if article is None:
                continue
            n = write(article, settings, store, embedder)
            done.append(Problem("broken", p.subject, f"rebuilt from its stored text: {n} chunks"))
        if done:
            store.bump_revision()
        if done or any(p.kind == "stale" for p in problems):
            index_sync.save(index_sync.build(store), settings.data_dir / "bm25")
            done.append(Problem("stale", "local index", "rebuilt"))
    return done
