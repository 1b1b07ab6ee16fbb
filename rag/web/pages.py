"""Ingest from the web: article URLs, feeds and sitemaps (fetched with rag.web.fetch, read with rag.web.feeds).

A fetched page takes the same path as a file: a RawDoc (fmt "web": its text extracted by trafilatura,
its metadata from the page, the feed item's where the page has none) through ingest_one, under the
store's write lock, which is held per article and never across a fetch. The article's id is keyed on
its URL (rag.ingest.parsing.web_id) and its source_path is the URL, so an updated story at the same URL replaces
the old version and nothing from anywhere else can. `fetched_at` goes into Article.extra; `published`
comes only from the page or the feed, never from the fetch time.

`seen` maps an item URL to what is known of the version held: its ETag / Last-Modified, the feed's
signature of it (dates, title, id) and the article id. An item whose signature has not changed is not
asked for at all; one whose signature changed is asked for conditionally (304 = unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.ingest.articles import ingest_one
from rag.ingest.decoding import decode
from rag.ingest.embeddings import SentenceEmbeddings
from rag.ingest.loaders import RawDoc, extract_html
from rag.ingest.metadata import parse_date
from rag.ingest.yielding import give_way
from rag.storage.store import Store
from rag.types import Outcome, Rejected
from rag.web.feeds import Feed, Item, kind_of, read
from rag.web.fetch import Fetcher, OutOfTime, Response, is_url

Seen = dict[str, dict[str, Any]]
WRITTEN = {"added", "replaced"}


@dataclass
class Source:
    """What one target (URL or local .xml file) turned out to be, and what came of it."""

    target: str
    kind: str = ""  # html | rss | atom | sitemap | sitemapindex
    title: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False
    error: str = ""  # why the target itself failed ("" when it was read)


def ingest_targets(targets: list[str], settings: Settings, store: Store, embedder: SentenceEmbeddings,
                   fetcher: Fetcher, seen: Seen, allow_replace: bool = True) -> list[Outcome]:
    """`newsdesk ingest URL|feed.xml ...`: one Outcome per page, per item and per failure."""
    outcomes: list[Outcome] = []
    for target in targets:
        outcomes += ingest_source(target, settings, store, embedder, fetcher, seen,
                                  allow_replace=allow_replace).outcomes
    return outcomes


def ingest_source(target: str, settings: Settings, store: Store, embedder: SentenceEmbeddings, fetcher: Fetcher,
                  seen: Seen, etag: str = "", last_modified: str = "", allow_replace: bool = True) -> Source:
    """A URL (article page, feed or sitemap, told apart by content type and body) or a local .xml feed
    file. etag / last_modified make the request for a feed conditional."""
    source = Source(target)
    try:
        if is_url(target):
            resp = fetcher.get(target, etag, last_modified)
            source.etag, source.last_modified = resp.etag, resp.last_modified
            if resp.not_modified:
                source.not_modified = True
                source.outcomes.append(Outcome(target, "unchanged", "not modified since the last poll (HTTP 304)"))
                return source
            kind, body = kind_of(resp.content_type, resp.body), resp.body
        else:
            body, kind, resp = _local_xml(target, settings), "feed", None
        if kind == "html" and resp is not None:
            source.kind = "html"
            source.outcomes.append(_store_page(resp, Item(link=target), "", settings, store, embedder, seen,
                                               allow_replace))
            _finish(source.outcomes, store)
            return source
        if kind not in {"feed", "sitemap"}:
            what = resp.content_type if resp is not None and resp.content_type else "unknown"
            raise Rejected(target, f"not an HTML page, RSS/Atom feed or sitemap (content type {what})")
        feed = read(body, target)
    except Rejected as exc:
        source.error = exc.reason
        source.outcomes.append(Outcome(exc.source, "rejected", exc.reason))
        return source
    source.kind, source.title = feed.kind, feed.title
    source.outcomes += ingest_feed(feed, target, settings, store, embedder, fetcher, seen, allow_replace)
    return source


def _local_xml(target: str, settings: Settings) -> bytes:
    from rag.ingest.discovery import read_bytes

    path = Path(target)
    if path.suffix.lower() != ".xml":
        raise Rejected(target, "not a URL or a .xml feed file")
    try:
        return read_bytes(path, int(settings.max_file_mb * 1_000_000))
    except OSError as exc:
        raise Rejected(target, f"cannot read: {exc.strerror or exc}") from None


def ingest_feed(feed: Feed, feed_url: str, settings: Settings, store: Store, embedder: SentenceEmbeddings,
                fetcher: Fetcher, seen: Seen, allow_replace: bool = True) -> list[Outcome]:
    """Every item of a feed (a sitemap index: the items of its child sitemaps); one broken item is one
    rejected Outcome and the rest still go in."""
    outcomes = [Outcome(r.source, "rejected", r.reason) for r in feed.rejected]
    if feed.kind == "sitemapindex":
        for child in feed.items:
            try:
                resp = fetcher.get(child.link)
                inner = read(resp.body, child.link)
            except Rejected as exc:
                outcomes.append(Outcome(exc.source, "rejected", exc.reason))
                continue
            if inner.kind != "sitemapindex":  # one level only: an index of indexes is not walked
                outcomes += ingest_feed(inner, child.link, settings, store, embedder, fetcher, seen, allow_replace)
        return outcomes
    for item in feed.items:
        give_way(settings)  # an answer being computed gets the CPU first
        outcomes.append(ingest_item(item, feed_url, settings, store, embedder, fetcher, seen, allow_replace))
    _finish(outcomes, store)
    if feed.warning:
        outcomes.insert(0, Outcome(feed_url, "warning", feed.warning))
    return outcomes


def ingest_item(item: Item, feed_url: str, settings: Settings, store: Store, embedder: SentenceEmbeddings,
                fetcher: Fetcher, seen: Seen, allow_replace: bool = True) -> Outcome:
    prior = seen.get(item.link) or {}
    held = bool(prior.get("article_id")) and store.get_article(prior["article_id"]) is not None
    if held and item.signature and prior.get("signature") == item.signature:
        return Outcome(item.link, "unchanged", "held unchanged (the feed lists it as before); not fetched",
                       prior["article_id"], item.title)
    try:
        resp = fetcher.get(item.link, *((prior.get("etag", ""), prior.get("last_modified", "")) if held else ("", "")))
    except OutOfTime as exc:
        return Outcome(exc.source, "skipped", exc.reason, title=item.title)
    except Rejected as exc:
        return Outcome(exc.source, "rejected", exc.reason, title=item.title)
    if resp.not_modified:
        seen[item.link] = {**prior, "signature": item.signature}
        return Outcome(item.link, "unchanged", "not modified (HTTP 304)", prior["article_id"], item.title)
    if kind_of(resp.content_type, resp.body) != "html":
        return Outcome(item.link, "rejected", f"not an HTML page (content type {resp.content_type or 'unknown'})",
                       title=item.title)
    return _store_page(resp, item, feed_url, settings, store, embedder, seen, allow_replace)


def _store_page(resp: Response, item: Item, feed_url: str, settings: Settings, store: Store,
                embedder: SentenceEmbeddings, seen: Seen, allow_replace: bool) -> Outcome:
    try:
        doc = page_doc(resp, item, feed_url)
        with store.writing():
            outcome = ingest_one(doc, settings, store, embedder, allow_replace=allow_replace)
    except Rejected as exc:
        return Outcome(exc.source, "rejected", exc.reason, title=item.title)
    except Exception as exc:  # one bad page must not stop the feed; the reason is reported
        return Outcome(item.link, "rejected", f"failed: {type(exc).__name__}: {exc}", title=item.title)
    if outcome.status in WRITTEN | {"unchanged", "duplicate"}:  # held (a duplicate: as its twin)
        seen[item.link] = {"article_id": outcome.article_id, "etag": resp.etag, "last_modified": resp.last_modified,
                           "signature": item.signature, "feed": feed_url or seen.get(item.link, {}).get("feed", "")}
    if doc.warning and outcome.status != "rejected":
        outcome.warnings.insert(0, doc.warning)
    return outcome


def page_doc(resp: Response, item: Item, feed_url: str) -> RawDoc:
    """A fetched HTML page as a RawDoc: the page's own metadata first, the feed item's where it has none."""
    text, warning = decode(resp.body, item.link)
    body, page = extract_html(text, item.link)
    feed_fields = {"title": item.title, "author": item.author, "publisher": item.publisher,
                   "published": parse_date(item.published) if item.published else ""}
    fields: dict[str, Any] = {k: page.get(k) or feed_fields.get(k, "") for k in ("title", "author", "publisher")}
    fields["published"] = page_date(text, item.link) or feed_fields["published"]
    fields["url"] = page.get("url") or resp.url
    extra = {"fetched_at": resp.fetched_at}
    if feed_url:
        extra["feed"] = feed_url
    if resp.url != item.link:
        extra["redirected_to"] = resp.url
    fields["extra"] = extra
    return RawDoc(source=item.link, source_path=item.link, file=item.link, fmt="web", text=body,
                  fields={k: v for k, v in fields.items() if v}, warning=warning)


def page_date(html: str, url: str) -> str:
    """The publication date the page states in its markup (meta tags, JSON-LD, <time>, a dated URL).
    Not trafilatura's date: its wider search falls back to the footer's copyright year ("2026")."""
    import htmldate

    try:
        found = htmldate.find_date(html, url=url, extensive_search=False, original_date=True)
    except Exception:  # noqa: BLE001 (a page htmldate cannot read has no date, not a failed ingest)
        return ""
    return parse_date(found) if found else ""


def _finish(outcomes: list[Outcome], store: Store) -> None:
    """Readers (BM25, the publisher list) re-read the store when its revision changes."""
    if any(o.status in WRITTEN for o in outcomes):
        with store.writing():
            store.bump_revision()
