"""The Corpus tab's feed panel: the followed feeds, always listed; follow / unfollow only for the operator's say.

A reader is not the operator: following a feed makes the server fetch URLs off the machine, so the
controls exist only when NEWSDESK_UI_ALLOW_FEEDS is on, the handlers check that setting again (the
API can be called without the page), and private addresses stay refused unless
NEWSDESK_ALLOW_PRIVATE_URLS. Feed titles, URLs and errors come from the web: all shown escaped.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.config import Settings
from rag.types import Outcome
from rag.web.fetch import Fetcher, is_url
from rag.web.follow import follow, load, poll, summary, unfollow
from ui.render import escape_html, report_rows

if TYPE_CHECKING:
    from ui.handlers import Desk

MAX_URL = 2000


def feeds_html(settings: Settings) -> str:
    try:
        state = load(settings.data_dir)
    except ValueError as exc:
        return f"<div class='nd-feeds nd-empty'>{escape_html(str(exc))}</div>"
    if not state.feeds:
        return "<div class='nd-feeds nd-empty'>No feeds followed.</div>"
    rows = []
    for f in (summary(feed, state.items) for feed in state.feeds.values()):
        error = f"<br><small>last error: {escape_html(f['last_error'][:200])}</small>" if f["last_error"] else ""
        rows.append(f"<tr><td>{escape_html(f['title'] or '(untitled)')}<br><small>{escape_html(f['url'])}</small>"
                    f"{error}</td><td>{escape_html(f['last_fetch'] or 'never')}</td><td>{f['seen']}</td>"
                    f"<td>{f['added']}</td><td>{f['failed']}</td></tr>")
    return ("<table class='nd-feeds'><tr><th>feed</th><th>last fetch (UTC)</th><th>seen</th><th>added</th>"
            f"<th>failed</th></tr>{''.join(rows)}</table>")


class Feeds:
    """The feed panel's handlers (plain values in and out, as ui.handlers.Desk's): follow, unfollow, list."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.settings = desk.settings

    def listing(self) -> str:
        return feeds_html(self.settings)

    def follow_feed(self, url: str) -> tuple[Any, ...]:
        """Follows the feed and reads it now, within the upload time budget: what is not reached is
        fetched by the next poll (--watch). Returns (report rows, 4 corpus outputs, feed list)."""
        s, pipe = self.settings, self.desk.pipe
        url = self._check(url)
        try:
            follow(s.data_dir, url, s.feed_every_s)
        except ValueError as exc:  # feeds.json unreadable: said in one line, the file left as it is
            raise gr.Error(str(exc)) from None
        start = time.monotonic()
        fetcher = Fetcher(s, deadline=start + s.ui_upload_timeout_s)
        done = poll(s, pipe.store, pipe.embedder, only=[url], force=True, fetcher=fetcher, wait=True) or []
        outcomes: list[Outcome] = [o for _, found in done for o in found]
        pipe.local_index()  # BM25 takes in the new articles now, not on the next question
        note = Outcome(url, "followed", f"read in {time.monotonic() - start:.1f} s; polled every "
                       f"{s.feed_every_s:g} s while the server runs with --watch")
        return (report_rows([note, *outcomes]), *self.desk.corpus_outputs(), self.listing())

    def unfollow_feed(self, url: str) -> tuple[Any, ...]:
        url = self._check(url)
        try:
            found = unfollow(self.settings.data_dir, url)
        except ValueError as exc:
            raise gr.Error(str(exc)) from None
        note = Outcome(url, "unfollowed" if found else "rejected",
                       "its articles stay" if found else "this feed is not followed")
        return (report_rows([note]), *self.desk.corpus_outputs(), self.listing())

    def _check(self, url: str) -> str:
        # Checked here too, not only by hiding the controls: the API can be called without the page.
        if not self.settings.ui_allow_feeds:
            raise gr.Error("Following feeds is turned off on this server (NEWSDESK_UI_ALLOW_FEEDS).")
        url = (url or "").strip()
        if not is_url(url) or len(url) > MAX_URL:
            raise gr.Error("Give an http:// or https:// feed URL.")
        return url


class FeedPanel:
    """The panel's components, built inside the Corpus tab; `wire` once the tab's other outputs exist."""

    def __init__(self, settings: Settings) -> None:
        allowed = settings.ui_allow_feeds
        gr.Markdown("**Followed feeds**")
        self.listing = gr.HTML(elem_id="nd-feeds")
        self.url = gr.Textbox(label="Feed URL (RSS, Atom or sitemap)", visible=allowed, elem_id="nd-feed-url",
                              max_lines=1)
        with gr.Row(visible=allowed):
            self.add = gr.Button("Follow feed", elem_id="nd-follow")
            self.drop = gr.Button("Unfollow feed", variant="stop", elem_id="nd-unfollow")

    def wire(self, app: gr.Blocks, feeds: Feeds, report: Any, corpus: list[Any]) -> None:
        outputs = [report, *corpus, self.listing]
        self.add.click(feeds.follow_feed, self.url, outputs, api_name="follow", concurrency_id="upload",
                       concurrency_limit=1)
        self.drop.click(feeds.unfollow_feed, self.url, outputs, api_name="unfollow", concurrency_id="upload",
                        concurrency_limit=1)
        app.load(feeds.listing, None, self.listing, api_name=False)
