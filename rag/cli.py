"""`newsdesk` command line: ingest, remove, articles, search, ask, chat, serve.

Output for machines (--json) goes to stdout only; progress and messages go to stderr. Expected
problems (bad input, unreachable server) end in a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

STATUS_WIDTH = 9


def _filters_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", type=int, default=None, help="passages to retrieve (default: NEWSDESK_K)")
    p.add_argument("--publisher", action="append", default=[], help="only this publisher (repeatable)")
    p.add_argument("--after", default="", help="only articles published on or after this date")
    p.add_argument("--before", default="", help="only articles published on or before this date")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="Cited answers from news articles, offline.")
    parser.add_argument("--data-dir", type=Path, help="store location (default: NEWSDESK_DATA_DIR or .newsdesk)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add or update articles from files and folders")
    p.add_argument("paths", nargs="*", type=Path, default=[Path("seeds")])
    p.add_argument("--sync", action="store_true", help="also remove stored articles whose files are gone")
    p.add_argument("--json", action="store_true", help="print the per-file report as JSON")

    p = sub.add_parser("remove", help="remove articles by id, file name or path")
    p.add_argument("targets", nargs="+")

    p = sub.add_parser("articles", help="list stored articles")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="show the passages the answerer would see")
    p.add_argument("query", nargs="?", help="query; without it, one query per line from stdin")
    p.add_argument("--json", action="store_true")
    p.add_argument("--explain", action="store_true",
                   help='with --json, print {"constraints": ..., "results": [...]} instead of the bare list')
    _filters_args(p)

    p = sub.add_parser("serve", help="serve the web UI (Gradio)")
    p.add_argument("--host", help="address to bind (default: NEWSDESK_UI_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default: NEWSDESK_UI_PORT, 7860)")
    p.add_argument("--ingest", nargs="*", type=Path, default=[], help="ingest these paths first (idempotent)")

    p = sub.add_parser("eval", help="run the eval suite and write a report")
    from evals.runner import add_arguments

    add_arguments(p)

    for name, help_text in (("ask", "answer a question with citations"), ("chat", "interactive questions")):
        p = sub.add_parser(name, help=help_text)
        if name == "ask":
            p.add_argument("question", nargs="?", help="question; without it, one question per line from stdin")
            p.add_argument("--json", action="store_true")
        p.add_argument("--provider", choices=["llamacpp", "ollama", "openai"], help="LLM provider")
        p.add_argument("--model", help="GGUF path or model name")
        _filters_args(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
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
    from rag.pipeline import load_pipeline

    pipe = load_pipeline(settings)
    handler = {"ingest": cmd_ingest, "remove": cmd_remove, "articles": cmd_articles, "search": cmd_search,
               "ask": cmd_ask, "chat": cmd_chat, "serve": cmd_serve}[args.command]
    return handler(args, pipe)


def print_report(outcomes: Iterable[Any], out: Any = sys.stdout) -> None:
    for o in outcomes:
        detail = f"{o.chunks} chunks, {o.title}" if o.status in {"added", "replaced"} else o.reason or o.title
        if o.warnings:  # e.g. a publisher dropped as not a name
            detail = "; ".join([detail, *o.warnings])
        print(f"{o.status:<{STATUS_WIDTH}} {o.source}  ({detail})" if detail else f"{o.status:<9} {o.source}", file=out)


def cmd_ingest(args: argparse.Namespace, pipe: Any) -> int:
    from rag.ingest import ingest

    outcomes = ingest(args.paths, pipe.settings, pipe.store, pipe.embedder, sync=args.sync)
    pipe.lexical()  # the BM25 index takes in what changed now, not on the next question
    if args.json:
        print(json.dumps([asdict(o) for o in outcomes], ensure_ascii=False, indent=1))
    else:
        print_report(outcomes)
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        total = pipe.store.counts()
        summary = ", ".join(f"{n} {status}" for status, n in counts.items()) or "no files"
        print(f"{summary}; store: {total['articles']} articles, {total['chunks']} chunks", file=sys.stderr)
    accepted = any(o.status != "rejected" for o in outcomes)
    return 0 if accepted else 1


def cmd_remove(args: argparse.Namespace, pipe: Any) -> int:
    from rag.ingest import remove

    outcomes = remove(args.targets, pipe.store)
    pipe.lexical()
    print_report(outcomes)
    return 0 if any(o.status == "removed" for o in outcomes) else 1


def cmd_articles(args: argparse.Namespace, pipe: Any) -> int:
    rows = pipe.store.list_articles()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        when, who = r.get("published") or "?", r.get("publisher") or "?"
        print(f"{when:<10}  {who:<20}  {r.get('title')}  [{r['article_id']}]")
    print(f"{len(rows)} articles", file=sys.stderr)
    return 0


def _filters(args: argparse.Namespace) -> Any:
    from rag.retrieve import Filters

    return Filters(publishers=args.publisher, after=args.after, before=args.before)


def _lines(first: str | None) -> Iterator[str]:
    """The single argument, or stdin one line at a time (blank lines skipped)."""
    if first is not None:
        yield first
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


def _check_question(text: str) -> str:
    from rag.answer import check_question

    return check_question(text)


def search_rows(passages: list[Any]) -> list[dict[str, Any]]:
    keys = ("rank", "score", "article_id", "title", "publisher", "published", "file", "url", "chunk_id",
            "text", "start", "end", "also_in")
    return [{k: getattr(p, k) for k in keys} for p in passages]


def cmd_search(args: argparse.Namespace, pipe: Any) -> int:
    status = 0
    for query in _lines(args.query):
        constraints: dict[str, Any] = {}
        try:
            passages, constraints = pipe.search_question(_check_question(query), args.k, _filters(args))
            rows = search_rows(passages)
        except ValueError as exc:
            print(f"newsdesk: {exc}", file=sys.stderr)
            status = 2
            rows = []
        if args.json:
            out: Any = {"constraints": constraints, "results": rows} if args.explain else rows
            print(json.dumps(out, ensure_ascii=False), flush=True)
        else:
            if constraints.get("publishers") or constraints.get("after") or constraints.get("before"):
                print(f"(constraints: {json.dumps(constraints, ensure_ascii=False)})")
            for r in rows:
                print(f"{r['rank']:>2}. {r['score']:.4f}  {r['publisher'] or '?'} · {r['title']} "
                      f"[{r['start']}-{r['end']}]\n    {' '.join(r['text'].split())[:300]}")
    return status


def format_answer(result: dict[str, Any]) -> str:
    lines = [result["answer"]]
    for c in result["citations"]:
        where = ", ".join(x for x in (c["publisher"], c["published"]) if x)
        lines.append(f"  [{c['n']}] {where} · {c['title']} ({c['file']}, characters {c['start']}-{c['end']})")
        lines.append(f"      “{' '.join(c['quote'].split())}”")
    return "\n".join(lines)


def cmd_ask(args: argparse.Namespace, pipe: Any) -> int:
    from rag.answer import answer

    status = 0
    for line in _lines(args.question):
        try:
            result = answer(_check_question(line), pipe, k=args.k, filters=_filters(args))
        except ValueError as exc:
            print(f"newsdesk: {exc}", file=sys.stderr)
            status = 2
            if args.json:
                print(json.dumps({"question": line, "error": str(exc)}, ensure_ascii=False), flush=True)
            continue
        print(json.dumps(result, ensure_ascii=False) if args.json else format_answer(result), flush=True)
    return status


def cmd_chat(args: argparse.Namespace, pipe: Any) -> int:
    from rag.answer import answer

    counts = pipe.store.counts()
    print(f"newsdesk: {counts['articles']} articles, {counts['chunks']} chunks. Ask a question; "
          "an empty line or Ctrl-D quits.", file=sys.stderr)
    history: list[tuple[str, str]] = []
    while True:
        try:
            line = input("? ")
        except EOFError:
            print(file=sys.stderr)
            return 0
        if not line.strip():
            return 0
        try:
            result = answer(_check_question(line), pipe, k=args.k, filters=_filters(args), history=history)
        except ValueError as exc:
            print(f"newsdesk: {exc}", file=sys.stderr)
            continue
        if result["rewritten"] != result["question"]:
            print(f"(searched as: {result['rewritten']})")
        print(format_answer(result) + "\n")
        history.append((result["question"], result["answer"]))


def cmd_serve(args: argparse.Namespace, pipe: Any) -> int:
    if args.ingest:
        from rag.ingest import ingest

        print_report(ingest(args.ingest, pipe.settings, pipe.store, pipe.embedder), out=sys.stderr)
    from ui.app import launch

    host, port = args.host or pipe.settings.ui_host, args.port or pipe.settings.ui_port
    print(f"newsdesk: serving on http://{host}:{port} (Ctrl-C stops)", file=sys.stderr)
    launch(pipe.settings, pipe, host=host, port=port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
