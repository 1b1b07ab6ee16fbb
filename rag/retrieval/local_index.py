"""The local index of the stored chunks: BM25 (rag.retrieval.bm25) and a copy of their vectors for
filtered dense search (float16 on disk, float32 in memory: 154 MB at 100k chunks), persisted next to the
Chroma store and updated incrementally (rag.retrieval.index_sync). It also holds each chunk's text and
its article's metadata, so retrieval builds its passages without reading Chroma (a read of ~30 chunks by
id was ~40% of a question's retrieval time at 10k chunks); ~75 MB more at 100k chunks.

Why a copy of the vectors: Chroma answers an unfiltered nearest-neighbour query in ~3 ms here, but one
filtered by publisher or date in 18-65 ms (10k-35k chunks), and a question naming two outlets makes
three such queries. An exact dot product over the chunks the filter keeps costs a few ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from rag.retrieval import bm25
from rag.storage.store import passage
from rag.text import terms
from rag.types import Passage


@dataclass
class LocalIndex:
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
    _rows_of: dict[str, list[int]] | None = field(default=None, init=False, repr=False)

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
        out = bm25.scores(self._columns, self._doc_len, cols)
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
        return [(self.ids[rows[i]], float(sims[i])) for i in top_n(sims, n)]

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

    def article_text(self, article_id: str) -> str:
        """An article's stored text from its chunks in order ("" when not indexed): where a story names
        someone in full once, before the passages a question retrieved."""
        if self._rows_of is None:  # built on first use, each article's rows in offset order: most questions never ask
            rows: dict[str, list[int]] = {}
            for i, article in enumerate(self.article_ids[:len(self.texts)]):
                rows.setdefault(article, []).append(i)
            self._rows_of = {a: sorted(r, key=lambda i: self.spans[i][0]) for a, r in rows.items()}
        return " ".join(self.texts[i] for i in self._rows_of.get(article_id, []))

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


def top_n(values: np.ndarray, n: int) -> np.ndarray:
    """Positions of the n largest values, largest first, ties in position order: what a stable sort of
    all of them gives, without sorting all of them (a filter can keep tens of thousands of chunks, and
    copies of one story tie exactly)."""
    if n >= len(values):
        return np.argsort(-values, kind="stable")
    kth = values[np.argpartition(-values, n - 1)[n - 1]]
    keep = np.flatnonzero(values >= kth)  # every value tied with the n-th, so position order decides
    return keep[np.argsort(-values[keep], kind="stable")][:n]


def empty() -> LocalIndex:
    return LocalIndex("", [], [], [], np.zeros(0, dtype=np.int64), sparse.csr_matrix((0, 0), dtype=np.float32),
                      {}, {}, np.zeros((0, 0), dtype=np.float32), [], [], {})
