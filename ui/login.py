"""What Gradio's login page leaves open, closed in front of it (an ASGI middleware).

Gradio's auth is a login form that sets a cookie. It answers every wrong password at once, and a few
of its routes (`/gradio_api/cancel`, `/reset`, `/heartbeat`) answer without that cookie. This layer
throttles failed logins per client address (after `free` wrong passwords: 2 s, then doubling, up to
`limit_s`, with 429 and Retry-After; a right password during the wait is refused too, or guessing
would simply go on) and refuses those routes to clients that have not logged in.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie
from typing import Any

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
# Routes Gradio serves without checking the login cookie that act on queued jobs or sessions.
GUARDED = ("/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/heartbeat/")


class LoginGuard:
    def __init__(self, app: ASGIApp, *, logged_in: Callable[[list[str]], bool], free: int = 3,
                 limit_s: float = 300.0) -> None:
        self.app = app
        self.logged_in = logged_in  # given the cookie values, is one of them a live login token?
        self.free = free
        self.limit_s = limit_s
        self._clients: dict[str, tuple[int, float]] = {}  # address -> (attempts since success, wait until)
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if scope["method"] == "POST" and path.rstrip("/").endswith("/login"):
            return await self._login(scope, receive, send)
        if (path.startswith(GUARDED) or path.rstrip("/") in GUARDED) and not self.logged_in(_cookies(scope)):
            return await _reply(send, 401, {"detail": "Not authenticated"})
        return await self.app(scope, receive, send)

    async def _login(self, scope: Scope, receive: Any, send: Any) -> None:
        client = (scope.get("client") or ("unknown",))[0]
        with self._lock:
            now = time.monotonic()
            attempts, until = self._clients.get(client, (0, 0.0))
            if now < until:
                wait = math.ceil(until - now)
                return await _reply(send, 429, {"detail": f"Too many wrong passwords; try again in {wait} s."},
                                    [(b"retry-after", str(wait).encode())])
            # Counted before the answer, so that parallel guesses cannot all slip in before the first fails.
            attempts += 1
            delay = min(2.0 ** (attempts - self.free), self.limit_s) if attempts > self.free else 0.0
            self._clients[client] = (attempts, now + delay)
            self._prune(now)
        status: dict[str, int] = {}

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, watch)
        if status.get("code") == 200:
            with self._lock:
                self._clients.pop(client, None)

    def _prune(self, now: float) -> None:
        # Many addresses (IPv6) must not grow the table without end: forget clients whose wait is long over.
        if len(self._clients) > 4096:
            self._clients = {c: v for c, v in self._clients.items() if v[1] + self.limit_s > now}


def _cookies(scope: Scope) -> list[str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is simply not a login
                continue
    return [morsel.value for key, morsel in jar.items() if key.startswith("access-token")]


async def _reply(send: Any, status: int, body: dict[str, Any],
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), *(headers or [])]})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})
