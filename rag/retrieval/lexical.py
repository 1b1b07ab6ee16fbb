"""The local index of the stored chunks: BM25, plus a copy of their vectors for filtered dense
search (float16 on disk, float32 in memory: 154 MB at 100k chunks); persisted next to the Chroma store
and updated incrementally. It also holds each chunk's text and its article's metadata, so retrieval
builds its passages without reading Chroma (a read of ~30 chunks by id was ~40% of a question's
retrieval time at 10k chunks); ~75 MB more at 100k chunks.

Why a copy of the vectors: Chroma answers an unfiltered nearest-neighbour query in ~3 ms here, but one
filtered by publisher or date in 18-65 ms (10k-35k chunks), and a question naming two outlets makes
three such queries. An exact dot product over the chunks the filter keeps costs a few ms.

The index is derived data. It records the store revision it matches and, per article, the version it
indexed (content hash + ingest time). When the store's revision moves (any ingest or removal, by this
process or another one sharing the store), `refresh` re-reads only the articles that were added,
replaced or removed: their rows are dropped or tokenized and appended. Nothing is rebuilt from scratch
and no query pays for more than that difference.

Scores are Okapi BM25 (k1 = 1.5, b = 0.75, Lucene's idf) computed at query time from a sparse
term-frequency matrix, so adding or dropping rows needs no recomputation of other documents' scores.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from rag.storage.store import ARTICLE_FIELDS, Store, passage
from rag.text import terms
from rag.types import Passage

K1, B = 1.5, 0.75
FETCH = 200  # articles per store read while refreshing


@dataclass
class LexicalIndex:
    revision: str
    ids: list[str]  # chunk id per row
    article_ids: list[str]
    publisher_keys: list[str]
    date_keys: np.ndarray
    tf: sparse.csr_matrix  # rows = chunks, columns = vocab, values = term counts
    vocab: dict[str, int]
    versions: dict[str, str]  # article id -> version indexed
    vectors: np.ndarray  # one row per chunk, normalised (dot product = cosine); float16 on disk, float32 here
    # What a retrieved passage shows, so retrieval reads no chunk text from Chroma: per chunk its text and
    # (start, end) in the article, per article its metadata (ARTICLE_FIELDS, as stored with every chunk).
    texts: list[str] = field(default_factory=list)
    spans: list[list[int]] = field(default_factory=list)
    article_meta: dict[str, dict[str, str]] = field(default_factory=dict)
    positions: dict[str, int] = field(init=False, repr=False)
    _columns: sparse.csc_matrix = field(init=False, repr=False)
    _doc_len: np.ndarray = field(init=False, repr=False)
    _df: np.ndarray = field(init=False, repr=False)
    _publisher_codes: np.ndarray = field(init=False, repr=False)
    _publisher_index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.positions = {cid: i for i, cid in enumerate(self.ids)}
        # float16 halves the file; float32 in memory keeps the dot products a BLAS call (no per-query cast).
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        names, codes = np.unique(np.array(self.publisher_keys, dtype=object), return_inverse=True) \
            if self.publisher_keys else (np.array([], dtype=object), np.zeros(0, dtype=np.int64))
        self._publisher_index = {str(n): i for i, n in enumerate(names)}
        self._publisher_codes = codes.astype(np.int32)
        self._columns = self.tf.tocsc()
        self._doc_len = np.asarray(self.tf.sum(axis=1)).ravel().astype(np.float32)
        self._df = np.diff(self._columns.indptr)

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray | None:
        """BM25 score of every chunk (None when no query word is in the index)."""
        cols = sorted({self.vocab[t] for t in terms(query) if t in self.vocab})
        if not cols or not self.ids:
            return None
        n = len(self.ids)
        avg = float(self._doc_len.mean()) or 1.0
        out = np.zeros(n, dtype=np.float32)
        c = self._columns
        for col in cols:
            a, b = c.indptr[col], c.indptr[col + 1]
            rows, tf = c.indices[a:b], c.data[a:b]
            df = b - a
            idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
            out[rows] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * self._doc_len[rows] / avg))
        return self.masked(out, mask)

    @staticmethod
    def masked(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Scores of the chunks a filter keeps (0 for the rest): one question's sub-queries share one
        scoring of all chunks."""
        return scores * mask if mask is not None else scores

    def search(self, query: str, n: int, mask: np.ndarray | None = None,
               scores: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-n (chunk id, score) with score > 0; `mask` (0/1 per chunk) applies filters."""
        scores = self.scores(query, mask) if scores is None else scores
        if scores is None:
            return []
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def score_of(self, scores: np.ndarray | None, chunk_id: str) -> float:
        """A chunk's entry in a `scores` vector (0 when unknown), for candidates the BM25 top-n missed."""
        i = self.positions.get(chunk_id)
        return float(scores[i]) if scores is not None and i is not None else 0.0

    def idf(self, words: set[str]) -> dict[str, float]:
        """Inverse document frequency of each word over the chunks (words not indexed are rarest)."""
        n = len(self.ids)
        return {w: float(np.log(1 + n / (1 + (self._df[self.vocab[w]] if w in self.vocab else 0)))) for w in words}

    def mentions(self, text: str) -> bool:
        """Some stored chunk holds every term of `text` (each in some chunk: a vocabulary check, cheap)."""
        found = [self.vocab.get(t) for t in terms(text)]
        return bool(found) and all(i is not None and i < len(self._df) and self._df[i] > 0 for i in found)

    def nearest(self, vector: list[float], n: int, mask: np.ndarray) -> list[tuple[str, float]]:
        """Exact top-n (chunk id, cosine) among the chunks `mask` keeps."""
        rows = np.flatnonzero(mask)
        if not len(rows) or not len(self.vectors):
            return []
        sims = self.vectors[rows] @ np.asarray(vector, dtype=np.float32)
        top = np.argsort(-sims, kind="stable")[:n]
        return [(self.ids[rows[i]], float(sims[i])) for i in top]

    def passages(self, chunk_ids: list[str]) -> dict[str, Passage]:
        """The chunks as retrieval returns them (score 0), the same as Store.get_chunks gives."""
        out = {}
        for cid in chunk_ids:
            i = self.positions.get(cid)
            if i is not None and i < len(self.texts):
                meta = {**self.article_meta.get(self.article_ids[i], {}), "article_id": self.article_ids[i],
                        "start": self.spans[i][0], "end": self.spans[i][1]}
                out[cid] = passage(cid, self.texts[i], meta, 0.0)
        return out

    def vectors_of(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        return {c: self.vectors[self.positions[c]] for c in chunk_ids if c in self.positions}

    def mask(self, publishers: list[str] | None, after: int | None, before: int | None) -> np.ndarray | None:
        if not publishers and after is None and before is None:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if publishers:
            wanted = [self._publisher_index[p] for p in publishers if p in self._publisher_index]
            keep &= np.isin(self._publisher_codes, wanted)
        if after is not None:
            keep &= self.date_keys >= after
        if before is not None:
            keep &= (self.date_keys >= 0) & (self.date_keys <= before)
        return keep.astype(np.float32)


def empty() -> LexicalIndex:
    return LexicalIndex("", [], [], [], np.zeros(0, dtype=np.int64), sparse.csr_matrix((0, 0), dtype=np.float32),
                        {}, {}, np.zeros((0, 0), dtype=np.float32), [], [], {})


def version(meta: dict[str, Any]) -> str:
    return f"{meta.get('content_hash', '')}@{meta.get('ingested_at', '')}"


def refresh(index: LexicalIndex | None, store: Store) -> LexicalIndex:
    """The index brought up to the store's current content, touching only articles that changed."""
    index = index or empty()
    revision = store.revision()
    current = {row["article_id"]: version(row) for row in store.list_articles()}
    gone = {aid for aid, v in index.versions.items() if current.get(aid) != v}
    todo = [aid for aid, v in current.items() if index.versions.get(aid) != v]
    if not gone and not todo:
        index.revision = revision
        return index

    keep = np.array([a not in gone for a in index.article_ids], dtype=bool)
    ids = [x for x, k in zip(index.ids, keep, strict=True) if k]
    article_ids = [x for x, k in zip(index.article_ids, keep, strict=True) if k]
    pubs = [x for x, k in zip(index.publisher_keys, keep, strict=True) if k]
    dates = list(index.date_keys[keep])
    texts = [x for x, k in zip(index.texts, keep, strict=True) if k]
    spans = [x for x, k in zip(index.spans, keep, strict=True) if k]
    article_meta = {a: m for a, m in index.article_meta.items() if a not in gone}
    vectors = [index.vectors[keep]] if len(index.vectors) else []
    vocab = dict(index.vocab)
    data: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    lengths: list[int] = []
    for i in range(0, len(todo), FETCH):
        batch = store.chunks.get(where={"article_id": {"$in": todo[i:i + FETCH]}},
                                 include=["documents", "metadatas", "embeddings"])
        if len(batch["ids"]):
            vectors.append(np.asarray(batch["embeddings"], dtype=np.float32))
        for chunk_id, doc, meta in zip(batch["ids"], batch["documents"], batch["metadatas"], strict=True):
            # Title words count for every chunk of the article, as they do for the dense vectors.
            words = [vocab.setdefault(t, len(vocab)) for t in terms(f"{meta.get('title', '')}\n{doc}")]
            col, count = np.unique(np.array(words, dtype=np.int64), return_counts=True)
            cols.append(col)
            data.append(count.astype(np.float32))
            lengths.append(len(col))
            ids.append(chunk_id)
            article_ids.append(str(meta.get("article_id", "")))
            pubs.append(str(meta.get("publisher_key", "")))
            dates.append(int(meta.get("published_key", -1)))
            texts.append(doc)
            spans.append([int(meta.get("start", 0)), int(meta.get("end", 0))])
            article_meta.setdefault(str(meta.get("article_id", "")),
                                    {f: str(meta.get(f) or "") for f in ARTICLE_FIELDS if meta.get(f)})
    old = index.tf[keep] if index.tf.shape[0] else sparse.csr_matrix((0, len(vocab)), dtype=np.float32)
    old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], len(vocab)))
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    new = sparse.csr_matrix((np.concatenate(data) if data else np.zeros(0, np.float32),
                             np.concatenate(cols) if cols else np.zeros(0, np.int64), indptr),
                            shape=(len(lengths), len(vocab)))
    versions = {a: v for a, v in index.versions.items() if a not in gone} | {a: current[a] for a in todo}
    stacked = np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
    return LexicalIndex(revision, ids, article_ids, pubs, np.array(dates, dtype=np.int64),
                        sparse.vstack([old, new], format="csr"), vocab, versions, stacked, texts, spans, article_meta)


def build(store: Store) -> LexicalIndex:
    return refresh(None, store)


def save(index: LexicalIndex, folder: Path) -> None:
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


def load(folder: Path) -> LexicalIndex | None:
    try:
        meta = json.loads((folder / "meta.json").read_text())
        arrays = np.load(folder / "tf.npz")
        tf = sparse.csr_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(arrays["shape"]))
        return LexicalIndex(meta["revision"], meta["ids"], meta["article_ids"], meta["publisher_keys"],
                            arrays["date_keys"], tf, {t: i for i, t in enumerate(meta["vocab"])}, meta["versions"],
                            arrays["vectors"], meta["texts"], meta["spans"], meta["article_meta"])
    except (OSError, ValueError, KeyError):
        return None  # missing, old format or damaged: rebuilt from the store


def lexical_index(store: Store, folder: Path, current: LexicalIndex | None = None) -> LexicalIndex:
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
