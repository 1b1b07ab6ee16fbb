"""HTTP GET for news pages and feeds, within limits: the only place newsdesk opens a socket to a web host.

Only http and https. The host is resolved here and every address it resolves to is checked: a private,
loopback, link-local or otherwise non-public address is refused unless Settings.allow_private_urls
(a page must not make the server probe its own network), and the connection goes to the address that
was checked, so a second DNS answer cannot swap it. Redirects are followed by hand, each hop checked
the same way, at most MAX_HOPS. The body is streamed and cut off past max_page_mb; one host is asked
one request at a time, fetch_delay_s apart. Conditional GET (If-None-Match / If-Modified-Since) makes
an unchanged page a 304 with no body. Every failure is a Rejected with a one-line reason.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from rag.config import Settings
from rag.types import Rejected

MAX_HOPS = 5
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


class OutOfTime(Rejected):
    """The run's time budget (Fetcher.deadline) ran out before this request was sent."""


def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"newsdesk/{version('newsdesk')}"
    except PackageNotFoundError:
        return "newsdesk/0.1.0"


@dataclass
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional request whose page did not change
    content_type: str = ""
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""
    fetched_at: str = ""  # UTC, ISO 8601: when it was fetched (never a publication date)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class Fetcher:
    """One per poll or ingest run; shared by its threads. Counts what it sent (for reports, benchmarks)."""

    settings: Settings
    deadline: float = 0.0  # time.monotonic() after which nothing more is fetched (0 = no budget)
    requests: int = 0
    conditional: int = 0
    _hosts: dict[str, threading.Lock] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def get(self, url: str, etag: str = "", last_modified: str = "") -> Response:
        if self.deadline and time.monotonic() > self.deadline:
            raise OutOfTime(url, "the time budget ran out before this was fetched; the next poll fetches it")
        seen = [url]
        for _ in range(MAX_HOPS + 1):
            status, headers, body = self._one(seen[-1], etag, last_modified)
            if status not in REDIRECTS:
                return _response(url, seen[-1], status, headers, body)
            target = headers.get("location", "")
            if not target:
                raise Rejected(url, f"HTTP {status} redirect without a Location")
            target = urljoin(seen[-1], target)
            if target in seen:
                raise Rejected(url, f"redirect loop ({' -> '.join(seen[seen.index(target):] + [target])})")
            seen.append(target)
        raise Rejected(url, f"more than {MAX_HOPS} redirects")

    def _one(self, url: str, etag: str, last_modified: str) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname or ""
        if scheme not in {"http", "https"}:
            raise Rejected(url, f"only http and https URLs are fetched, not {scheme or 'a bare path'}")
        if not host:
            raise Rejected(url, "URL has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise Rejected(url, "URL has an invalid port") from None
        address = self._address(url, host, port)
        headers = {"User-Agent": user_agent(), "Accept-Encoding": "identity",
                   "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                             "application/xml;q=0.9,*/*;q=0.5"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        with self._turn(f"{host}:{port}"):
            self.requests += 1
            self.conditional += bool(etag or last_modified)
            return self._send(url, scheme, host, port, address, path, headers)

    def _address(self, url: str, host: str, port: int) -> str:
        """The first address of `host`, once every address it resolves to is allowed."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise Rejected(url, f"unreachable: cannot resolve host {host!r} ({exc})") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not self.settings.allow_private_urls:
            for addr in addresses:
                ip = ipaddress.ip_address(addr.split("%")[0])
                ip = getattr(ip, "ipv4_mapped", None) or ip
                if not ip.is_global or ip.is_multicast:
                    raise Rejected(url, f"refused: {host} resolves to {addr}, a private or local address "
                                        "(NEWSDESK_ALLOW_PRIVATE_URLS allows them)")
        return addresses[0]

    @contextmanager
    def _turn(self, host: str) -> Iterator[None]:
        """Per-host concurrency 1, and fetch_delay_s between the end of one request and the next."""
        with self._guard:
            lock = self._hosts.setdefault(host, threading.Lock())
        with lock:
            wait = self._last.get(host, 0.0) + self.settings.fetch_delay_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._last[host] = time.monotonic()

    def _send(self, url: str, scheme: str, host: str, port: int, address: str, path: str,
              headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        s = self.settings
        conn = _connection(scheme, host, port, address, s.fetch_timeout_s)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            got = {k.lower(): v for k, v in resp.getheaders()}
            body = b"" if resp.status in REDIRECTS or resp.status == 304 else _read(url, resp, s)
        except TimeoutError:
            raise Rejected(url, f"unreachable: no answer within {s.fetch_timeout_s:g} s "
                                "(NEWSDESK_FETCH_TIMEOUT_S)") from None
        except (OSError, http.client.HTTPException) as exc:
            raise Rejected(url, f"unreachable: {getattr(exc, 'strerror', None) or exc or type(exc).__name__}") from None
        finally:
            conn.close()
        if resp.status >= 400:
            raise Rejected(url, f"HTTP {resp.status} {resp.reason}".rstrip())
        return resp.status, got, body


def _connection(scheme: str, host: str, port: int, address: str, timeout: float) -> http.client.HTTPConnection:
    """A connection to the checked address that still names `host` (Host header, TLS SNI and certificate)."""
    class Pinned(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = socket.create_connection((address, port), timeout)

    class PinnedTLS(http.client.HTTPSConnection):
        def connect(self) -> None:
            raw = socket.create_connection((address, port), timeout)
            self.sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)

    cls = PinnedTLS if scheme == "https" else Pinned
    return cls(host, port, timeout=timeout)


def _read(url: str, resp: http.client.HTTPResponse, s: Settings) -> bytes:
    """The body, streamed, cut off once over max_page_mb (a declared length over it is not read at all)."""
    limit = int(s.max_page_mb * 1_000_000)
    declared = resp.getheader("content-length", "")
    too_big = f"over the {s.max_page_mb:g} MB page limit (NEWSDESK_MAX_PAGE_MB)"
    if declared.isdigit() and int(declared) > limit:
        raise Rejected(url, f"page of {int(declared) / 1e6:.1f} MB is {too_big}; not read")
    deadline = time.monotonic() + 4 * s.fetch_timeout_s  # a server dribbling bytes cannot hold us forever
    parts, size = [], 0
    while chunk := resp.read(CHUNK):
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            raise Rejected(url, f"page is {too_big}; cut off after {size / 1e6:.1f} MB")
        if time.monotonic() > deadline:
            raise Rejected(url, f"page took over {4 * s.fetch_timeout_s:g} s to arrive; cut off")
    return b"".join(parts)


def _response(asked: str, final: str, status: int, headers: dict[str, str], body: bytes) -> Response:
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    return Response(url=final, status=status, content_type=kind,
                    body=body, etag=headers.get("etag", ""), last_modified=headers.get("last-modified", ""),
                    fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def is_url(text: str) -> bool:
    return urlsplit(text).scheme.lower() in {"http", "https"}
