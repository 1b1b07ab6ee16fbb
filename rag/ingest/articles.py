"""Ingest stage: files -> cleaned articles with metadata -> chunks -> embeddings -> store.

Idempotent by construction: an article's id comes from where it lives (file path, or a record's url),
its content hash says whether it changed, and chunk ids come from offsets. Re-ingesting unchanged
files writes nothing; a changed file replaces its chunks; one bad file never stops the others.

Ids of different origins never collide: a file's is "<stem>-<hash of its path>", a bulk record's is
"rec/<hash of its url>" (a file name cannot hold "/"). An article is replaced only from where it came
from (the same file, and for a record the same url), so no upload can overwrite another article.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from rag.ingest.chunking import chunk_article, content_hash
from rag.ingest.cleaning import clean_lines, markdown_to_text, normalize, to_paragraphs
from rag.config import Settings
from rag.ingest.embeddings import SentenceEmbeddings
from rag.ingest.injection import field_problem
from rag.ingest.loaders import BULK_EXTENSIONS, RawDoc, Rejected, discover
from rag.ingest.metadata import parse_date, read_dateline, read_header
from rag.ingest.stages import NULL, StageTimes
from rag.storage.store import Store, mean_vector
from rag.text import containment, shingles
from rag.types import Article, Chunk, Outcome

Progress = Callable[[int, int, str], None]
Stop = Callable[[], bool]
STOP_EVERY = 16  # chunks embedded between two should_stop checks (about a second; 3 s on a busy machine)


def parse(raw: RawDoc) -> Article:
    """Raw document -> cleaned Article. Metadata the container already gave (JSON fields, HTML meta)
    wins over what is read from the text."""
    text = normalize(raw.text)
    if raw.fmt == "md":
        text = markdown_to_text(text)
    known = raw.fields
    # Boilerplate goes first, so that an "Advertisement" line is never taken for the title.
    header, lines = read_header(clean_lines(text.split("\n")), want_title=not known.get("title"))
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and known.get("title") and lines[first].strip().casefold() == known["title"].casefold():
        lines[first] = ""  # the page's own <h1> repeats the title we already have
    body = to_paragraphs(lines)
    if not body.strip():
        raise Rejected(raw.source, "no article text left after cleaning")
    dateline = read_dateline(body)
    published = parse_date(known.get("published", "")) or header.get("published") or dateline.get("published", "")
    if raw.fmt == "record":
        article_id = record_id(known.get("url", ""), content_hash(body))
    elif raw.fmt == "web":
        article_id = web_id(raw.source_path)
    else:
        article_id = f"{Path(raw.file).stem}-{hashlib.sha256(raw.source_path.encode()).hexdigest()[:8]}"
    fields = {
        "title": known.get("title") or header.get("title") or "",
        "publisher": known.get("publisher") or header.get("publisher") or dateline.get("publisher", ""),
        "author": known.get("author") or header.get("author", ""),
    }
    # A publisher is a short name and a title a headline; a sentence or an instruction to an AI in one is
    # dropped (it would be shown to the LLM and named in answers), and the ingest report says so.
    warnings = []
    for name, value in fields.items():
        problem = field_problem(name, value)
        if problem:
            fields[name] = ""
            warnings.append(f"{problem}; dropped")
    return Article(
        article_id=article_id,
        text=body,
        title=fields["title"] or Path(raw.file).stem,
        publisher=fields["publisher"],
        author=fields["author"],
        published=published,
        file=raw.file,
        url=known.get("url", ""),
        source_path=raw.source_path,
        content_hash=content_hash(body),
        extra=dict(known.get("extra") or {}),
        warnings=warnings,
    )


def record_id(url: str, text_hash: str) -> str:
    """A bulk record's id: a hash of its url (of its text when it has none) under "rec/". A file
    article's id is "<file stem>-<8 hex>" and a file name cannot contain "/", so they never meet."""
    key = f"url:{url}" if url else f"text:{text_hash}"
    return "rec/" + hashlib.sha256(key.encode()).hexdigest()[:16]


