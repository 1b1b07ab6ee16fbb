"""Following news sources against a real local news site (tests/feedsite.py on 127.0.0.1) and a real store.

One store is shared by the module: the RSS feed is followed and polled once, then polled again (only a
conditional request, nothing added), then a story changes at its URL (replaced, not duplicated).
"""

from __future__ import annotations

import json
import time

import pytest
from conftest import make_pipeline, make_settings
from feedsite import CLUTTER_WORDS, Site, rss

from rag.types import Rejected
from rag.web.feeds import read
from rag.web.fetch import Fetcher
from rag.web.follow import follow, load, poll, unfollow
from rag.web.pages import ingest_targets

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def site():
    site = Site(n_bbc=2)
    site.start()
    yield site
    site.stop()


@pytest.fixture(scope="module")
def polled(site, tmp_path_factory):
    """The store after following /rss.xml and polling it once: (pipeline, outcomes by source)."""
    pipe = make_pipeline(tmp_path_factory.mktemp("feeds"), allow_private_urls=True, fetch_delay_s=0)
    follow(pipe.settings.data_dir, f"{site.url}/rss.xml", 1800)
    [(feed, outcomes)] = poll(pipe.settings, pipe.store, pipe.embedder)
    return pipe, {o.source: o for o in outcomes}


def by_slug(pipe, slug):
    return next(pipe.store.get_article(r["article_id"]) for r in pipe.store.list_articles() if slug in r["url"])


def test_items_stored_clean_with_metadata_from_page_then_feed(polled):
    pipe, outcomes = polled
    assert sorted(o.status for o in outcomes.values()).count("added") == 4
    for row in pipe.store.list_articles():
        text = pipe.store.get_article(row["article_id"]).text
        assert not [w for w in CLUTTER_WORDS if w.lower() in text.lower()], row["title"]
        assert row["article_id"].startswith("web/") and row["extra"]["fetched_at"]
    upi = by_slug(pipe, "korea-talks-possible")  # all from the page's own meta tags
    assert (upi.author, upi.publisher, upi.published) == ("Jennie Oh", "UPI", "2017-12-12")
    assert "Ja Song Nam" in upi.text
    telegraph = by_slug(pipe, "russia-says")  # the page has only its title and site name: the rest from the feed
    assert (telegraph.author, telegraph.publisher, telegraph.published) == ("Telegraph Reporters", "The Telegraph",
                                                                            "2017-12-08")
    undated = next(a for a in map(lambda r: pipe.store.get_article(r["article_id"]), pipe.store.list_articles())
                   if a.title == "Ad sales boost Time Warner profit")
    assert undated.published == ""  # neither page nor feed states one; never the fetch time (nor 2026's footer)


def test_each_broken_item_is_one_line_and_the_rest_go_in(polled, site):
    _, outcomes = polled
    reasons = {src.replace(site.url, ""): o.reason for src, o in outcomes.items() if o.status == "rejected"}
    expected = {"/rss.xml#item5": "has no link", "/missing.html": "HTTP 404", "/error.html": "HTTP 500",
                "/loop/a.html": "redirect loop", "/report.pdf": "not an HTML page (content type application/pdf)",
                "/big.html": "cut off after 5.0 MB"}
    for source, words in expected.items():
        assert words in reasons.pop(source)
    [(dead, why)] = reasons.items()
    assert "unreachable" in why and all("\n" not in r for r in reasons.values())


def test_second_poll_sends_one_conditional_request_and_adds_nothing(polled, site):
    pipe, _ = polled
    site.reset_counts()
    revision = pipe.store.revision()
    [(feed, outcomes)] = poll(pipe.settings, pipe.store, pipe.embedder, force=True)
    assert dict(site.requests) == {"/rss.xml": 1} and site.not_modified["/rss.xml"] == 1
    assert [o.status for o in outcomes] == ["unchanged"] and pipe.store.revision() == revision
    assert feed.added == 4 and feed.errors == 0 and feed.seen(load(pipe.settings.data_dir).items) == 4


