"""Ingest stage: files -> cleaned articles with metadata -> chunks -> embeddings -> store.

Idempotent by construction: an article's id comes from where it lives (file path, or a record's url),
its content hash says whether it changed, and chunk ids come from offsets. Re-ingesting unchanged
files writes nothing; a changed file replaces its chunks; one bad file never stops the others.

The steps live in their own modules: rag.ingest.discovery (which files), loaders (bytes -> raw
documents), parsing (-> Article and its id), decisions (add, replace, duplicate or refuse), stories
(wire copies), removal (remove and --sync); this one runs them and writes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from tqdm import tqdm

from rag.config import Settings
from rag.ingest.chunking import chunk_article
from rag.ingest.decisions import decide, is_legacy_of, legacy_id, stored
from rag.ingest.discovery import discover
from rag.ingest.embeddings import SentenceEmbeddings
from rag.ingest.loaders import RawDoc
from rag.ingest.parsing import parse
from rag.ingest.removal import finish_removals, sync_removals
from rag.ingest.stages import NULL, StageTimes
from rag.ingest.stories import story_of
from rag.storage.store import Store, mean_vector
from rag.types import Article, Chunk, Outcome

Progress = Callable[[int, int, str], None]
Stop = Callable[[], bool]
STOP_EVERY = 16  # chunks embedded between two should_stop checks (about a second; 3 s on a busy machine)


def _legacy_record(article: Article, store: Store) -> Article | None:
    old = store.get_article(legacy_id(article))
    return old if is_legacy_of(old, article) else None


def _intact(store: Store, article_id: str) -> bool:
    """Its chunks are all there (an interrupted write or removal leaves fewer, or none)."""
    recorded, stored = store.chunk_counts(article_id)
    return stored > 0 and recorded == stored


def embed_text(title: str, chunk_text: str) -> str:
    # The title goes into the vector (a chunk deep in a story rarely names its subject) but not into
    # the stored chunk text, whose offsets must stay exact.
    return f"{title}\n{chunk_text}" if title else chunk_text


def chunked(article: Article, settings: Settings) -> tuple[list[Chunk], list[str]]:
    """An article's chunks, and the text embedded for each (rag.ingest.reader, write, the benchmarks)."""
    chunks = chunk_article(article.article_id, article.text, settings.chunk_chars, settings.chunk_overlap_sentences)
    return chunks, [embed_text(article.title, c.text) for c in chunks]


def ingest_one(raw: RawDoc, settings: Settings, store: Store, embedder: SentenceEmbeddings, *,
               allow_replace: bool = True, should_stop: Stop | None = None) -> Outcome:
    """One document, on its own (the batched path, rag.ingest.batch, makes the same decisions)."""
    article = parse(raw)
    existing = store.get_article(article.article_id)
    legacy = _legacy_record(article, store) if existing is None and raw.fmt == "record" else None
    existing = existing or legacy
    outcome = decide(raw, article, existing, lambda: _intact(store, existing.article_id) if existing else False,
                     lambda: store.find_by_hash(article.content_hash), allow_replace)
    if outcome is not None:
        return outcome
    n_chunks = write(article, settings, store, embedder, should_stop)
    if n_chunks is not None and legacy:  # moved to its new id; the old one goes only after the new one is complete
        store.delete_article(legacy.article_id)
    return stored(raw, article, existing, n_chunks)


def write(article: Article, settings: Settings, store: Store, embedder: SentenceEmbeddings,
          should_stop: Stop | None = None) -> int | None:
    """Chunk, embed and store an article (its story found unless it has one); returns its chunk count,
    or None when should_stop() turned true before anything was stored."""
    chunks, texts = chunked(article, settings)
    if should_stop is None:
        vectors = embedder.encode_many(texts)
    else:  # embedded a slice at a time, so that a long article can be stopped part way (nothing stored)
        parts = []
        for i in range(0, len(texts), STOP_EVERY):
            if should_stop():
                return None
            parts.append(embedder.encode_many(texts[i:i + STOP_EVERY]))
        vectors = np.concatenate(parts) if parts else embedder.encode([])
    article.story_id = article.story_id or story_of(article, mean_vector(vectors), store)
    store.write_article(article, chunks, vectors)
    return len(chunks)


def ingest(
    paths: list[Path],
    settings: Settings,
    store: Store,
    embedder: SentenceEmbeddings,
    *,
    sync: bool = False,
    progress: Progress | None = None,
    allow_replace: bool = True,
    should_stop: Stop | None = None,
    times: StageTimes | None = None,
) -> list[Outcome]:
    """Ingest files and folders; returns one Outcome per file or bulk record (and per removal).
    allow_replace=False (the web UI's default) rejects a document whose id is stored with other text;
    once should_stop() is true, what is not yet stored is reported as skipped (the web UI's time budget
    and stop button). `times` collects seconds per stage (rag.ingest.stages) for the benchmarks.
    Documents go through in batches across files (rag.ingest.batch), read and parsed ahead in a thread.
    Holds the store's write lock throughout: one writer at a time (rag.storage.writelock)."""
    with store.writing():
        return _ingest(paths, settings, store, embedder, sync, progress, allow_replace, should_stop,
                       times or NULL)


def _ingest(paths: list[Path], settings: Settings, store: Store, embedder: SentenceEmbeddings, sync: bool,
            progress: Progress | None, allow_replace: bool, should_stop: Stop | None,
            times: StageTimes) -> list[Outcome]:
    from rag.ingest.batch import Job, run_batches
    from rag.ingest.reader import read_ahead, read_items

    found = list(discover(paths))
    outcomes = finish_removals(store)
    job = Job(settings, store, embedder, allow_replace, should_stop, times)
    bar = tqdm(total=len(found), unit="file", desc="ingest", disable=None, file=sys.stderr, leave=False)

    def file_done(n: int, item: str) -> None:
        bar.update()
        if progress:
            progress(n, len(found), item)

    items = read_ahead(read_items(found, settings, times), times)
    try:
        outcomes += run_batches(items, job, file_done)
    finally:
        items.close()  # an error here ends the reader thread too
    bar.close()
    if sync:
        outcomes += sync_removals(paths, store, job.seen, job.files)
    if any(o.status in {"added", "replaced", "removed"} for o in outcomes):
        store.bump_revision()
    return outcomes
