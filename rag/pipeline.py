"""Builds the real collaborators from settings, once per process, and hands them to the stages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from rag.config import Settings
from rag.embeddings import SentenceEmbeddings, load_embeddings
from rag.lexical import LexicalIndex, lexical_index
from rag.retrieve import Filters, hybrid
from rag.store import Store, open_store
from rag.types import Passage


@dataclass
class Pipeline:
    settings: Settings
    embedder: SentenceEmbeddings
    store: Store
    _lexical: LexicalIndex | None = None
    _llm: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current revision (reloaded after any ingest, even one made by
        another process sharing the store)."""
        with self._lock:
            if self._lexical is None or self._lexical.revision != self.store.revision():
                self._lexical = lexical_index(self.store, self.settings.data_dir / "bm25")
            return self._lexical

    def llm(self) -> Any:
        with self._lock:
            if self._llm is None:
                from rag.llm import make_llm

                self._llm = make_llm(self.settings)
            return self._llm

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Passage]:
        s = self.settings
        k = k or s.k
        return hybrid(query, self.embedder.embed_query(query), self.store, self.lexical(), k=k,
                      candidates=max(s.candidates, 3 * k), rrf_k=s.rrf_k, filters=filters)


def load_pipeline(settings: Settings) -> Pipeline:
    embedder = load_embeddings(settings.embedding_model_path(), settings.embed_batch_size)
    return Pipeline(settings, embedder, open_store(settings, embedder))
