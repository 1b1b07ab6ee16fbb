"""Okapi BM25 over a sparse term-frequency matrix (k1 = 1.5, b = 0.75, Lucene's idf).

Scores are computed at query time from the counts, so adding or dropping rows (chunks) needs no
recomputation of other rows' scores: the local index (rag.retrieval.local_index) stays incremental.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from rag.text import terms

K1, B = 1.5, 0.75


def term_row(vocab: dict[str, int], text: str) -> tuple[np.ndarray, np.ndarray]:
    """(columns, counts) of the text's terms; new terms are added to `vocab`."""
    words = [vocab.setdefault(t, len(vocab)) for t in terms(text)]
    col, count = np.unique(np.array(words, dtype=np.int64), return_counts=True)
    return col, count.astype(np.float32)


def stack(old: sparse.csr_matrix, rows: list[tuple[np.ndarray, np.ndarray]], width: int) -> sparse.csr_matrix:
    """`old` (rows kept, columns widened to `width`) with `rows` appended."""
    old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(old.shape[0], width))
    indptr = np.concatenate([[0], np.cumsum([len(col) for col, _ in rows])]).astype(np.int64)
    new = sparse.csr_matrix((np.concatenate([c for _, c in rows]) if rows else np.zeros(0, np.float32),
                             np.concatenate([col for col, _ in rows]) if rows else np.zeros(0, np.int64), indptr),
                            shape=(len(rows), width))
    return sparse.vstack([old, new], format="csr")


def scores(columns: sparse.csc_matrix, doc_len: np.ndarray, cols: list[int]) -> np.ndarray:
    """BM25 score of every row for the query terms in `cols` (column numbers, each once)."""
    n = columns.shape[0]
    avg = float(doc_len.mean()) or 1.0
    out = np.zeros(n, dtype=np.float32)
    for col in cols:
        a, b = columns.indptr[col], columns.indptr[col + 1]
        rows, tf = columns.indices[a:b], columns.data[a:b]
        df = b - a
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        out[rows] += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * doc_len[rows] / avg))
    return out
