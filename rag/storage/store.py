"""The one wrapper around Chroma. Nothing else in newsdesk knows whether the store is embedded
(PersistentClient in NEWSDESK_DATA_DIR) or a server (HttpClient at NEWSDESK_CHROMA_URL).

Two collections: `<name>_chunks` (one vector per chunk) and
`<name>_articles` (the cleaned article text and metadata, the source of truth for citation offsets;
its vector is the mean of the article's chunk vectors).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from rag.config import Settings
from rag.storage.keys import date_key, publisher_key
from rag.storage.writelock import write_lock
from rag.types import Article, Chunk, Passage

ARTICLE_FIELDS = ("title", "publisher", "author", "published", "file", "url", "source_path", "content_hash",
                  "story_id")
BATCH = 2000  # below Chroma's max batch size


def make_client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1", port=url.port or 8000, ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=chroma_settings)


class Store:
    def __init__(self, client: Any, collection: str, lock_dir: Path | None = None,
                 lock_timeout_s: float = 3600.0) -> None:
        # No embedding function: newsdesk embeds before it stores or queries (rag.ingest.embeddings), so
        # the store only keeps and compares the vectors it is given.
        from chromadb.errors import NotFoundError

        self.client = client
        self.lock_dir, self.lock_timeout_s = lock_dir, lock_timeout_s
        try:
            self.chunks = client.get_collection(f"{collection}_chunks", embedding_function=None)
            self.articles = client.get_collection(f"{collection}_articles", embedding_function=None)
        except NotFoundError:  # creating the collections is a write: two first ingests must not race
            with self.writing():
                self.chunks = client.get_or_create_collection(
                    f"{collection}_chunks", embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
                self.articles = client.get_or_create_collection(
                    f"{collection}_articles", embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                )

    def writing(self) -> AbstractContextManager[None]:
        """The write lock (rag.storage.writelock): held by everything that changes the store."""
        if self.lock_dir is None:
            from contextlib import nullcontext

            return nullcontext()
        return write_lock(self.lock_dir, self.lock_timeout_s)

    # --- articles -------------------------------------------------------------------------------
    def get_article(self, article_id: str) -> Article | None:
        got = self.articles.get(ids=[article_id], include=["documents", "metadatas"])
        if not got["ids"]:
            return None
        return _article(got["ids"][0], got["documents"][0], got["metadatas"][0])

    def find_by_hash(self, content_hash: str) -> str | None:
        from rag.storage.many import find_by_hashes

        return find_by_hashes(self, [content_hash]).get(content_hash)

    def nearest_articles(self, vector: np.ndarray, n: int) -> list[tuple[Article, float]]:
        """Stored articles closest to a vector (their mean chunk vector), with cosine similarity."""
        from rag.storage.many import nearest_articles_many

        return nearest_articles_many(self, np.asarray(vector)[None, :], n)[0]

    def list_articles(self) -> list[dict[str, Any]]:
        """Metadata of every article (no text), sorted by date then title."""
        rows = [{"article_id": i, **_public(m)} for got in pages(self.articles, ["metadatas"])
                for i, m in zip(got["ids"], got["metadatas"], strict=True)]
        return sorted(rows, key=lambda r: (r.get("published", ""), r.get("title", "")))

    def write_article(self, article: Article, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Upsert the new chunks first, then drop chunks of an older version, then the article record: a
        failure half way leaves the old version findable instead of an article with no chunks. (One
        implementation for one article and for a batch: rag.storage.many, imported here because it builds
        on this module.)"""
        from rag.storage.many import chunk_ids_of, write_articles

        write_articles(self, [(article, chunks, vectors)], chunk_ids_of(self, [article.article_id]))

    def chunk_counts(self, article_id: str) -> tuple[int, int]:
        """(chunks the article record says it has, chunks actually stored): they differ after a write
        or removal was interrupted."""
        got = self.articles.get(ids=[article_id], include=["metadatas"])
        recorded = int((got["metadatas"][0] or {}).get("n_chunks", -1)) if got["ids"] else 0
        return recorded, len(self.chunks.get(where={"article_id": article_id}, include=[])["ids"])

    def delete_article(self, article_id: str) -> bool:
        return bool(self.delete_articles([article_id]))

    def delete_articles(self, article_ids: list[str]) -> list[str]:
        """Delete articles and their chunks; returns the ids that were stored.

        The ids are journaled in the collection metadata first, and each article record goes before
        its chunks: a kill half way leaves no article listed without its chunks, and the next ingest
        (or `check --repair`) finishes the removal from the journal (finish_deletes)."""
        got = self.articles.get(ids=article_ids, include=[])["ids"] if article_ids else []
        if not got:
            return []
        self._set_meta(deleting=json.dumps(sorted(set(got) | set(self.pending_deletes()))))
        self._drop(got)
        self._set_meta(deleting="[]")
        return [i for i in article_ids if i in set(got)]

    def _drop(self, article_ids: list[str]) -> None:
        # Each article record goes before its chunks: a kill in between leaves orphan chunks (found
        # by `check`), never an article listed without them.
        for article_id in article_ids:
            self.articles.delete(ids=[article_id])
            self.chunks.delete(where={"article_id": article_id})

    def delete_chunks_of(self, article_ids: list[str]) -> None:
        """Drop the chunks of these articles (orphans whose article record is gone)."""
        for i in range(0, len(article_ids), 200):
            self.chunks.delete(where={"article_id": {"$in": article_ids[i:i + 200]}})

    def pending_deletes(self) -> list[str]:
        """Articles whose removal was interrupted (journaled by delete_articles, never cleared)."""
        return list(json.loads(self._meta().get("deleting") or "[]"))

    def finish_deletes(self) -> list[str]:
        """Complete interrupted removals; returns their ids."""
        pending = self.pending_deletes()
        self._drop(pending)
        if pending:
            self._set_meta(deleting="[]")
        return pending

    def counts(self) -> dict[str, int]:
        return {"articles": self.articles.count(), "chunks": self.chunks.count()}

    # --- chunks ---------------------------------------------------------------------------------
    def dense(self, vector: list[float], n: int) -> list[tuple[str, float]]:
        """Nearest chunks by HNSW, as (chunk id, cosine), best first. Only ids and distances are read:
        retrieval builds the passages from the local index (rag.retrieval.local_index), and reading texts
        and metadata here took most of the query's time at 100k chunks. Filtered searches go to the local
        index too."""
        got = self.chunks.query(query_embeddings=[vector], n_results=n, include=["distances"])
        # Cosine distance d: similarity 1 - d.
        return [(i, 1.0 - d) for i, d in zip(got["ids"][0], got["distances"][0], strict=False)]

    def chunks_of(self, article_ids: list[str]) -> tuple[list[str], list[str], list[dict[str, Any]], Any]:
        """(ids, texts, metadata, vectors) of these articles' chunks: what the local index is built from."""
        got = self.chunks.get(where={"article_id": {"$in": article_ids}},
                              include=["documents", "metadatas", "embeddings"])
        return got["ids"], got["documents"], got["metadatas"], got["embeddings"]

    def get_chunks(self, ids: list[str]) -> list[Passage]:
        if not ids:
            return []
        got = self.chunks.get(ids=ids, include=["documents", "metadatas"])
        by_id = {
            i: passage(i, d, m, 0.0)
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        }
        return [by_id[i] for i in ids if i in by_id]

    def iter_chunks(self) -> Iterator[tuple[list[str], list[str], list[dict[str, Any]]]]:
        for got in pages(self.chunks, ["documents", "metadatas"]):
            yield got["ids"], got["documents"], got["metadatas"]

    # --- revision: lets derived indexes (BM25) know when the store changed ------------------------
    def revision(self) -> str:
        return str((self.articles.metadata or {}).get("revision", "0"))

    def bump_revision(self) -> None:
        self._set_meta(revision=uuid.uuid4().hex)

    def _meta(self) -> dict[str, Any]:
        # Read afresh: another process may have changed it since this collection handle was made.
        return dict(self.client.get_collection(self.articles.name, embedding_function=None).metadata or {})

    def _set_meta(self, **values: str) -> None:
        own = {k: v for k, v in self._meta().items() if k in {"revision", "deleting"}}
        self.articles.modify(metadata={**own, **values})


