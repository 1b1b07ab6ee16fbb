"""NewsRetriever: newsdesk's whole retrieval path as one LangChain retriever.

For a reader's question: the publishers and dates it names become filters (rag.retrieval.constraints;
filters given explicitly win), several named outlets one sub-query each, every search hybrid (dense +
BM25, rag.retrieval.hybrid) with reranking and wire copies folded into one passage; if the question's
own constraints leave nothing, they are dropped ("relaxed") rather than answering from nothing.

LangChain users call `invoke(question)` and get Documents (rag.retrieval.documents); newsdesk itself
calls `retrieve(question)` and gets the typed `Retrieval`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.config import Settings
from rag.retrieval.constraints import analyze, by_outlet
from rag.retrieval.documents import to_document
from rag.retrieval.filters import Filters
from rag.retrieval.hybrid import Shared, hybrid
from rag.retrieval.local_index import LocalIndex
from rag.storage.store import Store
from rag.types import Passage


@dataclass
class Retrieval:
    """What one question retrieved, and the publishers and dates it was held to."""

    passages: list[Passage]
    # Explicit filters, else the question's own; when `relaxed`, the question's were dropped and only
    # the explicit ones were searched with (these fields still say what was asked, as ask --json always has).
    filters: Filters
    from_question: Filters  # what the question itself named
    relaxed: bool = False  # the question's own constraints found nothing and were dropped

    def constraints(self) -> dict[str, Any]:
        """The JSON form `ask --json` and the answer report ("constraints")."""
        return {"publishers": self.filters.publishers, "after": self.filters.after or None,
                "before": self.filters.before or None, "from_question": self.from_question.as_dict(),
                "relaxed": self.relaxed}


class NewsRetriever(BaseRetriever):
    """Retrieval over a newsdesk store. `local_index` returns the BM25 + vector-copy index for the
    store's current revision and `catalog` (publisher names, newest date) what questions are read
    against: both are the pipeline's (rag.pipeline), cached per store revision there."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    store: Store
    embedder: Any
    local_index: Callable[[], LocalIndex]
    catalog: Callable[[], tuple[list[str], str]]
    k: int | None = None  # None: settings.k
    filters: Filters | None = None  # explicit filters; the question's own fill what these leave empty

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [to_document(p) for p in self.retrieve(query).passages]

    def retrieve(self, question: str, k: int | None = None, filters: Filters | None = None) -> Retrieval:
        """The passages for a reader's question (k and filters default to the retriever's own)."""
        k = k or self.k or self.settings.k
        given = filters or self.filters or Filters()
        if self.settings.question_constraints:
            publishers, newest = self.catalog()
            found = analyze(question, publishers, newest)
        else:
            found = Filters()
        merged = Filters(given.publishers or found.publishers, given.after or found.after,
                         given.before or found.before)
        passages = self._search_each(question, k, merged)
        if not passages and found and merged != given:
            return Retrieval(self.search(question, k, given), merged, found, relaxed=True)
        return Retrieval(passages, merged, found)

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               vector: list[float] | None = None, shared: Shared | None = None) -> list[Passage]:
        """One hybrid search held to `filters` exactly (no question analysis, no sub-queries)."""
        s = self.settings
        k = k or s.k
        vector = vector if vector is not None else self.embedder.embed_query(query)
        return hybrid(query, vector, self.store, self.local_index(), k=k,
                      candidates=max(s.candidates, 3 * k), rrf_k=s.rrf_k, filters=filters, mode=s.retrieval,
                      rerank_pool=max(s.candidates, 3 * k) if s.rerank else 0, shared=shared)

    def _search_each(self, question: str, k: int, filters: Filters) -> list[Passage]:
        """Several publishers named: one sub-query per publisher, so each gets its evidence, plus one
        over all publishers (a multi-part question often names the outlet of only some parts), merged
        in turn. One publisher named ("according to UPI") stays a plain filter."""
        groups = by_outlet(filters.publishers)
        if len(groups) < 2:
            return self.search(question, k, filters)
        per = max(2, -(-k // (len(groups) + 1)))
        # One embedding, one BM25 scoring of every chunk (each filter a mask over it) and one read of each
        # passage for all the sub-queries. The cosines are not shared: one product over all 100k vectors
        # (25 ms) cost more than the products over the rows each filter keeps (12 ms for all of them).
        vector = self.embedder.embed_query(question)
        index = self.local_index()
        shared = Shared(index.scores(question) if self.settings.retrieval != "dense" else None)
        lists = [self.search(question, per, Filters(group, filters.after, filters.before), vector, shared)
                 for group in groups]
        lists.append(self.search(question, k, Filters([], filters.after, filters.before), vector, shared))
        return interleave(lists, k)


def interleave(lists: list[list[Passage]], k: int) -> list[Passage]:
    """The first of each list, then the second of each, ..., each chunk once, top k, ranked anew."""
    merged, seen = [], set()
    for p in (p for group in zip_longest(*lists) for p in group if p is not None):
        if p.chunk_id not in seen:
            seen.add(p.chunk_id)
            merged.append(p)
    merged = merged[:k]
    for rank, p in enumerate(merged, 1):
        p.rank = rank
    return merged