def test_changed_story_replaces_its_old_version(polled, site):
    pipe, _ = polled
    before = pipe.store.counts()["articles"]
    site.update("korea-talks-possible", "Correction: the envoy Ja Song Nam spoke to reporters on Friday evening.")
    site.reset_counts()
    [(_, outcomes)] = poll(pipe.settings, pipe.store, pipe.embedder, force=True)
    changed = next(o for o in outcomes if "korea-talks-possible" in o.source)
    assert changed.status == "replaced" and pipe.store.counts()["articles"] == before
    assert "Friday evening" in by_slug(pipe, "korea-talks-possible").text
    assert site.conditional["/news/korea-talks-possible.html"] == 1
    assert "/news/russia-says-north-korea-ready.html" not in site.requests  # listed as before: not asked for
    assert site.user_agents and all(u.startswith("newsdesk/") for u in site.user_agents)


def test_atom_sitemap_and_local_feed_file(polled, site, tmp_path):
    pipe, _ = polled
    fetcher = Fetcher(pipe.settings)
    atom = read(fetcher.get(f"{site.url}/atom.xml").body, "atom")
    sitemap = read(fetcher.get(f"{site.url}/news-sitemap.xml").body, "sitemap")
    assert (atom.kind, len(atom.items), atom.items[1].author) == ("atom", 3, "Telegraph Reporters")
    assert atom.items[0].link == f"{site.url}/news/korea-talks-possible.html"  # relative href, xml:base
    assert (sitemap.kind, sitemap.items[1].published, sitemap.items[1].publisher) == ("sitemap", "2017-12-11",
                                                                                      "Example News")
    local = tmp_path / "feed.xml"
    local.write_text(rss(site))
    before = site.requests["/news-sitemap.xml"]
    outcomes = ingest_targets([str(local), f"{site.url}/sitemap-index.xml"], pipe.settings, pipe.store,
                              pipe.embedder, fetcher, {})
    assert site.requests["/news-sitemap.xml"] == before + 1  # read through the index
    stored = [o for o in outcomes if o.source.startswith(f"{site.url}/news/")]
    assert stored and all(o.status == "unchanged" for o in stored)  # same URLs, same text: nothing new


def test_out_of_time_items_are_skipped_for_the_next_poll(site, polled):
    from rag.web.pages import ingest_feed

    pipe, _ = polled
    fetcher = Fetcher(pipe.settings)
    feed = read(fetcher.get(f"{site.url}/atom.xml").body, "atom")
    fetcher.deadline = 1.0  # long past: a reader's follow in the UI ran out of its time budget
    seen: dict = {}
    outcomes = ingest_feed(feed, "atom", pipe.settings, pipe.store, pipe.embedder, fetcher, seen)
    assert [o.status for o in outcomes] == ["skipped"] * 3 and seen == {} and fetcher.requests == 1


def test_bad_xml_and_entities_are_one_line(site, tmp_path):
    fetcher = Fetcher(make_settings(tmp_path, allow_private_urls=True, fetch_delay_s=0))
    with pytest.raises(Rejected, match="malformed feed XML"):
        read(fetcher.get(f"{site.url}/broken.xml").body, "broken")
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss>&b;</rss>'
    with pytest.raises(Rejected, match="declares entities"):
        read(bomb, "bomb")
    with pytest.raises(Rejected, match="malformed sitemap XML"):
        read(b"<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><url><loc>x</url>", "sitemap")


def test_private_addresses_and_other_schemes_refused_by_default(site, tmp_path):
    fetcher = Fetcher(make_settings(tmp_path))
    for url, words in [(f"{site.url}/rss.xml", "private or local address"), ("http://localhost:9/", "127.0.0.1"),
                       ("http://[::1]/", "private or local"), ("http://169.254.169.254/latest/", "private or local"),
                       ("file:///etc/passwd", "only http and https"), ("ftp://example.com/x", "only http and https")]:
        with pytest.raises(Rejected, match=words):
            fetcher.get(url)
    assert fetcher.requests == 0  # refused before any connection


