"""Store reads and writes for many articles at once, for the batched ingest (rag.ingest.batch):
the same operations as Store's per-article methods, in a few Chroma calls per batch instead of a
few per article (two upserts per article cost ~28 ms of a ~124 ms BBC article)."""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from rag.storage.store import BATCH, Store, _article, _article_meta, mean_vector, pages
from rag.types import Article, Chunk


def records(store: Store, article_ids: list[str]) -> dict[str, tuple[Article, int]]:
    """Stored articles among these ids, each with the chunk count its record states."""
    out: dict[str, tuple[Article, int]] = {}
    for i in range(0, len(article_ids), 200):
        got = store.articles.get(ids=article_ids[i:i + 200], include=["documents", "metadatas"])
        for aid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
            out[aid] = (_article(aid, doc, meta), int((meta or {}).get("n_chunks", -1)))
    return out


def find_by_hashes(store: Store, hashes: list[str]) -> dict[str, str]:
    """content hash -> the id of a stored article with that text, for the hashes that have one."""
    out: dict[str, str] = {}
    for i in range(0, len(hashes), 200):
        got = store.articles.get(where={"content_hash": {"$in": hashes[i:i + 200]}}, include=["metadatas"])
        for aid, meta in zip(got["ids"], got["metadatas"], strict=True):
            out.setdefault(str(meta.get("content_hash", "")), aid)
    return out


def chunk_ids_of(store: Store, article_ids: list[str]) -> dict[str, set[str]]:
    """The stored chunk ids of each article (a chunk id is "<article id>:<start>-<end>")."""
    out: dict[str, set[str]] = {a: set() for a in article_ids}
    for i in range(0, len(article_ids), 200):
        got = store.chunks.get(where={"article_id": {"$in": article_ids[i:i + 200]}}, include=[])
        for cid in got["ids"]:
            out.setdefault(cid.rsplit(":", 1)[0], set()).add(cid)
    return out


def nearest_articles_many(store: Store, vectors: np.ndarray, n: int) -> list[list[tuple[Article, float]]]:
    """nearest_articles for several vectors in one query."""
    count = store.articles.count()
    if count == 0 or not len(vectors):
        return [[] for _ in range(len(vectors))]
    got = store.articles.query(query_embeddings=list(vectors), n_results=min(n, count),
                              include=["documents", "metadatas", "distances"])
    return [[(_article(i, d, m), 1.0 - dist) for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)]
            for ids, docs, metas, dists in zip(got["ids"], got["documents"], got["metadatas"],
                                               got["distances"], strict=True)]


def write_articles(store: Store, items: list[tuple[Article, list[Chunk], np.ndarray]],
                   old: dict[str, set[str]]) -> None:
    """Store.write_article for many articles in few calls, in the same order: every new chunk first,
    then the chunks of older versions (`old`: stored chunk ids per article) that the new ones do not
    reuse, then the article records. A kill part way leaves each article at its old version or with
    chunks but no record yet (an article is never listed without its chunks); the next ingest
    rewrites it."""
    rows = [(a, c, v) for a, chunks, vectors in items for c, v in zip(chunks, vectors, strict=True)]
    for i in range(0, len(rows), BATCH):
        part = rows[i:i + BATCH]
        store.chunks.upsert(ids=[c.chunk_id for _, c, _ in part], embeddings=np.stack([v for _, _, v in part]),
                            documents=[c.text for _, c, _ in part],
                            metadatas=[{**_article_meta(a), "article_id": c.article_id, "index": c.index,
                                        "start": c.start, "end": c.end} for a, c, _ in part])
    stale = [cid for a, chunks, _ in items for cid in old.get(a.article_id, set()) - {c.chunk_id for c in chunks}]
    for i in range(0, len(stale), BATCH):
        store.chunks.delete(ids=stale[i:i + BATCH])
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for i in range(0, len(items), BATCH):
        part = items[i:i + BATCH]
        store.articles.upsert(
            ids=[a.article_id for a, _, _ in part], embeddings=np.stack([mean_vector(v) for _, _, v in part]),
            documents=[a.text for a, _, _ in part],
            metadatas=[{**_article_meta(a), "n_chunks": len(c), "extra": json.dumps(a.extra, default=str),
                        "ingested_at": now} for a, c, _ in part])


# Raw rows (id, text, stored metadata, vector), for tools that copy a store wholesale (benchmarks/bench_query.py
# grows a store from ingested ones without embedding again); everything else reads Passages and Articles.
Row = tuple[str, str, dict, Any]


def raw_rows(store: Store, kind: str) -> list[Row]:
    """Every row of the store's "chunks" or "articles" collection, as stored."""
    collection = store.chunks if kind == "chunks" else store.articles
    return [row for got in pages(collection, ["documents", "metadatas", "embeddings"])
            for row in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)]


def add_raw_rows(store: Store, kind: str, rows: list[Row]) -> None:
    """Add rows as raw_rows gives them (the caller bumps the revision when done)."""
    collection = store.chunks if kind == "chunks" else store.articles
    for i in range(0, len(rows), BATCH):
        part = rows[i:i + BATCH]
        collection.add(ids=[r[0] for r in part], documents=[r[1] for r in part], metadatas=[r[2] for r in part],
                       embeddings=np.array([r[3] for r in part], dtype=np.float32))
