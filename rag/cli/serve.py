"""`newsdesk serve`: the web UI (ui/, imported only here, when the command runs)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rag.cli.output import print_report, progress_lines


def cmd_serve(args: argparse.Namespace, pipe: Any) -> int:
    if args.ingest:
        from rag.ingest.articles import ingest

        progress = None if sys.stderr.isatty() else progress_lines(sys.stderr)
        print_report(ingest(args.ingest, pipe.settings, pipe.store, pipe.embedder, progress=progress), out=sys.stderr)
    from ui.app import launch

    if args.watch:  # new articles show without a restart: readers re-read the store when its revision changes
        from rag.cli.feeds import print_feed_report
        from rag.web.follow import start_watching

        start_watching(pipe.settings, pipe.store, pipe.embedder,
                       report=lambda feed, outcomes: print_feed_report(feed, outcomes, out=sys.stderr))
    host, port = args.host or pipe.settings.ui_host, args.port or pipe.settings.ui_port
    print(f"newsdesk: serving on http://{host}:{port} (Ctrl-C stops)", file=sys.stderr)
    launch(pipe.settings, pipe, host=host, port=port)
    return 0
