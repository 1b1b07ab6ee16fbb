"""Hybrid retrieval: dense (Chroma, cosine; the local vector copy when filtered) and BM25, fused by
reciprocal rank fusion, with publisher and date-range filters applied inside both retrievers (not
after the cut)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from rag.retrieval.filters import Filters
from rag.retrieval.local_index import LocalIndex
from rag.retrieval.rerank import rerank
from rag.storage.store import Store
from rag.text import terms
from rag.types import Passage


@dataclass
class Shared:
    """Work the sub-queries of one question share (rag.pipeline): the BM25 score of every chunk (a filter
    is then a mask over it) and the passages already built, so no chunk is read twice. Each sub-query
    gets copies of the passages (retrieval sets their score, rank and copies folded in)."""

    bm25: np.ndarray | None = None
    passages: dict[str, Passage] = field(default_factory=dict)

    def read(self, store: Store, index: LocalIndex, ids: list[str]) -> list[Passage]:
        """The passages, from this question's earlier reads, else the local index, else Chroma."""
        self.passages.update(index.passages([cid for cid in ids if cid not in self.passages]))
        missing = [cid for cid in ids if cid not in self.passages]
        self.passages.update({p.chunk_id: p for p in store.get_chunks(missing)})
        return [fresh(self.passages[cid]) for cid in ids if cid in self.passages]


def fresh(p: Passage) -> Passage:
    return replace(p, also_in=[dict(a) for a in p.also_in])


def rrf(rankings: list[list[str]], rrf_k: int) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = sum over rankings of 1 / (rrf_k + rank of d)."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def hybrid(
    query: str,
    query_vector: list[float],
    store: Store,
    index: LocalIndex,
    *,
    k: int,
    candidates: int,
    rrf_k: int,
    filters: Filters | None = None,
    mode: str = "hybrid",
    rerank_pool: int = 0,
    shared: Shared | None = None,
) -> list[Passage]:
    """Top-k passages. With `rerank_pool` (hybrid mode), that many fused candidates are reordered by
    rag.retrieval.rerank before the cut. `shared`: the scores and passages other sub-queries of the question
    already have."""
    filters = filters or Filters()
    shared = shared or Shared()
    mask = index.mask(*filters.keys())
    cosine = _dense(query_vector, store, index, candidates, mask, mode)
    lex_scores = None
    if mode != "dense":
        lex_scores = index.scores(query, mask) if shared.bm25 is None else index.masked(shared.bm25, mask)
    lex = index.search(query, candidates, mask, lex_scores) if lex_scores is not None else []
    rerank_pool = rerank_pool if mode == "hybrid" else 0
    # Fuse deeper than k: copies of one wire story are folded together below and must not leave
    # the list short.
    fused = rrf([list(cosine), [cid for cid, _ in lex]], rrf_k)[: max(3 * k, rerank_pool)]
    by_id = {p.chunk_id: p for p in shared.read(store, index, [cid for cid, _ in fused])}
    ranked = []
    for cid, score in fused:
        if cid in by_id:
            by_id[cid].score = round(score, 6)
            ranked.append(by_id[cid])
    if rerank_pool and len(ranked) > 1:
        ranked = _reranked(query, query_vector, ranked, cosine, index, lex_scores)
    out = collapse_copies(ranked)[:k]
    for rank, p in enumerate(out, 1):
        p.rank = rank
    return out


def _dense(query_vector: list[float], store: Store, index: LocalIndex, candidates: int, mask: np.ndarray | None,
           mode: str) -> dict[str, float]:
    """The dense candidates, best first, with their cosines."""
    if mode == "bm25":
        return {}
    # Filtered: an exact search over the chunks the filter keeps (rag.retrieval.local_index says why);
    # unfiltered: Chroma's HNSW. Either way texts are read once, after fusion, for the candidates that
    # survive it (from the local index; Chroma only for a chunk the index does not hold yet).
    if mask is not None:
        return dict(index.nearest(query_vector, candidates, mask))
    return dict(store.dense(query_vector, candidates))


def _reranked(query: str, query_vector: list[float], ranked: list[Passage], cosine: dict[str, float],
              index: LocalIndex, lex_scores: np.ndarray | None) -> list[Passage]:
    """rag.retrieval.rerank over the fused candidates; those the dense search missed get their cosine
    from the local vector copy."""
    vector = np.asarray(query_vector, dtype=np.float32)
    vectors = index.vectors_of([p.chunk_id for p in ranked if p.chunk_id not in cosine])
    cosine.update({cid: float(np.asarray(v, dtype=np.float32) @ vector) for cid, v in vectors.items()})
    return rerank(query, ranked, [cosine.get(p.chunk_id, 0.0) for p in ranked],
                  [index.score_of(lex_scores, p.chunk_id) for p in ranked], index.idf(set(terms(query))))


def collapse_copies(passages: list[Passage]) -> list[Passage]:
    """Fold passages from other articles of the same story (one wire story run by several outlets,
    detected at ingest) into the best-ranked one: the copy's outlet goes into `also_in`, its slot to
    the next passage."""
    kept: dict[str, Passage] = {}
    out = []
    for p in passages:
        story = p.story_id or p.article_id
        first = kept.get(story)
        if first is None:
            kept[story] = p
            out.append(p)
        elif p.article_id != first.article_id and p.article_id not in {a["article_id"] for a in first.also_in}:
            first.also_in.append({"publisher": p.publisher, "article_id": p.article_id, "title": p.title,
                                  "published": p.published, "chunk_id": p.chunk_id})
        elif p.article_id == first.article_id:
            out.append(p)  # another passage of the same article is not a copy
    return out
