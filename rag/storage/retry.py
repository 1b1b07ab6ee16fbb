"""Riding out a short store outage: a Chroma server that restarts, or is briefly unreachable, must cost
one batch question a few seconds of waiting, not the whole batch."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def store_unreachable(exc: BaseException) -> bool:
    """A failure to reach the store (connection refused or reset, timeout), as opposed to bad input or
    a bug, which retrying cannot fix."""
    import httpx  # chromadb's HttpClient speaks httpx; a down server surfaces as its transport errors

    return isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError)


def retrying(call: Callable[[], T], budget_s: float, on_retry: Callable[[BaseException, float], None] | None = None,
             first_wait_s: float = 0.25, max_wait_s: float = 2.0) -> T:
    """`call()`, tried again with doubling waits while the store is unreachable and `budget_s` seconds
    have not passed; then the last error is raised."""
    deadline = time.monotonic() + budget_s
    wait = first_wait_s
    while True:
        try:
            return call()
        except Exception as exc:
            left = deadline - time.monotonic()
            if not store_unreachable(exc) or left <= 0:
                raise
            if on_retry:
                on_retry(exc, left)
            time.sleep(min(wait, left))
            wait = min(2 * wait, max_wait_s)
