"""Following a feed from the Corpus tab, in a real browser (Debian's Chromium via Playwright, as in
test_browser.py), against the real app over an empty store and the local news site (tests/feedsite.py):
the operator allows feeds (NEWSDESK_UI_ALLOW_FEEDS) and private addresses (the site is on 127.0.0.1).
Then a question only the feed's articles answer. And on a server that does not allow feeds, the page
offers no controls and the API refuses."""

from __future__ import annotations

import pytest
from conftest import make_pipeline
from feedsite import Site
from test_browser import CHROMIUM, FLAGS, OUT, ask

pytestmark = [pytest.mark.llm, pytest.mark.server]


@pytest.fixture(scope="module")
def feed_app(tmp_path_factory):
    from conftest import free_port

    from ui.app import launch

    site = Site(n_bbc=0, broken=False)
    site.start()
    pipe = make_pipeline(tmp_path_factory.mktemp("ui-feeds"), ui_allow_feeds=True, allow_private_urls=True,
                         fetch_delay_s=0)
    port = free_port()
    app = launch(pipe.settings, pipe, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/", site
    app.close()
    site.stop()


def test_follow_a_feed_in_the_corpus_tab_then_ask(feed_app):
    from playwright.sync_api import sync_playwright

    url, site = feed_app
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, chromium_sandbox=False)
        page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        page.goto(url, wait_until="load")
        page.locator("#nd-question textarea").wait_for(timeout=60_000)
        page.get_by_role("tab", name="Corpus").click()
        page.wait_for_function("() => document.querySelector('#nd-feeds')?.innerText.includes('No feeds followed')",
                               timeout=30_000)  # filled in on page load
        page.locator("#nd-feed-url input, #nd-feed-url textarea").first.fill(f"{site.url}/rss.xml")
        page.locator("#nd-follow").click()
        page.wait_for_function("() => /\\badded\\b/.test(document.querySelector('#nd-report')?.innerText || '')",
                               timeout=90_000)
        assert "Example News: Top stories" in page.locator("#nd-feeds").inner_text()
        assert "North Korean diplomat" in page.locator("#nd-articles").inner_text()
        ask(page, "Who is North Korea's ambassador to the United Nations?")
        assert "Ja Song Nam" in page.locator("#nd-chat").inner_text()
        page.screenshot(path=str(OUT / "follow-feed.png"), full_page=True)
        browser.close()
    assert site.requests["/rss.xml"] == 1


def test_feeds_not_offered_unless_the_operator_allows(ui_server):
    from gradio_client import Client

    c = Client(ui_server, verbose=False)
    with pytest.raises(Exception, match="NEWSDESK_UI_ALLOW_FEEDS"):
        c.predict("http://127.0.0.1:9/rss.xml", api_name="/follow")
