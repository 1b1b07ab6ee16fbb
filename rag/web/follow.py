"""Followed feeds and the poller (`newsdesk follow / unfollow / feeds / watch`, `serve --watch`).

The followed set lives in `<data dir>/feeds.json`, so a `serve --watch` and a `newsdesk watch` on one
data dir see the same feeds. Every change is made under an flock on `feeds.lock` and written to a temp
file then os.replace'd: a reader never sees half a file, and two processes never lose each other's
edits. One poll round at a time per data dir (`poll.lock`, not waited for: a poller that finds it held
skips the round), so two pollers never fetch the same feed twice over.

Per feed: url, interval, when it was last fetched, its ETag / Last-Modified (the next request is
conditional), items added in all, items that failed and the last error of the last poll, and the
backoff: after n failed polls in a row the next is `every * 2**n` later (at most a day).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.ingest.embeddings import SentenceEmbeddings
from rag.storage.store import Store
from rag.types import Outcome
from rag.web.fetch import Fetcher, is_url
from rag.web.pages import Seen, ingest_source

STATE_FILE = "feeds.json"
MAX_BACKOFF_S = 86400.0
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass
class Followed:
    url: str
    every_s: float
    title: str = ""
    followed_at: str = ""
    last_fetch: str = ""  # UTC ISO time of the last poll, whatever came of it
    last_ok: str = ""  # ... of the last poll that read the feed (or got a 304)
    etag: str = ""
    last_modified: str = ""
    added: int = 0  # articles added or replaced from this feed, in all
    failed: int = 0  # items (or the feed itself) that failed in the last poll
    last_error: str = ""
    errors: int = 0  # polls in a row that failed: the backoff
    next_due: float = 0.0  # epoch seconds

    def seen(self, items: Seen) -> int:
        """Distinct item URLs read from this feed so far."""
        return sum(1 for v in items.values() if v.get("feed") == self.url)


@dataclass
class State:
    feeds: dict[str, Followed]
    items: Seen  # item URL -> what is held of it (rag.web.pages)


def parse_every(text: str) -> float:
    """'30m', '2h', '90s', '1d' or plain seconds -> seconds (at least 1)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text.lower())
    if not m or float(m[1]) * UNITS[m[2] or "s"] < 1:
        raise ValueError(f"not an interval: {text!r} (e.g. 30m, 2h, 1d)")
    return float(m[1]) * UNITS[m[2] or "s"]


def load(data_dir: Path) -> State:
    path = data_dir / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return State({}, {})
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} cannot be read ({exc}); fix or move it (it is never overwritten)") from None
    known = {f.name for f in fields(Followed)}
    feeds = {f["url"]: Followed(**{k: v for k, v in f.items() if k in known}) for f in raw.get("feeds", [])}
    return State(feeds, dict(raw.get("items", {})))


