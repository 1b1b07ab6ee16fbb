"""Hybrid retrieval: dense (Chroma, cosine) and BM25, fused by reciprocal rank fusion, with
publisher and date-range filters applied inside both retrievers (not after the cut)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rag.lexical import LexicalIndex
from rag.metadata import date_key, parse_date
from rag.store import Store, publisher_key
from rag.types import Passage


@dataclass(eq=True)
class Filters:
    publishers: list[str] = field(default_factory=list)
    after: str = ""  # ISO date, inclusive
    before: str = ""  # ISO date, inclusive

    def keys(self) -> tuple[list[str], int | None, int | None]:
        after = date_key(parse_date(self.after)) if self.after else None
        before = date_key(parse_date(self.before)) if self.before else None
        return [publisher_key(p) for p in self.publishers if p.strip()], after, before

    def where(self) -> dict[str, Any] | None:
        """The same filters as a Chroma where clause."""
        pubs, after, before = self.keys()
        clauses: list[dict[str, Any]] = []
        if pubs:
            clauses.append({"publisher_key": {"$in": pubs}})
        if after is not None:
            clauses.append({"published_key": {"$gte": after}})
        if before is not None:
            clauses += [{"published_key": {"$gte": 0}}, {"published_key": {"$lte": before}}]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


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
    lexical: LexicalIndex,
    *,
    k: int,
    candidates: int,
    rrf_k: int,
    filters: Filters | None = None,
) -> list[Passage]:
    filters = filters or Filters()
    dense = store.dense(query_vector, candidates, filters.where())
    lex = lexical.search(query, candidates, lexical.mask(*filters.keys()))
    fused = rrf([[p.chunk_id for p in dense], [cid for cid, _ in lex]], rrf_k)[:k]
    by_id = {p.chunk_id: p for p in dense}
    missing = [cid for cid, _ in fused if cid not in by_id]
    by_id.update({p.chunk_id: p for p in store.get_chunks(missing)})
    out = []
    for rank, (cid, score) in enumerate(fused, 1):
        if cid in by_id:
            p = by_id[cid]
            p.rank, p.score = rank, round(score, 6)
            out.append(p)
    return out
