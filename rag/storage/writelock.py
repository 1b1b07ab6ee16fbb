"""One writer at a time per data dir: an exclusive flock on `<data dir>/write.lock`.

Two embedded Chroma writers at once corrupt the store (one process's HNSW segment is built while the
other's is half written: "Nothing found on disk", "Error finding id"), and two writers replacing the
same article interleave their chunk deletes. Ingest, remove and `check --repair` therefore hold this
lock for their whole run. flock is released by the kernel when the holder dies, so a kill -9 never
leaves a stale lock behind. Readers (search, ask) never take it.

The lock is reentrant within a process (the CLI takes it before opening the store, and ingest() takes
it again inside), and threads of one process (UI uploads) queue on an RLock.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POLL_S = 0.2


class StoreBusy(RuntimeError):
    """Another process kept the write lock past the timeout."""


class _Held:
    def __init__(self) -> None:
        self.guard = threading.RLock()
        self.depth = 0
        self.fd: int | None = None


_HELD: dict[str, _Held] = {}
_REGISTRY = threading.Lock()


@contextmanager
def write_lock(data_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold the data dir's write lock; wait (saying so once on stderr) up to `timeout_s` for another
    writer to finish, then raise StoreBusy."""
    path = data_dir.resolve() / "write.lock"
    with _REGISTRY:
        held = _HELD.setdefault(str(path), _Held())
    with held.guard:
        if held.depth == 0:
            held.fd = _acquire(path, timeout_s)
        held.depth += 1
        try:
            yield
        finally:
            held.depth -= 1
            if held.depth == 0 and held.fd is not None:
                os.close(held.fd)  # closing the descriptor releases the flock
                held.fd = None


def _acquire(path: Path, timeout_s: float) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + max(timeout_s, 0.0)
    said = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(fd)
                os.close(fd)
                raise StoreBusy(f"another ingest or removal{holder} still holds {path} after {timeout_s:g} s; "
                                "try again when it has finished (NEWSDESK_WRITE_LOCK_TIMEOUT_S)") from None
            if not said:
                print(f"newsdesk: waiting for another ingest or removal{_holder(fd)} to finish "
                      f"(holds {path}; up to {timeout_s:g} s)", file=sys.stderr, flush=True)
                said = True
            time.sleep(POLL_S)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # for the message another writer prints
    return fd


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""
