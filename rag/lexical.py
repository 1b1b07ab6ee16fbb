"""BM25 over the stored chunks (bm25s), persisted next to the Chroma store.

The index is derived data: it records the store revision it was built from and is rebuilt when the
store has changed since (each ingest or removal bumps the revision), so queries never rebuild it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rag.store import Store
from rag.text import terms


@dataclass
class LexicalIndex:
    revision: str
    ids: list[str]
    publisher_keys: list[str]
    date_keys: np.ndarray
    bm25: Any  # bm25s.BM25, or None for an empty store
    vocab: set[str]
    positions: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.positions = {cid: i for i, cid in enumerate(self.ids)}

    def scores(self, query: str, mask: np.ndarray | None = None) -> np.ndarray | None:
        """BM25 score of every chunk (None when no query word is in the index)."""
        tokens = [t for t in terms(query) if t in self.vocab]
        if self.bm25 is None or not tokens:
            return None
        return self.bm25.get_scores(tokens, weight_mask=mask)

    def search(self, query: str, n: int, mask: np.ndarray | None = None,
               scores: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Top-n (chunk id, score) with score > 0; `mask` (0/1 per chunk) applies filters."""
        scores = self.scores(query, mask) if scores is None else scores
        if scores is None:
            return []
        top = np.argsort(-scores)[:n]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def score_of(self, scores: np.ndarray | None, chunk_id: str) -> float:
        """A chunk's entry in a `scores` vector (0 when unknown), for candidates the BM25 top-n missed."""
        i = self.positions.get(chunk_id)
        return float(scores[i]) if scores is not None and i is not None else 0.0

    def idf(self, words: set[str]) -> dict[str, float]:
        """Inverse document frequency of each word over the chunks (words not indexed are rarest)."""
        n = len(self.ids)
        if self.bm25 is None:
            return {w: 1.0 for w in words}
        vocab, indptr = self.bm25.vocab_dict, self.bm25.scores["indptr"]
        out = {}
        for w in words:
            i = vocab.get(w)
            df = int(indptr[i + 1] - indptr[i]) if i is not None and i + 1 < len(indptr) else 0
            out[w] = float(np.log(1 + n / (1 + df)))
        return out

    def mask(self, publishers: list[str] | None, after: int | None, before: int | None) -> np.ndarray | None:
        if not publishers and after is None and before is None:
            return None
        keep = np.ones(len(self.ids), dtype=bool)
        if publishers:
            keep &= np.isin(np.array(self.publisher_keys, dtype=object), publishers)
        if after is not None:
            keep &= self.date_keys >= after
        if before is not None:
            keep &= (self.date_keys >= 0) & (self.date_keys <= before)
        return keep.astype(np.float32)


def build(store: Store) -> LexicalIndex:
    import bm25s

    revision = store.revision()
    ids: list[str] = []
    corpus: list[list[str]] = []
    pubs: list[str] = []
    dates: list[int] = []
    for batch_ids, docs, metas in store.iter_chunks():
        for chunk_id, doc, meta in zip(batch_ids, docs, metas, strict=True):
            ids.append(chunk_id)
            # Title words count for every chunk of the article, as they do for the dense vectors.
            corpus.append(terms(f"{meta.get('title', '')}\n{doc}"))
            pubs.append(str(meta.get("publisher_key", "")))
            dates.append(int(meta.get("published_key", -1)))
    bm25 = None
    if ids:
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
    vocab = {t for doc in corpus for t in doc}
    return LexicalIndex(revision, ids, pubs, np.array(dates, dtype=np.int64), bm25, vocab)


def save(index: LexicalIndex, folder: Path) -> None:
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    if index.bm25 is not None:
        index.bm25.save(str(tmp / "bm25"), show_progress=False)
    (tmp / "meta.json").write_text(json.dumps({
        "revision": index.revision, "ids": index.ids, "publisher_keys": index.publisher_keys,
        "date_keys": index.date_keys.tolist(), "vocab": sorted(index.vocab),
    }))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)  # readers see the old index or the new one, never half of one


def load(folder: Path) -> LexicalIndex | None:
    import bm25s

    try:
        meta = json.loads((folder / "meta.json").read_text())
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False) if meta["ids"] else None
    except (OSError, ValueError, KeyError):
        return None
    return LexicalIndex(meta["revision"], meta["ids"], meta["publisher_keys"],
                        np.array(meta["date_keys"], dtype=np.int64), bm25, set(meta["vocab"]))


def lexical_index(store: Store, folder: Path) -> LexicalIndex:
    """The saved index if it matches the store's revision, else a fresh build (saved for next time)."""
    index = load(folder)
    if index is not None and index.revision == store.revision():
        return index
    index = build(store)
    try:
        save(index, folder)
    except OSError:
        pass  # a read-only data dir still answers queries, it just rebuilds next time
    return index
