"""`newsdesk` command line: ingest, remove, check, articles, search, ask, chat, serve, eval (and, in
rag/cli/feeds.py, follow, unfollow, feeds, watch).

Output for machines (--json) goes to stdout only; progress and messages go to stderr. Expected
problems (bad input, unreachable server) end in a one-line message, never a traceback.

parser.py builds the arguments; ingest_cmds.py, ask_cmds.py, serve.py and feeds.py hold the commands;
output.py the report lines. `ui` and `evals` are imported inside the commands that use them only.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from rag.cli.ask_cmds import cmd_ask, cmd_chat, cmd_search
from rag.cli.ingest_cmds import cmd_articles, cmd_check, cmd_ingest, cmd_remove
from rag.cli.parser import build_parser
from rag.cli.serve import cmd_serve

__all__ = ["build_parser", "main", "run"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "after", None) and getattr(args, "before", None) and args.after > args.before:
        parser.error(f"--after {args.after} is later than --before {args.before}: no article can match")
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except ValidationError as exc:  # a NEWSDESK_* setting out of its range: one line per bad setting
        for err in exc.errors():
            name = "NEWSDESK_" + "_".join(str(part) for part in err["loc"]).upper()
            print(f"newsdesk: bad setting {name}: {err['msg']}", file=sys.stderr)
        return 2
    except Exception as exc:  # last resort: a message, not a traceback
        print(f"newsdesk: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    from rag.config import Settings

    overrides: dict[str, Any] = {"data_dir": args.data_dir}
    overrides["provider"] = getattr(args, "provider", None)
    overrides["llm_model"] = getattr(args, "model", None)
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    if args.command == "eval":  # builds its own store
        from evals.runner import run as run_eval

        return run_eval(args, settings)
    from contextlib import nullcontext

    from rag.cli.feeds import HANDLERS as FEED_HANDLERS
    from rag.pipeline import load_pipeline
    from rag.storage.writelock import write_lock

    handler = {"ingest": cmd_ingest, "remove": cmd_remove, "check": cmd_check, "articles": cmd_articles,
               "search": cmd_search, "ask": cmd_ask, "chat": cmd_chat, "serve": cmd_serve,
               **FEED_HANDLERS}[args.command]
    # Writers take the lock before they even open the store: opening a fresh one creates it.
    writes = args.command in {"ingest", "remove", "check"}  # check reads a store no writer is changing
    with write_lock(settings.data_dir, settings.write_lock_timeout_s) if writes else nullcontext():
        return handler(args, load_pipeline(settings))
