"""A small news site on 127.0.0.1, for the feed tests, benchmarks/bench_feeds.py and an offline demo:

    .venv/bin/python -m tests.feedsite --port 8765          # then, in another shell:
    NEWSDESK_ALLOW_PRIVATE_URLS=1 .venv/bin/newsdesk follow http://127.0.0.1:8765/rss.xml

It serves an RSS 2.0 feed (/rss.xml: dc:creator, RFC 822 pubDate, CDATA), an Atom feed (/atom.xml) and
a news sitemap (/news-sitemap.xml, listed by /sitemap-index.xml), article pages (/news/<slug>.html)
wrapped in the usual clutter (nav, ads, related links, a cookie banner, a footer), and the failure
cases: an item without a link, a 404, a 500, a redirect loop, a PDF, a 30 MB page, an unreachable
host and a malformed feed (/broken.xml).
The stories are the seed articles in seeds/ and BBC articles read in place from ../shared/corpora/bbc/
(never copied). Every response has an ETag and a Last-Modified; the site counts requests per path,
the conditional ones and the 304s.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import threading
from collections import Counter
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "corpora" / "bbc"
BIG_MB = 30
BROKEN = ["no-link", "/missing.html", "/error.html", "/loop/a.html", "/report.pdf", "/big.html", "unreachable"]


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    author: str = ""  # in the feed (dc:creator / <author>)
    published: str = ""  # RFC 822, in the feed
    page_meta: dict[str, str] | None = None  # <meta> tags of the page itself
    version: int = 1


def seed_stories() -> list[Story]:
    upi = _lines(ROOT / "seeds" / "003_e4d973081443a5a0.txt")
    telegraph = _lines(ROOT / "seeds" / "000_c25ba82d402ee5a4.txt")
    return [
        # The page states everything itself: title, author, site name, date.
        Story("korea-talks-possible", upi[0], upi[1:], author="Feed Desk",
              published="Tue, 12 Dec 2017 08:00:00 +0000",
              page_meta={"author": "Jennie Oh", "og:site_name": "UPI",
                         "article:published_time": "2017-12-12T04:41:00Z"}),
        # The page states only its title: author and date come from the feed.
        Story("russia-says-north-korea-ready", telegraph[0].title(), telegraph[3:], author="Telegraph Reporters",
              published="Fri, 08 Dec 2017 09:30:00 +0000", page_meta={"og:site_name": "The Telegraph"}),
    ]


def bbc_stories(n: int) -> list[Story]:
    """n BBC articles (2004-2005; the corpus has no dates), the first without any date at all."""
    files = sorted(BBC.glob("*/[0-9][0-9][0-9].txt"))[::40][:n] if BBC.is_dir() else []
    out = []
    for i, path in enumerate(files):
        lines = _lines(path)
        published = "" if i == 0 else formatdate(1104537600 + i * 86400, usegmt=True)  # from 1 Jan 2005
        out.append(Story(f"bbc-{path.parent.name}-{path.stem}", lines[0], lines[1:],
                         author="" if i == 0 else "BBC staff", published=published,
                         page_meta={"og:site_name": "BBC News"}))
    return out


def _lines(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and ln.strip() != "Advertisement"]


CLUTTER_TOP = """<header><nav class="site-nav"><a href="/">Home</a> <a href="/world">World</a>
<a href="/business">Business</a> <a href="/sport">Sport</a> <a href="/login">Sign in</a></nav></header>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience on our site.
<button>Accept all cookies</button> <a href="/privacy">Manage cookie preferences</a></div>
<div class="ad-slot advert">Advertisement: Buy the new Zephyr phone today, 20% off for subscribers!</div>"""
CLUTTER_BOTTOM = """<aside class="related"><h3>Related stories</h3><ul><li><a href="/news/x.html">Ten gadgets you
need this winter</a></li><li><a href="/news/y.html">Celebrity chef opens new restaurant</a></li></ul></aside>
<div class="newsletter">Subscribe to our newsletter for the day's top stories.</div>
<footer><p>Copyright 2026 Example News Network. All rights reserved.</p><a href="/terms">Terms</a></footer>"""
CLUTTER_WORDS = ["cookie", "Zephyr", "Advertisement:", "Related stories", "Ten gadgets", "Subscribe to our",
                 "All rights reserved", "Sign in", "Business Sport"]


def page(story: Story, base: str) -> str:
    metas = "".join(f'<meta {"property" if k.startswith(("og:", "article:")) else "name"}="{k}" '
                    f'content="{html.escape(v)}">' for k, v in (story.page_meta or {}).items())
    body = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(story.title)}</title>'
            f'{metas}<meta property="og:title" content="{html.escape(story.title)}">'
            f'<link rel="canonical" href="{base}/news/{story.slug}.html"></head><body>{CLUTTER_TOP}'
            f'<main><article><h1>{html.escape(story.title)}</h1>{body}</article></main>{CLUTTER_BOTTOM}</body></html>')


def rss(site: Site) -> str:
    items = []
    for s in site.stories:
        creator = f"<dc:creator><![CDATA[{s.author}]]></dc:creator>" if s.author else ""
        date = f"<pubDate>{s.published}</pubDate>" if s.published else ""
        items.append(f"<item><title><![CDATA[{s.title}]]></title><link>{site.url}/news/{s.slug}.html</link>"
                     f'<guid isPermaLink="true">{site.url}/news/{s.slug}.html</guid>{creator}{date}'
                     f"<description><![CDATA[<p>{html.escape(s.paragraphs[0][:200])}</p>]]></description></item>")
    for case in site.broken:
        target = site.dead_url if case == "unreachable" else site.url + case
        link = "" if case == "no-link" else f"<link>{target}</link>"
        items.append(f"<item><title>Broken case: {case}</title>{link}"
                     "<pubDate>Mon, 03 Jan 2005 10:00:00 GMT</pubDate></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Example News: Top stories</title>'
            f'<link>{site.url}/</link><atom:link href="{site.url}/rss.xml" rel="self" type="application/rss+xml"/>'
            f"<description>The day's news</description><language>en-gb</language>{''.join(items)}</channel></rss>")


def atom(site: Site) -> str:
    entries = "".join(
        f'<entry><title type="html"><![CDATA[{s.title}]]></title><link rel="alternate" href="/news/{s.slug}.html"/>'
        f"<id>urn:example:{s.slug}</id><updated>2017-12-12T09:00:00Z</updated>"
        + (f"<author><name>{html.escape(s.author)}</name></author>" if s.author else "")
        + f"<summary>{html.escape(s.paragraphs[0][:120])}</summary></entry>" for s in site.stories[:3])
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xml:base="{site.url}/"><title>Example News (Atom)</title><id>urn:example:feed</id>'
            f"<updated>2017-12-12T09:00:00Z</updated>{entries}</feed>")


def news_sitemap(site: Site) -> str:
    urls = "".join(
        f"<url><loc>{site.url}/news/{s.slug}.html</loc><lastmod>2017-12-12</lastmod><news:news><news:publication>"
        f"<news:name>Example News</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>2017-12-1{i}</news:publication_date><news:title>{html.escape(s.title)}</news:title>"
        f"</news:news></url>" for i, s in enumerate(site.stories[:3]))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')


class Site:
    """The site's content and counters; start() serves it in a daemon thread."""

    def __init__(self, n_bbc: int = 2, broken: bool = True) -> None:
        self.stories = seed_stories() + bbc_stories(n_bbc)
        self.broken = BROKEN if broken else []
        self.requests: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.user_agents: set[str] = set()
        self.url = self.dead_url = ""
        self._server: ThreadingHTTPServer | None = None

    def story(self, slug: str) -> Story:
        return next(s for s in self.stories if s.slug == slug)

    def update(self, slug: str, paragraph: str) -> None:
        """The story changes at the same URL (a correction), and the feed says it was updated."""
        s = self.story(slug)
        s.paragraphs = [*s.paragraphs[:3], paragraph, *s.paragraphs[3:]]
        s.version += 1
        s.published = formatdate(1513100000 + 3600 * s.version, usegmt=True)

    def reset_counts(self) -> None:
        self.requests.clear()
        self.conditional.clear()
        self.not_modified.clear()

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self.url = f"http://{host}:{self._server.server_address[1]}"
        from socket import socket

        with socket() as s:  # a port nothing listens on: the "unreachable host" case
            s.bind(("127.0.0.1", 0))
            self.dead_url = f"http://127.0.0.1:{s.getsockname()[1]}/news/gone.html"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def resource(self, path: str) -> tuple[int, str, bytes, dict[str, str]]:
        """(status, content type, body, extra headers) for a path."""
        feeds = {"/rss.xml": ("application/rss+xml", rss), "/atom.xml": ("application/atom+xml", atom),
                 "/news-sitemap.xml": ("application/xml", news_sitemap)}
        if path in feeds:
            kind, build = feeds[path]
            return 200, kind, build(self).encode(), {}
        if path == "/sitemap-index.xml":
            return 200, "application/xml", ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.'
                                            f'sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>{self.url}/news-sitemap'
                                            '.xml</loc></sitemap></sitemapindex>').encode(), {}
        if path == "/broken.xml":
            return 200, "application/rss+xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>Oops</titl' \
                                               b"e><item><title>Half <b>an item</item></chan", {}
        if path.startswith("/news/") and path.endswith(".html"):
            slug = path[6:-5]
            if any(s.slug == slug for s in self.stories):
                return 200, "text/html; charset=utf-8", page(self.story(slug), self.url).encode(), {}
        if path == "/error.html":
            return 500, "text/html", b"<h1>Internal Server Error</h1>", {}
        if path in {"/loop/a.html", "/loop/b.html"}:
            return 302, "text/html", b"", {"Location": "/loop/b.html" if path.endswith("a.html") else "/loop/a.html"}
        if path == "/report.pdf":
            return 200, "application/pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" * 50, {}
        return 404, "text/html", b"<h1>Not Found</h1>", {}


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?")[0]
            site.requests[path] += 1
            site.user_agents.add(self.headers.get("User-Agent", ""))
            if path == "/big.html":
                return self._big()
            status, kind, body, extra = site.resource(path)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = formatdate(1513000000 + len(body), usegmt=True)
            asked_etag, asked_since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if asked_etag or asked_since:
                site.conditional[path] += 1
            if status == 200 and (asked_etag == etag or (not asked_etag and asked_since == modified)):
                site.not_modified[path] += 1
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _big(self) -> None:
            # No Content-Length: the client has to stream the body and cut it off itself.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            filler = b"<p>" + b"filler text " * 80 + b"</p>\n"
            try:
                self.wfile.write(b"<html><body>")
                for _ in range(BIG_MB * 1_000_000 // len(filler)):
                    self.wfile.write(filler)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cut it off, as it should

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="An offline news site with feeds, for trying `newsdesk follow`.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--bbc", type=int, default=8, help="BBC articles to serve besides the two seeds")
    args = parser.parse_args()
    site = Site(n_bbc=args.bbc)
    url = site.start(args.port)
    print(f"serving {url}/rss.xml, {url}/atom.xml and {url}/news-sitemap.xml (Ctrl-C stops)\n"
          f"try: NEWSDESK_ALLOW_PRIVATE_URLS=1 newsdesk follow {url}/rss.xml", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