def test_follow_state_round_trips_and_backs_off(site, tmp_path):
    pipe = make_pipeline(tmp_path / "store", allow_private_urls=True, fetch_delay_s=0)
    data = pipe.settings.data_dir
    dead = site.dead_url.rsplit("/", 2)[0] + "/rss.xml"
    follow(data, dead, 600)
    follow(data, f"{site.url}/atom.xml", 3600)
    assert follow(data, dead, 120)[1] is False  # following again changes the interval only
    [(feed, outcomes)] = poll(pipe.settings, pipe.store, pipe.embedder, only=[dead])
    assert outcomes[0].status == "rejected" and "unreachable" in outcomes[0].reason
    state = load(data)
    assert list(state.feeds) == [dead, f"{site.url}/atom.xml"]
    failed = state.feeds[dead]
    assert failed.errors == 1 and "unreachable" in failed.last_error and failed.every_s == 120
    assert 230 < failed.next_due - time.time() <= 240  # backed off: twice the interval
    assert unfollow(data, dead) and not unfollow(data, dead) and list(load(data).feeds) == [f"{site.url}/atom.xml"]
    (data / "feeds.json").write_text("{not json")
    with pytest.raises(ValueError, match="cannot be read"):
        follow(data, dead, 60)
    assert (data / "feeds.json").read_text() == "{not json"  # never overwritten


def test_watcher_thread_brings_new_articles_to_a_running_reader(site, tmp_path):
    """`serve --watch`: the poller runs in a thread of the reader's process; its questions see the new
    articles without a restart, because the BM25 index follows the store's revision."""
    from rag.web.follow import start_watching

    pipe = make_pipeline(tmp_path / "store", allow_private_urls=True, fetch_delay_s=0)
    assert pipe.local_index() is not None and pipe.store.counts()["articles"] == 0
    follow(pipe.settings.data_dir, f"{site.url}/atom.xml", 3600)
    stop = start_watching(pipe.settings, pipe.store, pipe.embedder)
    deadline = time.time() + 60
    while load(pipe.settings.data_dir).feeds[f"{site.url}/atom.xml"].last_fetch == "" and time.time() < deadline:
        time.sleep(0.2)
    stop.set()
    hits = pipe.retriever().search("North Korea ambassador to the United Nations", k=3)
    assert pipe.store.counts()["articles"] == 3 and any("Ja Song Nam" in p.text for p in hits)


def test_cli_ingest_url_and_path_follow_feeds_unfollow(site, tmp_path, monkeypatch, capsys):
    from conftest import SEEDS

    from rag.cli import main

    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("NEWSDESK_FETCH_DELAY_S", "0")
    store = ["--data-dir", str(tmp_path / "cli")]
    page, seed = f"{site.url}/news/korea-talks-possible.html", str(SEEDS / "000_c25ba82d402ee5a4.txt")
    assert main([*store, "ingest", page, seed, f"{site.url}/missing.html"]) == 0
    out = capsys.readouterr().out
    assert out.count("added") == 2 and "HTTP 404 Not Found" in out
    assert main([*store, "follow", f"{site.url}/atom.xml", "--every", "2h", "--no-poll"]) == 0
    assert main([*store, "feeds", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["url"], row["every_s"], row["last_fetch"]) == (f"{site.url}/atom.xml", 7200, "")
    assert main([*store, "follow", "not-a-url"]) == 2
    assert "not an http(s) URL" in capsys.readouterr().err
    assert main([*store, "unfollow", f"{site.url}/atom.xml"]) == 0
    assert main([*store, "watch", "--once"]) == 1  # nothing followed: says so
