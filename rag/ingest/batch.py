"""The writing half of the ingest pipeline: parsed documents (rag.ingest.reader) -> outcomes, many articles
at a time. Per batch: one round of store lookups, the decisions of rag.ingest.decisions.decide, one embedding
pass over all new chunks sorted by length (across articles), one story lookup, and a few Chroma
writes (rag.storage.many). The same outcomes as ingest_one document by document:
- a document whose id is already in the batch closes the batch first, so it meets the stored
  earlier version exactly as it would one at a time;
- the same text twice in one batch: the second is a duplicate of the first;
- the story of an article is looked for among stored articles and the batch's earlier articles.
Crash safety is Store.write_article's, batch-wide (rag.storage.many.write_articles); should_stop is
asked between embedding slices, and what is not stored by then is reported as skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from rag.config import Settings
from rag.ingest.articles import Stop
from rag.ingest.decisions import decide, is_legacy_of, legacy_id, stored
from rag.ingest.embeddings import SentenceEmbeddings
from rag.ingest.reader import Item
from rag.ingest.stages import StageTimes
from rag.ingest.stories import story_among
from rag.ingest.yielding import give_way
from rag.storage import many as store_many
from rag.storage.store import Store, mean_vector
from rag.types import Article, Outcome

BATCH_CHUNKS = 256  # new chunks per batch: a few Chroma calls each, ~3 s of embedding here
SLICE = 64  # chunks embedded between two should_stop / give_way checks (under a second, idle)


@dataclass
class Job:
    settings: Settings
    store: Store
    embedder: SentenceEmbeddings
    allow_replace: bool
    should_stop: Stop | None
    times: StageTimes
    seen: set[str] = field(default_factory=set)  # article ids present in the inputs, for --sync
    files: dict[str, str] = field(default_factory=dict)  # file read -> "" if read whole, else why not


def run_batches(items: Iterator[Item], job: Job, file_done: Callable[[int, str], None]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    batch: list[Item] = []
    files = 0

    def flush() -> None:
        nonlocal files
        for item, outcome in zip(batch, process(batch, job), strict=True):
            if outcome is not None:
                outcomes.append(outcome)
            if item.file_done:
                files += 1
                file_done(files, item.key or item.source)
        batch.clear()

    ids: set[str] = set()
    size = 0
    for item in items:
        if item.key and item.key not in job.files:
            job.files[item.key] = item.file_reason
        if item.article is not None and item.article.article_id in ids:
            flush()  # the same id again: it must meet the stored earlier version
            ids.clear()
            size = 0
        batch.append(item)
        if item.article is not None:
            ids.add(item.article.article_id)
            size += len(item.chunks)
        if size >= BATCH_CHUNKS:
            flush()
            ids.clear()
            size = 0
    flush()
    return outcomes


@dataclass
class Known:
    """What the store holds for a batch, read in a few calls."""

    versions: dict[str, tuple[Article | None, Article | None, int]]  # id -> (stored or legacy, legacy, n_chunks)
    twins: dict[str, str]  # content hash -> a stored article with that text
    chunks: dict[str, set[str]]  # stored chunk ids of each stored version


def process(batch: list[Item], job: Job) -> list[Outcome | None]:
    """One outcome per item (None for a file that held no documents), in order. Should the batch
    fail as a whole (a store error), its documents are tried one at a time, so that only the bad
    one is reported as failed."""
    try:
        return _process(batch, job)
    except Exception:  # noqa: BLE001
        return [_one(item, job) for item in batch]


def _one(item: Item, job: Job) -> Outcome | None:
    try:
        return _process([item], job)[0]
    except Exception as exc:  # noqa: BLE001 (one bad document must not stop the batch; the reason is reported)
        return _finish(item, Outcome(item.source, "rejected", f"failed: {type(exc).__name__}: {exc}"), job)


def _process(batch: list[Item], job: Job) -> list[Outcome | None]:
    todo = [i for i in batch if i.article is not None]
    with job.times.stage("store lookups"):
        known = _lookups(todo, job.store)
    results: dict[int, Outcome] = {}
    writes: list[tuple[Item, Article | None, Article | None]] = []  # item, existing, legacy
    hashes: dict[str, str] = {}  # content hash -> id of an earlier article of this batch to be written
    for item in todo:
        article, raw = item.article, item.raw
        assert article is not None and raw is not None
        existing, legacy, recorded = known.versions[article.article_id]
        count = len(known.chunks.get(existing.article_id, ())) if existing else 0
        outcome = decide(raw, article, existing, lambda r=recorded, c=count: c > 0 and r == c,
                         lambda a=article: known.twins.get(a.content_hash) or hashes.get(a.content_hash),
                         job.allow_replace)
        if outcome is not None:
            results[id(item)] = outcome
            continue
        hashes.setdefault(article.content_hash, article.article_id)
        writes.append((item, existing, legacy))
    results |= _write(writes, known.chunks, job)
    return [_finish(item, results.get(id(item), item.outcome), job) for item in batch]


def _lookups(todo: list[Item], store: Store) -> Known:
    articles = [i.article for i in todo if i.article is not None]
    found = store_many.records(store, [a.article_id for a in articles])
    records = {i.article.article_id for i in todo if i.article is not None and i.raw is not None
               and i.raw.fmt == "record"}
    legacy_keys = {a.article_id: legacy_id(a) for a in articles
                   if a.article_id in records and a.article_id not in found}
    legacy_found = store_many.records(store, sorted(set(legacy_keys.values()))) if legacy_keys else {}
    versions: dict[str, tuple[Article | None, Article | None, int]] = {}
    for article in articles:
        if article.article_id in found:
            existing, recorded = found[article.article_id]
            versions[article.article_id] = (existing, None, recorded)
            continue
        # The same record stored by an older newsdesk under its old id, from this very file and url.
        old = legacy_found.get(legacy_keys.get(article.article_id, ""))
        if old is not None and is_legacy_of(old[0], article):
            versions[article.article_id] = (old[0], old[0], old[1])
        else:
            versions[article.article_id] = (None, None, 0)
    stored_ids = sorted({e.article_id for e, _, _ in versions.values() if e is not None})
    return Known(versions, store_many.find_by_hashes(store, sorted({a.content_hash for a in articles})),
                 store_many.chunk_ids_of(store, stored_ids) if stored_ids else {})


def _write(writes: list[tuple[Item, Article | None, Article | None]], old: dict[str, set[str]],
           job: Job) -> dict[int, Outcome]:
    vectors = _embed([w[0] for w in writes], job)
    done = [(item, existing, legacy, v) for (item, existing, legacy), v in zip(writes, vectors, strict=True)
            if v is not None]
    with job.times.stage("story detection"):
        _stories([(item.article, v) for item, _, _, v in done], job.store)  # type: ignore[misc]
    with job.times.stage("store write"):
        store_many.write_articles(job.store, [(item.article, item.chunks, v) for item, _, _, v in done], old)
        legacies = [legacy.article_id for _, _, legacy, _ in done if legacy is not None]
        if legacies:  # moved to their new ids; the old ones go only after the new ones are complete
            job.store.delete_articles(legacies)
    out: dict[int, Outcome] = {}
    for (item, existing, _), v in zip(writes, vectors, strict=True):
        assert item.raw is not None and item.article is not None
        out[id(item)] = stored(item.raw, item.article, existing, None if v is None else len(item.chunks))
    return out


def _embed(items: list[Item], job: Job) -> list[np.ndarray | None]:
    """Every new chunk of the batch embedded, shortest first (similar lengths pad little), a slice at a
    time; per item its vectors, or None when should_stop() turned true before they were all made."""
    texts = [(t, n, k) for n, item in enumerate(items) for k, t in enumerate(item.texts)]
    order = sorted(range(len(texts)), key=lambda i: len(texts[i][0]))
    out = [np.zeros((len(item.texts), job.embedder.dimension), dtype=np.float32) for item in items]
    missing = [len(item.texts) for item in items]
    for start in range(0, len(order), SLICE):
        if job.should_stop is not None and job.should_stop():
            break
        with job.times.stage("give way"):
            give_way(job.settings)  # an answer being computed gets the CPU first
        part = order[start:start + SLICE]
        with job.times.stage("embed"):
            vectors = job.embedder.encode_many([texts[i][0] for i in part])
        for i, vector in zip(part, vectors, strict=True):
            _, n, k = texts[i]
            out[n][k] = vector
            missing[n] -= 1
    return [v if m == 0 else None for v, m in zip(out, missing, strict=True)]


def _stories(articles: list[tuple[Article, np.ndarray]], store: Store) -> None:
    """story_of for each article, with the batch's earlier articles counted as stored."""
    means = np.stack([mean_vector(v) for _, v in articles]) if articles else np.zeros((0, 1), np.float32)
    nearest = store_many.nearest_articles_many(store, means, 3) if len(means) else []
    for n, (article, _) in enumerate(articles):
        if article.story_id:
            continue
        mine = {a.article_id for a, _ in articles[:n]}
        candidates = [(a, s) for a, s in nearest[n] if a.article_id not in mine]
        if n:
            sims = means[:n] @ means[n]
            candidates += [(articles[j][0], float(sims[j])) for j in range(n)]
        candidates.sort(key=lambda c: -c[1])
        article.story_id = story_among(article, candidates[:3])


def _finish(item: Item, outcome: Outcome | None, job: Job) -> Outcome | None:
    """The file bookkeeping the --sync step needs, and the decoding note, as ingest_one's caller did."""
    if outcome is None:
        return None
    if outcome.article_id and outcome.status != "rejected":
        job.seen.add(outcome.article_id)
    elif outcome.status == "rejected" and item.key and not item.file_reason:
        job.files[item.key] = job.files.get(item.key) or f"{outcome.source} was rejected: {outcome.reason}"
    if item.raw is not None and item.raw.warning and outcome.status != "rejected":
        outcome.warnings.insert(0, item.raw.warning)
    return outcome

