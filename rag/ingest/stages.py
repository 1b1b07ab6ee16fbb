"""Wall-clock seconds per ingest stage: a few perf_counter calls per batch, cheap enough to stay on
in the product path (no profiler). The benchmarks print them as the stage table.

Stages run in two threads (parse/chunk ahead of the embedder), so their sum can exceed the wall
time; "wait for parse" is the time the writer thread sat idle waiting for the reader.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimes:
    """Seconds (and call counts) per named stage, safe to add to from several threads."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - start)

    def add(self, name: str, seconds: float) -> None:
        with self._lock:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            self.calls[name] = self.calls.get(name, 0) + 1

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in self.seconds.items()}


NULL = StageTimes()  # the default sink when nobody asked for the numbers
