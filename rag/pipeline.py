"""Builds the real collaborators from settings, once per process, and hands them to the stages."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from rag.config import Settings
from rag.ingest.embeddings import SentenceEmbeddings, load_embeddings
from rag.retrieval.index_sync import index_for
from rag.retrieval.local_index import LocalIndex
from rag.retrieval.retriever import NewsRetriever
from rag.storage.store import Store, open_store


@dataclass
class Pipeline:
    settings: Settings
    embedder: SentenceEmbeddings
    store: Store
    _index: LocalIndex | None = None
    _llm: Any = None
    _publishers: tuple[str, list[str], str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _retriever: NewsRetriever | None = None
    # The pipeline whose local index and catalog this one uses (see with_llm): one copy in memory.
    _corpus: Pipeline | None = None

    def with_llm(self, provider: str, model: str) -> Pipeline:
        """The same store, embedder and local index answered by another LLM."""
        settings = self.settings.model_copy(update={"provider": provider, "llm_model": model})
        return Pipeline(settings, self.embedder, self.store, _corpus=self._corpus or self)

    def local_index(self) -> LocalIndex:
        """The local index (BM25 + vector copy) for the store's current revision, brought up to date
        incrementally after any ingest or removal, even one made by another process sharing the store.
        Its folder keeps the name "bm25" so data dirs made before the rename load as they are."""
        if self._corpus is not None:
            return self._corpus.local_index()
        with self._lock:
            if self._index is None or self._index.revision != self.store.revision():
                self._index = index_for(self.store, self.settings.data_dir / "bm25", self._index)
            return self._index

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

    def as_retriever(self, **fields: Any) -> NewsRetriever:
        """The retrieval path as a LangChain retriever (fields: k, filters, or any collaborator)."""
        return NewsRetriever(**{"settings": self.settings, "store": self.store, "embedder": self.embedder,
                                "local_index": self.local_index, "catalog": self._catalog, **fields})

    def retriever(self) -> NewsRetriever:
        """This pipeline's own retriever, made once."""
        if self._retriever is None:
            self._retriever = self.as_retriever()
        return self._retriever


def load_pipeline(settings: Settings) -> Pipeline:
    embedder = load_embeddings(settings.embedding_model_path(), settings.embed_batch_size,
                               settings.embedding_backend, settings.cache_dir)
    return Pipeline(settings, embedder, open_store(settings))
