"""The `newsdesk` argument parser: one function per group of subcommands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rag.config import MAX_K  # the bounds of -k and NEWSDESK_K


def _k_value(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_K}, not {k}")
    return k


def _date_value(side: str) -> Any:
    """argparse type for --after/--before: the inclusive ISO day bound (rag.retrieval.constraints.date_bound)."""
    def parse(text: str) -> str:
        from rag.retrieval.constraints import date_bound

        try:
            return date_bound(text, side)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = "date"  # argparse names the type in its message
    return parse


def _filters_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", type=_k_value, default=None, help=f"passages to retrieve, 1-{MAX_K} (default: NEWSDESK_K)")
    p.add_argument("--publisher", action="append", default=[], help="only this publisher (repeatable)")
    p.add_argument("--after", type=_date_value("after"),
                   help="only articles published after this date: a day is included (2017-12-08, "
                        "'8 December 2017'), a month or year is not ('December 2017' = from 2018-01-01)")
    p.add_argument("--before", type=_date_value("before"),
                   help="only articles published before this date: a day is included, a month or year is not "
                        "('December 2017' = up to 2017-11-30)")


def _store_parsers(sub: Any) -> None:
    p = sub.add_parser("ingest", help="add or update articles from files and folders")
    p.add_argument("paths", nargs="*", default=["seeds"], metavar="PATH_OR_URL",
                   help="files, folders, article URLs, RSS/Atom feed or sitemap URLs, local .xml feed files")
    p.add_argument("--sync", action="store_true", help="also remove stored articles whose files are gone")
    p.add_argument("--json", action="store_true", help="print the per-file report as JSON")

    p = sub.add_parser("remove", help="remove articles by id, file name or path")
    p.add_argument("targets", nargs="+")

    p = sub.add_parser("check", help="find orphan chunks, articles missing chunks and a stale local index")
    p.add_argument("--repair", action="store_true", help="fix what was found")

    p = sub.add_parser("articles", help="list stored articles")
    p.add_argument("--json", action="store_true")


def _search_parser(sub: Any) -> None:
    p = sub.add_parser("search", help="show the passages the answerer would see")
    p.add_argument("query", nargs="?", help="query; without it, one query per line from stdin")
    p.add_argument("--json", action="store_true")
    p.add_argument("--explain", action="store_true",
                   help='with --json, print {"constraints": ..., "results": [...]} instead of the bare list')
    _filters_args(p)


def _ask_parsers(sub: Any) -> None:
    for name, help_text in (("ask", "answer a question with citations"), ("chat", "interactive questions")):
        p = sub.add_parser(name, help=help_text)
        if name == "ask":
            p.add_argument("question", nargs="?", help="question; without it, one question per line from stdin")
            p.add_argument("--json", action="store_true")
        p.add_argument("--provider", choices=["llamacpp", "ollama", "openai"], help="LLM provider")
        p.add_argument("--model", help="GGUF path or model name")
        _filters_args(p)


def _serve_parser(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the web UI (Gradio)")
    p.add_argument("--host", help="address to bind (default: NEWSDESK_UI_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: NEWSDESK_UI_PORT, 7860)")
    p.add_argument("--ingest", nargs="*", type=Path, default=[], help="ingest these paths first (idempotent)")
    p.add_argument("--watch", action="store_true", help="poll the followed feeds in the background (`newsdesk follow`)")


def build_parser() -> argparse.ArgumentParser:
    from rag.cli.feeds import add_parsers

    parser = argparse.ArgumentParser(prog="newsdesk", description="Cited answers from news articles, offline.")
    parser.add_argument("--data-dir", type=Path, help="store location (default: NEWSDESK_DATA_DIR or .newsdesk)")
    sub = parser.add_subparsers(dest="command", required=True)
    _store_parsers(sub)
    _search_parser(sub)
    _serve_parser(sub)
    add_parsers(sub)
    from evals.runner import add_arguments  # the CLI composes evals; rag itself never imports it

    add_arguments(sub.add_parser("eval", help="run the eval suite and write a report"))
    _ask_parsers(sub)  # last, as the help has always listed them
    return parser
