"""Sentence-transformers embeddings behind LangChain's Embeddings interface, loaded once per process."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings


class SentenceEmbeddings(Embeddings):
    """Normalized vectors, so a dot product is the cosine similarity."""

    def __init__(self, model_path: str, batch_size: int = 32) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
        self.batch_size = batch_size

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension() or 384)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


@lru_cache(maxsize=4)
def load_embeddings(model_path: str, batch_size: int = 32) -> SentenceEmbeddings:
    return SentenceEmbeddings(model_path, batch_size)
