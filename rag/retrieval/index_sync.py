"""Keeps the local index (rag.retrieval.local_index) in step with the store, and on disk.

The index is derived data. It records the store revision it matches and, per article, the version it
indexed (content hash + ingest time). When the store's revision moves (any ingest or removal, by this
process or another one sharing the store), `refresh` re-reads only the articles that were added,
replaced or removed: their rows are dropped or tokenized and appended. Nothing is rebuilt from scratch
and no query pays for more than that difference.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from rag.retrieval import bm25
from rag.retrieval.local_index import LocalIndex, empty
from rag.storage.store import ARTICLE_FIELDS, Store

FETCH = 200  # articles per store read while refreshing


def version(meta: dict[str, Any]) -> str:
    return f"{meta.get('content_hash', '')}@{meta.get('ingested_at', '')}"


@dataclass
class _Rows:
    """The per-chunk columns of an index being rebuilt: the rows kept, then the rows appended."""

    ids: list[str]
    article_ids: list[str]
    pubs: list[str]
    dates: list[int]
    texts: list[str]
    spans: list[list[int]]
    article_meta: dict[str, dict[str, str]]
    vectors: list[np.ndarray]
    tf_rows: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def add(self, chunk_id: str, doc: str, meta: dict[str, Any], vocab: dict[str, int]) -> None:
        # Title words count for every chunk of the article, as they do for the dense vectors.
        self.tf_rows.append(bm25.term_row(vocab, f"{meta.get('title', '')}\n{doc}"))
        self.ids.append(chunk_id)
        self.article_ids.append(str(meta.get("article_id", "")))
        self.pubs.append(str(meta.get("publisher_key", "")))
        self.dates.append(int(meta.get("published_key", -1)))
        self.texts.append(doc)
        self.spans.append([int(meta.get("start", 0)), int(meta.get("end", 0))])
        self.article_meta.setdefault(str(meta.get("article_id", "")),
                                     {f: str(meta.get(f) or "") for f in ARTICLE_FIELDS if meta.get(f)})


def _kept(index: LocalIndex, gone: set[str]) -> tuple[np.ndarray, _Rows]:
    keep = np.array([a not in gone for a in index.article_ids], dtype=bool)

    def kept(column: list[Any]) -> list[Any]:
        return [x for x, k in zip(column, keep, strict=True) if k]

    rows = _Rows(kept(index.ids), kept(index.article_ids), kept(index.publisher_keys), list(index.date_keys[keep]),
                 kept(index.texts), kept(index.spans), {a: m for a, m in index.article_meta.items() if a not in gone},
                 [index.vectors[keep]] if len(index.vectors) else [])
    return keep, rows


def refresh(index: LocalIndex | None, store: Store) -> LocalIndex:
    """The index brought up to the store's current content, touching only articles that changed."""
    index = index or empty()
    revision = store.revision()
    current = {row["article_id"]: version(row) for row in store.list_articles()}
    gone = {aid for aid, v in index.versions.items() if current.get(aid) != v}
    todo = [aid for aid, v in current.items() if index.versions.get(aid) != v]
    if not gone and not todo:
        index.revision = revision
        return index

    keep, rows = _kept(index, gone)
    vocab = dict(index.vocab)
    for i in range(0, len(todo), FETCH):
        ids, docs, metas, embeddings = store.chunks_of(todo[i:i + FETCH])
        if len(ids):
            rows.vectors.append(np.asarray(embeddings, dtype=np.float32))
        for chunk_id, doc, meta in zip(ids, docs, metas, strict=True):
            rows.add(chunk_id, doc, meta, vocab)
    old = index.tf[keep] if index.tf.shape[0] else sparse.csr_matrix((0, len(vocab)), dtype=np.float32)
    versions = {a: v for a, v in index.versions.items() if a not in gone} | {a: current[a] for a in todo}
    stacked = np.concatenate(rows.vectors) if rows.vectors else np.zeros((0, 0), dtype=np.float32)
    return LocalIndex(revision, rows.ids, rows.article_ids, rows.pubs, np.array(rows.dates, dtype=np.int64),
                      bm25.stack(old, rows.tf_rows, len(vocab)), vocab, versions, stacked, rows.texts, rows.spans,
                      rows.article_meta)


def build(store: Store) -> LocalIndex:
    return refresh(None, store)


def save(index: LocalIndex, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    tf = index.tf
    np.savez(tmp / "tf.npz", data=tf.data, indices=tf.indices, indptr=tf.indptr, shape=np.array(tf.shape),
             date_keys=index.date_keys, vectors=index.vectors.astype(np.float16))
    (tmp / "meta.json").write_text(json.dumps({
        "revision": index.revision, "ids": index.ids, "article_ids": index.article_ids,
        "publisher_keys": index.publisher_keys, "vocab": list(index.vocab), "versions": index.versions,
        "texts": index.texts, "spans": index.spans, "article_meta": index.article_meta,
    }))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)  # readers see the old index or the new one, never half of one


def load(folder: Path) -> LocalIndex | None:
    try:
        meta = json.loads((folder / "meta.json").read_text())
        arrays = np.load(folder / "tf.npz")
        tf = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
        return LocalIndex(meta["revision"], meta["ids"], meta["article_ids"], meta["publisher_keys"],
                          arrays["date_keys"], tf, {t: i for i, t in enumerate(meta["vocab"])}, meta["versions"],
                          arrays["vectors"], meta["texts"], meta["spans"], meta["article_meta"])
    except (OSError, ValueError, KeyError):
        return None  # missing, old format or damaged: rebuilt from the store


def index_for(store: Store, folder: Path, current: LocalIndex | None = None) -> LocalIndex:
    """The index for the store's current revision: `current` or the saved one if it matches, else
    brought up to date incrementally from whichever is at hand (and saved for next time)."""
    revision = store.revision()
    if current is not None and current.revision == revision:
        return current
    saved = load(folder)
    if saved is not None and saved.revision == revision:
        return saved
    index = refresh(current or saved, store)
    try:
        save(index, folder)
    except OSError:
        pass  # a read-only data dir still answers queries, it just refreshes next time
    return index
