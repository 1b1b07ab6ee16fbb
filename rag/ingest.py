"""Ingest stage: files -> cleaned articles with metadata -> chunks -> embeddings -> store.

Idempotent by construction: an article's id comes from where it lives (file path, or a record's url),
its content hash says whether it changed, and chunk ids come from offsets. Re-ingesting unchanged
files writes nothing; a changed file replaces its chunks; one bad file never stops the others.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.chunking import chunk_article, content_hash
from rag.cleaning import clean_lines, markdown_to_text, normalize, to_paragraphs
from rag.config import Settings
from rag.embeddings import SentenceEmbeddings
from rag.injection import field_problem
from rag.loaders import RawDoc, Rejected, discover, load
from rag.metadata import parse_date, read_dateline, read_header
from rag.store import Store, mean_vector
from rag.text import containment, shingles
from rag.types import Article, Outcome

Progress = Callable[[int, int, str], None]


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
        raise Rejected(f"{raw.source}: no article text left after cleaning")
    dateline = read_dateline(body)
    published = parse_date(known.get("published", "")) or header.get("published") or dateline.get("published", "")
    if raw.fmt == "record":
        article_id = known.get("url") or content_hash(body)[:16]
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


def embed_text(title: str, chunk_text: str) -> str:
    # The title goes into the vector (a chunk deep in a story rarely names its subject) but not into
    # the stored chunk text, whose offsets must stay exact.
    return f"{title}\n{chunk_text}" if title else chunk_text


def story_of(article: Article, vector: Any, store: Store) -> str:
    """The story an article belongs to: that of a stored article from another source whose text it
    nearly repeats (same wire story, other outlet: close vectors, then >= 60% shared 5-word shingles),
    else its own id. Retrieval folds passages of one story into one result."""
    mine = shingles(article.text)
    for other, similarity in store.nearest_articles(vector, 3):
        if other.article_id == article.article_id or similarity < 0.85:
            continue
        if containment(mine, shingles(other.text)) >= 0.6:
            return other.story_id or other.article_id
    return article.article_id


def ingest_one(raw: RawDoc, settings: Settings, store: Store, embedder: SentenceEmbeddings) -> Outcome:
    article = parse(raw)
    existing = store.get_article(article.article_id)
    if existing and existing.content_hash == article.content_hash:
        return Outcome(raw.source, "unchanged", article_id=article.article_id, title=article.title,
                       warnings=article.warnings)
    twin = store.find_by_hash(article.content_hash)
    if twin and twin != article.article_id:
        return Outcome(raw.source, "duplicate", f"same text as article {twin}", twin, article.title)
    chunks = chunk_article(article.article_id, article.text, settings.chunk_chars,
                           settings.chunk_overlap_sentences)
    vectors = embedder.encode([embed_text(article.title, c.text) for c in chunks])
    article.story_id = story_of(article, mean_vector(vectors), store)
    store.write_article(article, chunks, vectors)
    status = "replaced" if existing else "added"
    return Outcome(raw.source, status, article_id=article.article_id, title=article.title, chunks=len(chunks),
                   warnings=article.warnings)


def ingest(
    paths: list[Path],
    settings: Settings,
    store: Store,
    embedder: SentenceEmbeddings,
    *,
    sync: bool = False,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Ingest files and folders; returns one Outcome per file or bulk record (and per removal)."""
    found = list(discover(paths))
    outcomes: list[Outcome] = []
    seen: set[str] = set()  # article ids present in the inputs, for --sync
    bar = tqdm(total=len(found), unit="file", desc="ingest", disable=None, file=sys.stderr, leave=False)
    for n, item in enumerate(found, 1):
        if isinstance(item, Rejected):
            outcomes.append(Outcome(str(item).split(": ")[0], "rejected", _reason(item)))
        else:
            outcomes += _ingest_file(item, settings, store, embedder, seen)
        bar.update()
        if progress:
            progress(n, len(found), str(item))
    bar.close()
    if sync:
        outcomes += _sync(paths, store, seen)
    if any(o.status in {"added", "replaced", "removed"} for o in outcomes):
        store.bump_revision()
    return outcomes


def _ingest_file(path: Path, settings: Settings, store: Store, embedder: SentenceEmbeddings,
                 seen: set[str]) -> list[Outcome]:
    try:
        docs = load(path, int(settings.max_file_mb * 1_000_000))
    except Rejected as exc:
        return [Outcome(str(path), "rejected", _reason(exc))]
    except OSError as exc:
        return [Outcome(str(path), "rejected", f"cannot read: {exc.strerror or exc}")]
    outcomes = []
    inner = tqdm(docs, unit="article", desc=path.name, disable=None if len(docs) > 20 else True,
                 file=sys.stderr, leave=False)
    for doc in inner:
        if isinstance(doc, Rejected):
            outcomes.append(Outcome(str(doc).split(": ")[0], "rejected", _reason(doc)))
            continue
        try:
            outcome = ingest_one(doc, settings, store, embedder)
        except Rejected as exc:
            outcome = Outcome(doc.source, "rejected", _reason(exc))
        except Exception as exc:  # one bad document must not stop the batch; the reason is reported
            outcome = Outcome(doc.source, "rejected", f"failed: {type(exc).__name__}: {exc}")
        if outcome.article_id and outcome.status != "rejected":
            seen.add(outcome.article_id)
        outcomes.append(outcome)
    return outcomes


def _sync(paths: list[Path], store: Store, seen: set[str]) -> list[Outcome]:
    """Remove stored articles that came from under the given paths but are no longer there."""
    roots = [str(p.resolve()) for p in paths]
    outcomes = []
    for row in store.list_articles():
        source = row.get("source_path", "")
        under = any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots)
        if under and row["article_id"] not in seen and store.delete_article(row["article_id"]):
            outcomes.append(Outcome(source, "removed", "no longer in the ingested folder", row["article_id"],
                                    row.get("title", "")))
    return outcomes


def remove(targets: list[str], store: Store) -> list[Outcome]:
    """Remove articles by id, by file name, or by path (a folder removes everything under it)."""
    rows = store.list_articles()
    outcomes = []
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
        for r in matches:
            if store.delete_article(r["article_id"]):
                outcomes.append(Outcome(target, "removed", article_id=r["article_id"], title=r.get("title", "")))
    if any(o.status == "removed" for o in outcomes):
        store.bump_revision()
    return outcomes


def _reason(exc: Exception) -> str:
    """The reason part of a 'source: reason' message."""
    return str(exc).split(": ", 1)[-1]
