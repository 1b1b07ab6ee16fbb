"""Read RSS 2.0 / Atom feeds (feedparser) and sitemaps / news sitemaps (defusedxml) into items to fetch.

Nothing here touches the network: feedparser is handed bytes, never a URL, and XML that declares
entities (the "billion laughs" and external-entity attacks) is refused before any parser sees it.
An item without a link becomes a Rejected; the feed's other items still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from rag.types import Rejected

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml"}
XML_TYPES = FEED_TYPES | {"application/xml", "text/xml"}
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"
MAX_SITEMAPS = 10  # child sitemaps of one index that are read


@dataclass
class Item:
    link: str
    title: str = ""
    author: str = ""
    published: str = ""  # as the feed gives it (RFC 822, W3C date); rag.ingest.metadata.parse_date reads it
    publisher: str = ""
    # What the feed says about this version of the item: when it changes, the page is asked for again.
    signature: str = ""


@dataclass
class Feed:
    kind: str  # rss | atom | sitemap | sitemapindex
    title: str = ""
    items: list[Item] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warning: str = ""


def kind_of(content_type: str, body: bytes) -> str:
    """'feed', 'sitemap' or 'html' from the content type and the first bytes; '' for anything else."""
    head = body[:2048].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if content_type in FEED_TYPES or re.search(rb"<(rss|feed|rdf:rdf)[\s>]", head):
        return "feed"
    if content_type in {"text/html", "application/xhtml+xml"} or re.search(rb"<(!doctype html|html)[\s>]", head):
        return "html"
    if content_type in XML_TYPES or head.startswith(b"<?xml"):
        return "feed"  # XML of no known root: feedparser says what is wrong with it
    return ""


def read(body: bytes, url: str) -> Feed:
    """A feed or a sitemap (kind_of decides) into its items."""
    _refuse_entities(body, url)
    if kind_of("", body) == "sitemap":
        return read_sitemap(body, url)
    return read_feed(body, url)


def _refuse_entities(body: bytes, url: str) -> None:
    if re.search(rb"<!ENTITY", body[:65536], re.IGNORECASE):
        raise Rejected(url, "XML declares entities (<!ENTITY>); refused (entity expansion attacks)")


def read_feed(body: bytes, url: str) -> Feed:
    import feedparser

    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    version = parsed.get("version", "")
    warning = ""
    if parsed.get("bozo"):
        problem = _one_line(parsed.get("bozo_exception"))
        if not parsed.entries or not version:
            raise Rejected(url, f"malformed feed XML: {problem}")
        warning = f"feed XML has errors, read leniently: {problem}"
    if not version:
        raise Rejected(url, "not an RSS or Atom feed")
    meta = parsed.feed
    feed = Feed(kind="atom" if version.startswith("atom") else "rss", title=_clean(meta.get("title")),
                warning=warning)
    publisher = feed.title
    for n, entry in enumerate(parsed.entries, 1):
        link = _entry_link(entry, url)
        title = _clean(entry.get("title"))
        if not link:
            feed.rejected.append(Rejected(f"{url}#item{n}", f"item {title[:60]!r} has no link" if title
                                          else "item has no link"))
            continue
        published = entry.get("published") or entry.get("updated") or ""
        signature = "|".join([entry.get("updated", ""), entry.get("published", ""), title, entry.get("id", "")])
        feed.items.append(Item(link=link, title=title, author=_author(entry, meta), published=_clean(published),
                               publisher=publisher, signature=signature))
    if warning and not feed.items:  # what a lenient read of broken XML left holds nothing to fetch
        raise Rejected(url, f"malformed feed XML: {warning.split(': ', 1)[1]}")
    return feed


def _entry_link(entry: Any, base: str) -> str:
    links = [entry.get("link", "")] + [lk.get("href", "") for lk in entry.get("links", [])
                                       if lk.get("rel", "alternate") == "alternate"]
    link = next((lk.strip() for lk in links if lk and lk.strip()), "")
    if not link and str(entry.get("id", "")).startswith(("http://", "https://")) and entry.get("guidislink", True):
        link = entry["id"]
    return urljoin(base, link) if link else ""


def _author(entry: Any, meta: Any) -> str:
    names = [a.get("name", "") for a in entry.get("authors", []) if a.get("name")]
    return _clean(", ".join(names) or entry.get("author") or meta.get("author") or "")


def read_sitemap(body: bytes, url: str) -> Feed:
    """<urlset> (with news:news entries) or <sitemapindex> (its child sitemaps, as items)."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as ET
    from defusedxml import DefusedXmlException

    try:
        root = ET.fromstring(body, forbid_dtd=True)
    except ParseError as exc:
        raise Rejected(url, f"malformed sitemap XML: {exc}") from None
    except DefusedXmlException as exc:
        raise Rejected(url, f"sitemap XML refused: {exc}") from None
    tag = root.tag.removeprefix(SITEMAP_NS)
    if tag == "sitemapindex":
        locs = [_text(s, SITEMAP_NS + "loc") for s in root.iter(SITEMAP_NS + "sitemap")]
        return Feed(kind="sitemapindex", items=[Item(link=loc) for loc in locs if loc][:MAX_SITEMAPS])
    if tag != "urlset":
        raise Rejected(url, f"not a sitemap: root element is <{tag}>")
    feed = Feed(kind="sitemap")
    for n, entry in enumerate(root.iter(SITEMAP_NS + "url"), 1):
        loc, news = _text(entry, SITEMAP_NS + "loc"), entry.find(NEWS_NS + "news")
        title = _text(news, NEWS_NS + "title") if news is not None else ""
        if not loc:
            feed.rejected.append(Rejected(f"{url}#url{n}", "sitemap entry has no <loc>"))
            continue
        published = _text(news, NEWS_NS + "publication_date") if news is not None else ""
        publisher = _text(news, f"{NEWS_NS}publication/{NEWS_NS}name") if news is not None else ""
        lastmod = _text(entry, SITEMAP_NS + "lastmod")
        # lastmod is when the page changed, not when the story was published: only the news date is one.
        feed.items.append(Item(link=urljoin(url, loc), title=title, published=published, publisher=publisher,
                               signature=f"{lastmod}|{published}|{title}"))
    return feed


def _text(node: Any, path: str) -> str:
    if node is None:
        return ""
    found = node.find(path)
    return _clean(found.text) if found is not None and found.text else ""


def _clean(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _one_line(exc: Any) -> str:
    text = _clean(getattr(exc, "getMessage", lambda: str(exc))() if exc else "unknown error")
    line = getattr(exc, "getLineNumber", lambda: None)() if exc else None
    return f"{text} (line {line})" if line else text
