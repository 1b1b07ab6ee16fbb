"""Ingest gives way to answers. On two cores an ingest's embedding threads and llama.cpp's threads
oversubscribe the CPU, and llama.cpp stalls (its LLM step went from ~1 s to 30-39 s). So every answer
holds a marker file in `<data dir>/answering/` while it runs, and the ingest loop, between articles,
waits while any marker is held (at most NEWSDESK_INGEST_YIELD_MAX_S at a time, so a stream of
questions slows an ingest but cannot stop it). Files, not a lock in memory: `serve` and a CLI ingest
share only the data dir, and the UI's uploads run in the server's own process; both see the markers.
A marker left by a killed process is ignored (its pid is gone) and removed.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rag.config import Settings

F = TypeVar("F", bound=Callable[..., Any])
STALE_S = 600.0  # no answer takes this long (llm_timeout_s is 120): older markers are leftovers
POLL_S = 0.05
_count = itertools.count()


def marker_dir(data_dir: Path) -> Path:
    return data_dir / "answering"


@contextmanager
def answering(data_dir: Path) -> Iterator[None]:
    """Hold an "an answer is being computed" marker (one per answer: several may run at once)."""
    marker = marker_dir(data_dir) / f"{os.getpid()}-{threading.get_ident()}-{next(_count)}"
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only data dir: answer anyway, just without priority
        yield
        return
    try:
        yield
    finally:
        marker.unlink(missing_ok=True)


def while_answering(fn: F) -> F:
    """Decorator for `answer(question, pipe, ...)`: the marker is held for the whole call."""
    @functools.wraps(fn)
    def wrapper(question: str, pipe: Any, *args: Any, **kwargs: Any) -> Any:
        with answering(pipe.settings.data_dir):
            return fn(question, pipe, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def answers_in_progress(data_dir: Path) -> int:
    folder = marker_dir(data_dir)
    try:
        markers = list(folder.iterdir())
    except OSError:
        return 0
    held = 0
    now = time.time()
    for marker in markers:
        try:
            pid = int(marker.name.split("-")[0])
            fresh = now - marker.stat().st_mtime < STALE_S
        except (ValueError, OSError):
            continue
        if fresh and _alive(pid):
            held += 1
        else:
            marker.unlink(missing_ok=True)
    return held


def give_way(settings: Settings) -> float:
    """Called by the ingest loop between articles: wait while answers are in progress (up to
    settings.ingest_yield_max_s). Returns the seconds waited."""
    if settings.ingest_yield_max_s <= 0 or not answers_in_progress(settings.data_dir):
        return 0.0
    start = time.monotonic()
    print("ingest: pausing while a question is answered", file=sys.stderr, flush=True)
    while answers_in_progress(settings.data_dir) and time.monotonic() - start < settings.ingest_yield_max_s:
        time.sleep(POLL_S)
    return time.monotonic() - start