def pages(collection: Any, include: list[str]) -> Iterator[dict[str, Any]]:
    """Every row of a collection, BATCH at a time (a page with no rows is not yielded)."""
    offset = 0
    while True:
        got = collection.get(include=include, limit=BATCH, offset=offset)
        if got["ids"]:
            yield got
        if len(got["ids"]) < BATCH:
            return
        offset += BATCH


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0)
    return mean / (np.linalg.norm(mean) or 1.0)


def passage(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> Passage:
    return Passage(
        chunk_id=chunk_id, article_id=str(meta.get("article_id", "")), text=text,
        start=int(meta.get("start", 0)), end=int(meta.get("end", 0)),
        **{f: str(meta.get(f, "")) for f in ("title", "publisher", "author", "published", "file", "url")},
        story_id=str(meta.get("story_id") or meta.get("article_id", "")), score=score,
    )


def _article_meta(article: Article) -> dict[str, Any]:
    meta: dict[str, Any] = {f: getattr(article, f) or "" for f in ARTICLE_FIELDS}
    meta["publisher_key"] = publisher_key(article.publisher)
    meta["published_key"] = date_key(article.published)
    return meta


def _public(meta: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in meta.items() if k not in {"publisher_key", "published_key", "extra"}}
    out["extra"] = json.loads(meta.get("extra") or "{}")
    return out


def _article(article_id: str, text: str, meta: dict[str, Any]) -> Article:
    return Article(
        article_id=article_id, text=text, extra=json.loads(meta.get("extra") or "{}"),
        **{f: str(meta.get(f, "")) for f in ARTICLE_FIELDS},
    )


def open_store(settings: Settings) -> Store:
    # The lock lives in the data dir even for a Chroma server: it then serialises the writers on
    # this machine that share the data dir (writers elsewhere must not run at the same time).
    return Store(make_client(settings), settings.collection, settings.data_dir,
                 settings.write_lock_timeout_s)