def web_id(url: str) -> str:
    """A fetched page's id: a hash of the URL it was fetched from (rag.web.pages), under "web/"."""
    return "web/" + hashlib.sha256(f"url:{url}".encode()).hexdigest()[:16]


def same_origin(stored: Article, new: Article, record: bool) -> bool:
    """Whether `new` may replace `stored`: the same file and, for a bulk record, the same url. (An
    article stored without a source path is not refused: its id already ties it to its origin.)"""
    if stored.source_path and stored.source_path != new.source_path:
        return False
    return not record or stored.url == new.url


def legacy_id(article: Article) -> str:
    """The id an older newsdesk gave a bulk record: its url, else its text hash."""
    return article.url or article.content_hash[:16]


def is_legacy_of(old: Article | None, article: Article) -> bool:
    """Whether `old`, stored under legacy_id(article), is this record's stored version: it came from
    this very file and url."""
    return old is not None and same_origin(old, article, record=True) and bool(old.source_path)


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


def story_of(article: Article, vector: Any, store: Store) -> str:
    """The story an article belongs to: that of a stored article from another source whose text it
    nearly repeats (same wire story, other outlet: close vectors, then >= 60% shared 5-word shingles),
    else its own id. Retrieval folds passages of one story into one result."""
    return story_among(article, store.nearest_articles(vector, 3))


def story_among(article: Article, nearest: list[tuple[Article, float]]) -> str:
    """story_of, given the nearest stored articles (with cosine similarity), closest first."""
    mine = shingles(article.text)
    for other, similarity in nearest:
        if other.article_id == article.article_id or similarity < 0.85:
            continue
        if containment(mine, shingles(other.text)) >= 0.6:
            return other.story_id or other.article_id
    return article.article_id


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


def decide(raw: RawDoc, article: Article, existing: Article | None, intact: Callable[[], bool],
           twin_of: Callable[[], str | None], allow_replace: bool) -> Outcome | None:
    """The outcome of a document that is not to be written (duplicate, refused, unchanged), or None
    when it is to be written. `existing` is the stored version (or its legacy record); `intact` and
    `twin_of` are asked only when needed (each is a store read)."""
    record = raw.fmt == "record"
    if existing and not same_origin(existing, article, record):
        if existing.content_hash == article.content_hash:
            return Outcome(raw.source, "duplicate", f"same text as article {existing.article_id}",
                           existing.article_id, article.title)
        return Outcome(raw.source, "rejected", f"refused: article {existing.article_id} is stored from "
                       f"{existing.source_path} and is replaced only from there (remove it first)",
                       title=article.title)
    # Unchanged text with missing chunks (an interrupted write or removal) is written again.
    if existing and existing.content_hash == article.content_hash and intact():
        return Outcome(raw.source, "unchanged", article_id=existing.article_id, title=article.title,
                       warnings=article.warnings)
    if existing and existing.content_hash != article.content_hash and not allow_replace:
        return Outcome(raw.source, "rejected", f"article {existing.article_id} is already stored with other "
                       "text, and replacing stored articles is not allowed here", existing.article_id, article.title)
    twin = twin_of()
    if twin and twin != article.article_id and not (existing and twin == existing.article_id):
        return Outcome(raw.source, "duplicate", f"same text as article {twin}", twin, article.title)
    return None


def stored(raw: RawDoc, article: Article, existing: Article | None, n_chunks: int | None) -> Outcome:
    """The outcome of a document that was to be written: skipped (stopped first), replaced or added."""
    if n_chunks is None:
        return Outcome(raw.source, "skipped", "stopped before it was stored; ingest it again",
                       article.article_id, article.title)
    status = "replaced" if existing else "added"
    return Outcome(raw.source, status, article_id=article.article_id, title=article.title, chunks=n_chunks,
                   warnings=article.warnings)


