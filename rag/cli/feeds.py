"""The command line of following news sources: `ingest URL`, `follow`, `unfollow`, `feeds`, `watch`.

Kept apart from the other commands: rag/cli/parser.py calls add_parsers() and rag/cli/__init__.py
dispatches to HANDLERS. Every failure is one report line, like a file's in `newsdesk ingest`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rag.types import Outcome


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("follow", help="follow an RSS/Atom feed or a sitemap (polled by `watch` and `serve --watch`)")
    p.add_argument("url")
    p.add_argument("--every", default=None, help="poll interval: 30m, 2h, 1d (default: NEWSDESK_FEED_EVERY_S)")
    p.add_argument("--no-poll", action="store_true", help="only record it; the next `watch` reads it")

    p = sub.add_parser("unfollow", help="stop following a feed (its articles stay)")
    p.add_argument("url")

    p = sub.add_parser("feeds", help="list followed feeds: last fetch, items seen / added / failed")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("watch", help="poll the followed feeds until stopped (Ctrl-C)")
    p.add_argument("--once", action="store_true", help="poll every feed once, then exit")


def split_targets(targets: list[str]) -> tuple[list[Path], list[str]]:
    """`newsdesk ingest` arguments: (files and folders, URLs and local .xml feed files)."""
    from rag.web.fetch import is_url

    web = [t for t in targets if is_url(t) or t.lower().endswith(".xml")]
    return [Path(t) for t in targets if t not in web], web


def ingest_web(targets: list[str], pipe: Any) -> list[Outcome]:
    from rag.web.fetch import Fetcher
    from rag.web.follow import editing, load
    from rag.web.pages import ingest_targets

    s = pipe.settings
    seen = load(s.data_dir).items
    before = dict(seen)
    outcomes = ingest_targets(targets, s, pipe.store, pipe.embedder, Fetcher(s), seen)
    if seen != before:  # a later poll of a feed holding these pages does not fetch them again
        with editing(s.data_dir) as state:
            state.items.update({k: v for k, v in seen.items() if before.get(k) != v})
    return outcomes


def print_feed_report(feed: Any, outcomes: list[Outcome], out: Any = None) -> None:
    from rag.cli.output import print_report

    out = out or sys.stdout  # looked up per call: a default bound at import misses a later redirect
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    print_report([o for o in outcomes if o.status != "unchanged" or o.source == feed.url], out=out)
    print(f"feed {feed.url}: " + (", ".join(f"{n} {k}" for k, n in counts.items()) or "nothing"), file=out, flush=True)


def cmd_follow(args: argparse.Namespace, pipe: Any) -> int:
    from rag.web.follow import follow, parse_every, poll

    s = pipe.settings
    try:
        every = parse_every(args.every) if args.every else s.feed_every_s
        feed, new = follow(s.data_dir, args.url, every)
    except ValueError as exc:
        print(f"newsdesk: {exc}", file=sys.stderr)
        return 2
    print(f"{'following' if new else 'updated'} {feed.url} (every {_interval(every)})", file=sys.stderr)
    if args.no_poll:
        return 0
    done = poll(s, pipe.store, pipe.embedder, only=[feed.url], force=True, wait=True) or []
    for polled, outcomes in done:
        print_feed_report(polled, outcomes)
        pipe.local_index()
        return 1 if polled.errors else 0
    return 0


def cmd_unfollow(args: argparse.Namespace, pipe: Any) -> int:
    from rag.web.follow import unfollow

    if unfollow(pipe.settings.data_dir, args.url):
        print(f"unfollowed {args.url} (its articles stay; `newsdesk remove` takes them out)", file=sys.stderr)
        return 0
    print(f"newsdesk: not following {args.url} (`newsdesk feeds` lists what is followed)", file=sys.stderr)
    return 1


def cmd_feeds(args: argparse.Namespace, pipe: Any) -> int:
    from rag.cli.output import printable
    from rag.web.follow import load, summary

    state = load(pipe.settings.data_dir)
    rows = [summary(f, state.items) for f in state.feeds.values()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        error = f"  last error: {r['last_error']}" if r["last_error"] else ""
        print(printable(f"{r['url']}  every {_interval(r['every_s'])}  last fetch {r['last_fetch'] or 'never'}  "
                        f"seen {r['seen']}  added {r['added']}  failed {r['failed']}  {r['title']}{error}"))
    print(f"{len(rows)} feeds followed", file=sys.stderr)
    return 0


def cmd_watch(args: argparse.Namespace, pipe: Any) -> int:
    from rag.web.follow import load, watch

    s = pipe.settings
    if not load(s.data_dir).feeds:
        print("newsdesk: no feeds followed (`newsdesk follow URL` adds one)", file=sys.stderr)
        return 1
    if not args.once:
        print(f"newsdesk: watching the feeds in {s.data_dir} (Ctrl-C stops)", file=sys.stderr)

    def report(feed: Any, outcomes: list[Outcome]) -> None:
        print_feed_report(feed, outcomes)
        pipe.local_index()  # keeps the BM25 index on disk current for the readers sharing this dir

    watch(s, pipe.store, pipe.embedder, once=args.once, report=report)
    return 0


def _interval(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


HANDLERS = {"follow": cmd_follow, "unfollow": cmd_unfollow, "feeds": cmd_feeds, "watch": cmd_watch}
