"""Builds the real collaborators from settings, once per process, and hands them to the stages."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from rag.config import Settings
from rag.retrieval.constraints import Constraints, analyze, by_outlet
from rag.ingest.embeddings import SentenceEmbeddings, load_embeddings
from rag.retrieval.lexical import LexicalIndex, lexical_index
from rag.retrieval.hybrid import Filters, Shared, hybrid
from rag.storage.store import Store, open_store
from rag.types import Passage


@dataclass
class Pipeline:
    settings: Settings
    embedder: SentenceEmbeddings
    store: Store
    _lexical: LexicalIndex | None = None
    _llm: Any = None
    _publishers: tuple[str, list[str], str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # The pipeline whose BM25 index and catalog this one uses (see with_llm): one copy in memory.
    _corpus: Pipeline | None = None

    def with_llm(self, provider: str, model: str) -> Pipeline:
        """The same store, embedder and BM25 index answered by another LLM."""
        settings = self.settings.model_copy(update={"provider": provider, "llm_model": model})
        return Pipeline(settings, self.embedder, self.store, _corpus=self._corpus or self)

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current revision, brought up to date incrementally after any
        ingest or removal, even one made by another process sharing the store."""
        if self._corpus is not None:
            return self._corpus.lexical()
        with self._lock:
            if self._lexical is None or self._lexical.revision != self.store.revision():
                self._lexical = lexical_index(self.store, self.settings.data_dir / "bm25", self._lexical)
            return self._lexical

    def llm(self) -> Any:
        with self._lock:
            if self._llm is None:
                from rag.answering.llm import make_llm

                self._llm = make_llm(self.settings)
            return self._llm

    def publishers(self) -> list[str]:
        """Publisher names in the store (cached per store revision)."""
        return self._catalog()[0]

    def newest(self) -> str:
        """The newest full publication date in the store ('' if none): "now" for "last week"."""
        return self._catalog()[1]

    def _catalog(self) -> tuple[list[str], str]:
        if self._corpus is not None:
            return self._corpus._catalog()
        with self._lock:
            revision = self.store.revision()
            if self._publishers is None or self._publishers[0] != revision:
                rows = self.store.list_articles()
                names = sorted({r["publisher"] for r in rows if r.get("publisher")})
                dates = [r["published"][:10] for r in rows
                         if re.fullmatch(r"\d{4}-\d\d-\d\d.*", r.get("published") or "")]
                self._publishers = (revision, names, max(dates, default=""))
            return self._publishers[1], self._publishers[2]

    def search(self, query: str, k: int | None = None, filters: Filters | None = None,
               vector: list[float] | None = None, shared: Shared | None = None) -> list[Passage]:
        s = self.settings
        k = k or s.k
        vector = vector if vector is not None else self.embedder.embed_query(query)
        return hybrid(query, vector, self.store, self.lexical(), k=k,
                      candidates=max(s.candidates, 3 * k), rrf_k=s.rrf_k, filters=filters, mode=s.retrieval,
                      rerank_pool=max(s.candidates, 3 * k) if s.rerank else 0, shared=shared)

    def search_question(self, question: str, k: int | None = None,
                        filters: Filters | None = None) -> tuple[list[Passage], dict[str, Any]]:
        """Retrieval for a reader's question: publishers and dates named in it become filters (filters
        given explicitly win), several publishers one sub-query each, merged in turn so each named
        source gets evidence. If the question's own constraints leave nothing, they are dropped
        ("relaxed") rather than answering from nothing."""
        k = k or self.settings.k
        given = filters or Filters()
        use = self.settings.question_constraints
        found = analyze(question, self.publishers(), self.newest()) if use else Constraints()
        merged = Filters(given.publishers or found.publishers, given.after or found.after,
                         given.before or found.before)
        passages = self._search_each(question, k, merged)
        relaxed = False
        if not passages and found and merged != given:
            passages, relaxed = self.search(question, k, given), True
        constraints = {"publishers": merged.publishers, "after": merged.after or None,
                       "before": merged.before or None, "from_question": found.as_dict(), "relaxed": relaxed}
        return passages, constraints

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
        index = self.lexical()
        shared = Shared(index.scores(question) if self.settings.retrieval != "dense" else None)
        lists = [self.search(question, per, Filters(group, filters.after, filters.before), vector, shared)
                 for group in groups]
        lists.append(self.search(question, k, Filters([], filters.after, filters.before), vector, shared))
        merged, seen = [], set()
        for p in (p for group in zip_longest(*lists) for p in group if p is not None):
            if p.chunk_id not in seen:
                seen.add(p.chunk_id)
                merged.append(p)
        merged = merged[:k]
        for rank, p in enumerate(merged, 1):
            p.rank = rank
        return merged


def load_pipeline(settings: Settings) -> Pipeline:
    embedder = load_embeddings(settings.embedding_model_path(), settings.embed_batch_size,
                               settings.embedding_backend, settings.cache_dir)
    return Pipeline(settings, embedder, open_store(settings, embedder))