def write(article: Article, settings: Settings, store: Store, embedder: SentenceEmbeddings,
          should_stop: Stop | None = None) -> int | None:
    """Chunk, embed and store an article (its story found unless it has one); returns its chunk count,
    or None when should_stop() turned true before anything was stored."""
    chunks, texts = chunked(article, settings)
    if should_stop is None:
        vectors = embedder.encode(texts)
    else:  # embedded a slice at a time, so that a long article can be stopped part way (nothing stored)
        parts = []
        for i in range(0, len(texts), STOP_EVERY):
            if should_stop():
                return None
            parts.append(embedder.encode(texts[i:i + STOP_EVERY]))
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


def _finish_removals(store: Store) -> list[Outcome]:
    """Removals a kill cut short, completed before anything else is written (Store.finish_deletes)."""
    return [Outcome(i, "removed", "finished a removal that was interrupted", i) for i in store.finish_deletes()]


def _ingest(paths: list[Path], settings: Settings, store: Store, embedder: SentenceEmbeddings, sync: bool,
            progress: Progress | None, allow_replace: bool, should_stop: Stop | None,
            times: StageTimes) -> list[Outcome]:
    from rag.ingest.batch import Job, run_batches
    from rag.ingest.reader import read_ahead, read_items

    found = list(discover(paths))
    outcomes = _finish_removals(store)
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
        outcomes += _sync(paths, store, job.seen, job.files)
    if any(o.status in {"added", "replaced", "removed"} for o in outcomes):
        store.bump_revision()
    return outcomes


def _sync(paths: list[Path], store: Store, seen: set[str], files: dict[str, str]) -> list[Outcome]:
    """Remove stored articles that came from under the given paths and are really gone: their file
    no longer exists, or (a bulk record) its file was read whole and no longer holds it. A file that
    is still there but was rejected, even in part, keeps its stored articles, and the report says so."""
    roots = [str(p.resolve()) for p in paths]
    outcomes, gone = [], []
    for row in store.list_articles():
        source = row.get("source_path", "")
        under = any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots)
        if not under or row["article_id"] in seen:
            continue
        keep = _why_keep(source, files)
        if keep:
            outcomes.append(Outcome(source, "kept", f"kept the stored version: {keep}", row["article_id"],
                                    row.get("title", "")))
        else:
            gone.append(row)
    removed = set(store.delete_articles([r["article_id"] for r in gone]))
    for row in (r for r in gone if r["article_id"] in removed):
        source = row.get("source_path", "")
        where = f"no longer in {Path(source).name}" if source in files else "no longer in the ingested folder"
        outcomes.append(Outcome(source, "removed", where, row["article_id"], row.get("title", "")))
    return outcomes


def _why_keep(source: str, files: dict[str, str]) -> str:
    """Why a stored article not met in this ingest stays ("" = its file or record is really gone)."""
    if files.get(source):
        return files[source]  # the file is there but was rejected, wholly or in part
    try:
        os.stat(source)
    except (FileNotFoundError, NotADirectoryError):
        return ""
    except OSError as exc:
        return f"cannot check its file: {exc.strerror or exc}"
    if source in files and Path(source).suffix.lower() in BULK_EXTENSIONS:
        return ""  # the bulk file was read whole and this record is not in it any more
    return "its file still exists" if source in files else "its file still exists but was not read"


def remove(targets: list[str], store: Store) -> list[Outcome]:
    """Remove articles by id, by file name, or by path (a folder removes everything under it)."""
    with store.writing():
        return _remove(targets, store)


def _remove(targets: list[str], store: Store) -> list[Outcome]:
    outcomes = _finish_removals(store)
    rows = store.list_articles()
    for target in targets:
        resolved = str(Path(target).resolve())
        matches = [
            r for r in rows
            if target in {r["article_id"], r.get("file"), r.get("url")}
            or r.get("source_path", "") == resolved
            or r.get("source_path", "").startswith(resolved.rstrip("/") + "/")
        ]
        if not matches:
            outcomes.append(Outcome(target, "rejected", "no stored article matches this id, file or path"))
        removed = set(store.delete_articles([r["article_id"] for r in matches]))
        outcomes += [Outcome(target, "removed", article_id=r["article_id"], title=r.get("title", ""))
                     for r in matches if r["article_id"] in removed]
    if any(o.status == "removed" for o in outcomes):
        store.bump_revision()
    return outcomes