@contextmanager
def editing(data_dir: Path) -> Iterator[State]:
    """The state, under the lock; written back atomically when the block ends without an error."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with _flock(data_dir / "feeds.lock", wait=True):
        state = load(data_dir)
        yield state
        tmp = data_dir / f".{STATE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"feeds": [asdict(f) for f in state.feeds.values()], "items": state.items},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, data_dir / STATE_FILE)


@contextmanager
def _flock(path: Path, wait: bool) -> Iterator[bool]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def follow(data_dir: Path, url: str, every_s: float) -> tuple[Followed, bool]:
    """Follow a feed (or change its interval); returns it and whether it is new. Due at once."""
    if not is_url(url):
        raise ValueError(f"not an http(s) URL: {url!r}")
    with editing(data_dir) as state:
        old = state.feeds.get(url)
        feed = old or Followed(url=url, every_s=every_s, followed_at=_now())
        feed.every_s, feed.next_due = every_s, 0.0 if old is None else min(feed.next_due, time.time() + every_s)
        state.feeds[url] = feed
    return feed, old is None


def unfollow(data_dir: Path, url: str) -> bool:
    """Stop following (its articles stay in the store; `newsdesk remove` takes them out)."""
    with editing(data_dir) as state:
        return state.feeds.pop(url, None) is not None


def poll(settings: Settings, store: Store, embedder: SentenceEmbeddings, *, only: list[str] | None = None,
         force: bool = False, fetcher: Fetcher | None = None,
         wait: bool = False) -> list[tuple[Followed, list[Outcome]]] | None:
    """Poll the feeds that are due (all of `only` when force); None when another poller holds the round
    (wait: wait for it instead, as a reader's own `follow` does)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _flock(settings.data_dir / "poll.lock", wait=wait) as mine:
        if not mine:
            return None
        fetcher = fetcher or Fetcher(settings)
        state = load(settings.data_dir)
        now = time.time()
        chosen = [f for f in state.feeds.values() if (only is None or f.url in only) and (force or f.next_due <= now)]
        done = []
        for feed in chosen:
            seen = dict(state.items)
            done.append((feed, _poll_one(feed, settings, store, embedder, fetcher, seen)))
            _save(settings.data_dir, feed, seen)
            state.items = seen
        return done


def _poll_one(feed: Followed, settings: Settings, store: Store, embedder: SentenceEmbeddings, fetcher: Fetcher,
              seen: Seen) -> list[Outcome]:
    source = ingest_source(feed.url, settings, store, embedder, fetcher, seen, feed.etag, feed.last_modified)
    feed.last_fetch = _now()
    failed = [o for o in source.outcomes if o.status == "rejected"]
    feed.failed, feed.last_error = len(failed), (failed[0].reason if failed else "")
    if source.error:
        feed.errors += 1
        feed.next_due = time.time() + min(feed.every_s * 2 ** min(feed.errors, 10), max(MAX_BACKOFF_S, feed.every_s))
        return source.outcomes
    feed.errors, feed.last_ok, feed.next_due = 0, feed.last_fetch, time.time() + feed.every_s
    feed.title = source.title or feed.title
    # Items skipped for time are not held yet: the feed is then read in full next time, not answered by a 304.
    if not source.not_modified and not any(o.status == "skipped" for o in source.outcomes):
        feed.etag, feed.last_modified = source.etag, source.last_modified
    feed.added += sum(o.status in {"added", "replaced"} for o in source.outcomes)
    return source.outcomes


def _save(data_dir: Path, feed: Followed, seen: Seen) -> None:
    """Merge one poll's results into the file as it is now: an unfollow made meanwhile wins."""
    with editing(data_dir) as state:
        state.items.update(seen)
        if feed.url in state.feeds:
            feed.every_s = state.feeds[feed.url].every_s  # a `follow --every` made meanwhile wins too
            state.feeds[feed.url] = feed


def watch(settings: Settings, store: Store, embedder: SentenceEmbeddings, *, once: bool = False,
          stop: threading.Event | None = None, report: Callable[[Followed, list[Outcome]], None] | None = None,
          idle_s: float = 5.0) -> int:
    """Poll due feeds until stopped (once: one round, every feed). Returns the rounds run."""
    stop = stop or threading.Event()
    rounds = 0
    while not stop.is_set():
        try:
            done = poll(settings, store, embedder, force=once)
        except Exception as exc:  # noqa: BLE001 (the poller outlives one bad round; it says why)
            print(f"watch: poll failed: {type(exc).__name__}: {exc}", flush=True)
            done = []
        rounds += 1
        for feed, outcomes in done or []:
            if report:
                report(feed, outcomes)
        if once:
            break
        stop.wait(idle_s)
    return rounds


def start_watching(settings: Settings, store: Store, embedder: SentenceEmbeddings,
                   report: Callable[[Followed, list[Outcome]], None] | None = None) -> threading.Event:
    """The poller in a daemon thread (`serve --watch`); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=watch, args=(settings, store, embedder), kwargs={"stop": stop, "report": report},
                     daemon=True, name="newsdesk-watch").start()
    return stop


def summary(feed: Followed, items: Seen) -> dict[str, Any]:
    """What `newsdesk feeds --json` and the UI show of one feed."""
    due = max(0.0, feed.next_due - time.time())
    return {**{k: v for k, v in asdict(feed).items() if k not in {"next_due"}}, "seen": feed.seen(items),
            "next_poll_in_s": round(due)}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
