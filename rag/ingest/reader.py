"""The reading half of the ingest pipeline: files -> parsed, chunked articles, in input order, made
in a thread of their own so that parsing and chunking run while the embedder works (onnxruntime
releases the GIL). A bounded queue keeps the reader at most QUEUE_ITEMS documents ahead.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rag.config import Settings
from rag.ingest.articles import chunked
from rag.ingest.loaders import RawDoc, load
from rag.ingest.parsing import parse
from rag.ingest.stages import StageTimes
from rag.types import Article, Chunk, Outcome, Rejected

QUEUE_ITEMS = 256  # documents parsed ahead of the writer (a few batches; bounded so memory stays flat)


@dataclass
class Item:
    """One document (or one rejected file) on its way to the store. `file_done` marks the last item
    of a discovered input, for progress reports."""

    key: str  # resolved path of the file it came from ("" for an input rejected before reading)
    source: str
    outcome: Outcome | None = None  # decided by the reader already: rejected
    raw: RawDoc | None = None
    article: Article | None = None
    chunks: list[Chunk] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    file_done: bool = False
    file_reason: str = ""  # set on an item whose whole file could not be read


def read_items(found: list[Path | Rejected], settings: Settings, times: StageTimes) -> Iterator[Item]:
    """Every document of the inputs, parsed and chunked, in order. A document that cannot be parsed
    comes as an Item with a rejected outcome: one bad document never stops the rest."""
    for entry in found:
        if isinstance(entry, Rejected):
            yield Item("", entry.source, Outcome(entry.source, "rejected", entry.reason), file_done=True)
            continue
        yield from _file_items(entry, settings, times)


def _file_items(path: Path, settings: Settings, times: StageTimes) -> Iterator[Item]:
    key = str(path.resolve())
    try:
        with times.stage("read files"):
            docs = load(path, int(settings.max_file_mb * 1_000_000))
    except Rejected as exc:
        yield Item(key, exc.source, Outcome(exc.source, "rejected", exc.reason), file_done=True,
                   file_reason=exc.reason)
        return
    except OSError as exc:
        reason = f"cannot read: {exc.strerror or exc}"
        yield Item(key, str(path), Outcome(str(path), "rejected", reason), file_done=True, file_reason=reason)
        return
    if not docs:
        yield Item(key, str(path), file_done=True)
    for n, doc in enumerate(docs, 1):
        item = Item(key, doc.source, file_done=n == len(docs))
        if isinstance(doc, Rejected):
            item.outcome = Outcome(doc.source, "rejected", doc.reason)
        else:
            item.raw = doc
            _prepare(item, settings, times)
        yield item


def _prepare(item: Item, settings: Settings, times: StageTimes) -> None:
    assert item.raw is not None
    try:
        with times.stage("parse+clean"):
            article = parse(item.raw)
        with times.stage("chunk"):
            item.chunks, item.texts = chunked(article, settings)
        item.article = article
    except Rejected as exc:
        item.outcome = Outcome(item.raw.source, "rejected", exc.reason)
    except Exception as exc:  # noqa: BLE001 (one bad document must not stop the batch; the reason is reported)
        item.outcome = Outcome(item.raw.source, "rejected", f"failed: {type(exc).__name__}: {exc}")


_END = object()


def read_ahead(items: Iterator[Item], times: StageTimes) -> Iterator[Item]:
    """`items`, produced by a background thread at most QUEUE_ITEMS ahead. An error in the reader is
    raised here; leaving the loop early (an error in the writer) ends the reader too."""
    box: queue.Queue[object] = queue.Queue(QUEUE_ITEMS)
    done = threading.Event()

    def put(obj: object) -> bool:
        while not done.is_set():
            try:
                box.put(obj, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # noqa: BLE001 (handed to the writer thread, raised there)
            put(exc)

    thread = threading.Thread(target=run, name="newsdesk-reader", daemon=True)
    thread.start()
    try:
        while True:
            start = time.perf_counter()
            obj = box.get()
            times.add("wait for parse", time.perf_counter() - start)
            if obj is _END:
                return
            if isinstance(obj, BaseException):
                raise obj
            assert isinstance(obj, Item)
            yield obj
    finally:
        done.set()
        thread.join(timeout=5)
