"""`newsdesk` command line: ingest, remove, check, articles, search, ask, chat, serve (and, in
rag/feeds_cli.py, follow, unfollow, feeds, watch).

Output for machines (--json) goes to stdout only; progress and messages go to stderr. Expected
problems (bad input, unreachable server) end in a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rag.config import MAX_K  # the bounds of -k and NEWSDESK_K

STATUS_WIDTH = 9
PROGRESS_EVERY = 50  # files between progress lines when stderr is not a terminal


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="Cited answers from news articles, offline.")
    parser.add_argument("--data-dir", type=Path, help="store location (default: NEWSDESK_DATA_DIR or .newsdesk)")
    sub = parser.add_subparsers(dest="command", required=True)

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
    p.add_argument("--watch", action="store_true", help="poll the followed feeds in the background (`newsdesk follow`)")

    from rag.feeds_cli import add_parsers

    add_parsers(sub)

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

    from rag.feeds_cli import HANDLERS as FEED_HANDLERS
    from rag.pipeline import load_pipeline
    from rag.storage.writelock import write_lock

    handler = {"ingest": cmd_ingest, "remove": cmd_remove, "check": cmd_check, "articles": cmd_articles,
               "search": cmd_search, "ask": cmd_ask, "chat": cmd_chat, "serve": cmd_serve,
               **FEED_HANDLERS}[args.command]
    # Writers take the lock before they even open the store: opening a fresh one creates it.
    writes = args.command in {"ingest", "remove", "check"}  # check reads a store no writer is changing
    with write_lock(settings.data_dir, settings.write_lock_timeout_s) if writes else nullcontext():
        return handler(args, load_pipeline(settings))


def print_report(outcomes: Iterable[Any], out: Any = None) -> None:
    """One line per outcome: status, source, (detail). Names and reasons are printed escaped, so a
    newline or other control character in a file name cannot split or forge a report line."""
    out = out or sys.stdout  # looked up per call: a default bound at import misses a later redirect
    for o in outcomes:
        detail = f"{o.chunks} chunks, {o.title}" if o.status in {"added", "replaced"} else o.reason or o.title
        if o.warnings:  # how a file was decoded, a publisher dropped as not a name
            detail = "; ".join([d for d in [detail, *o.warnings] if d])
        source = printable(o.source)
        print(f"{o.status:<{STATUS_WIDTH}} {source}  ({printable(detail)})" if detail
              else f"{o.status:<{STATUS_WIDTH}} {source}", file=out)


def printable(text: str) -> str:
    """Text with control characters (\\n, \\x1b, ...) backslash-escaped; bytes of a file name that are
    not UTF-8 (surrogate escapes) shown as \\xNN; everything else, accents included, as is."""
    out = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
        elif "\udc80" <= ch <= "\udcff":  # os.fsdecode's stand-in for the byte 0x80-0xff
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def progress_lines(out: Any, every: int = PROGRESS_EVERY) -> Callable[[int, int, str], None]:
    """A progress callback for when stderr is not a terminal (tqdm then stays silent): one line every
    `every` files and one at the end, so a piped or logged ingest shows it is alive."""

    def report(n: int, total: int, name: str) -> None:
        if n % every == 0 or n == total:
            print(f"ingest: {n}/{total} files", file=out, flush=True)

    return report


def cmd_ingest(args: argparse.Namespace, pipe: Any) -> int:
    from rag.feeds_cli import ingest_web, split_targets
    from rag.ingest.articles import ingest

    progress = None if sys.stderr.isatty() else progress_lines(sys.stderr)
    paths, urls = split_targets(args.paths)
    outcomes = ingest(paths, pipe.settings, pipe.store, pipe.embedder, sync=args.sync,
                      progress=progress) if paths else []
    outcomes += ingest_web(urls, pipe) if urls else []
    pipe.lexical()  # the BM25 index takes in what changed now, not on the next question
    if args.json:
        # backslashreplace: a file name that is not UTF-8 comes out as a JSON \\udcNN escape, not a crash
        text = json.dumps([asdict(o) for o in outcomes], ensure_ascii=False, indent=1)
        print(text.encode("utf-8", "backslashreplace").decode("utf-8"))
    else:
        print_report(outcomes)
        counts: dict[str, int] = {}
        for o in outcomes:
            counts[o.status] = counts.get(o.status, 0) + 1
        total = pipe.store.counts()
        summary = ", ".join(f"{n} {status}" for status, n in counts.items()) or "no files"
        print(f"{summary}; store: {total['articles']} articles, {total['chunks']} chunks", file=sys.stderr)
    accepted = any(o.status not in {"rejected", "kept"} for o in outcomes)
    return 0 if accepted else 1


def cmd_remove(args: argparse.Namespace, pipe: Any) -> int:
    from rag.ingest.articles import remove

    outcomes = remove(args.targets, pipe.store)
    pipe.lexical()
    print_report(outcomes)
    return 0 if any(o.status == "removed" for o in outcomes) else 1


def cmd_check(args: argparse.Namespace, pipe: Any) -> int:
    from rag.storage.check import find_problems, repair

    problems = find_problems(pipe.store, pipe.settings.data_dir / "bm25")
    for p in problems:
        print(f"{p.kind:<{STATUS_WIDTH}} {p.subject}  ({p.detail})")
    if args.repair and problems:
        for p in repair(problems, pipe.settings, pipe.store, pipe.embedder):
            print(f"{'repaired':<{STATUS_WIDTH}} {p.subject}  ({p.kind}: {p.detail})")
        problems = find_problems(pipe.store, pipe.settings.data_dir / "bm25")
        for p in problems:
            print(f"{'unfixed':<{STATUS_WIDTH}} {p.subject}  ({p.kind}: {p.detail})")
    total = pipe.store.counts()
    state = f"{len(problems)} problems" + ("" if args.repair else " (newsdesk check --repair fixes them)") \
        if problems else "no problems"
    print(f"check: {state}; store: {total['articles']} articles, {total['chunks']} chunks", file=sys.stderr)
    return 1 if problems else 0


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
    from rag.retrieval.hybrid import Filters

    return Filters(publishers=args.publisher, after=args.after or "", before=args.before or "")


def unknown_publishers(asked: list[str], stored: list[str]) -> list[str]:
    """One message per --publisher that no stored publisher answers to (same key as the filter uses),
    with the closest stored names."""
    import difflib

    from rag.storage.store import publisher_key

    by_key = {publisher_key(name): name for name in stored}
    out = []
    for name in asked:
        if publisher_key(name) in by_key:
            continue
        close = difflib.get_close_matches(publisher_key(name), list(by_key), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(by_key[c]) for c in close)}?" if close else ""
        out.append(f"no stored article is from publisher {name!r}{hint} (`newsdesk articles` lists them)")
    return out


def _check_publishers(args: argparse.Namespace, pipe: Any) -> bool:
    problems = unknown_publishers(args.publisher, pipe.publishers())
    for problem in problems:
        print(f"newsdesk: {problem}", file=sys.stderr)
    return not problems


def _lines(first: str | None) -> Iterator[str]:
    """The single argument, or stdin one line at a time (blank lines skipped)."""
    if first is not None:
        yield first
        return
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


def _check_question(text: str) -> str:
    from rag.answering.answer import check_question

    return check_question(text)


def search_rows(passages: list[Any]) -> list[dict[str, Any]]:
    keys = ("rank", "score", "article_id", "title", "publisher", "published", "file", "url", "chunk_id",
            "text", "start", "end", "also_in")
    return [{k: getattr(p, k) for k in keys} for p in passages]


def _note_retry(exc: BaseException, left: float) -> None:
    print(f"newsdesk: store unreachable ({type(exc).__name__}: {exc}); retrying for {left:.0f} s", file=sys.stderr)


def cmd_search(args: argparse.Namespace, pipe: Any) -> int:
    from rag.storage.retry import retrying

    if not _check_publishers(args, pipe):
        return 2
    status = 0
    for query in _lines(args.query):
        constraints: dict[str, Any] = {}
        try:
            question = _check_question(query)
            passages, constraints = retrying(lambda q=question: pipe.search_question(q, args.k, _filters(args)),
                                             pipe.settings.store_retry_s, _note_retry)
            rows = search_rows(passages)
        except ValueError as exc:
            print(f"newsdesk: {exc}", file=sys.stderr)
            status = 2
            rows = []
        except Exception as exc:  # noqa: BLE001 (reported per query, as in ask; the batch goes on)
            print(f"newsdesk: could not search {query[:80]!r}: {type(exc).__name__}: {exc}", file=sys.stderr)
            status = status or 1
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
    """One answer (or one error) per question; a question that fails, even because the store is down
    for longer than NEWSDESK_STORE_RETRY_S, does not stop the batch. Exit 2 for a bad question, 1 for
    a question that could not be answered, 0 when all were."""
    from rag.answering.answer import answer
    from rag.storage.retry import retrying

    if not _check_publishers(args, pipe):
        return 2
    status = 0
    for line in _lines(args.question):
        try:
            question = _check_question(line)
            result = retrying(lambda q=question: answer(q, pipe, k=args.k, filters=_filters(args)),
                              pipe.settings.store_retry_s, _note_retry)
        except ValueError as exc:
            print(f"newsdesk: {exc}", file=sys.stderr)
            status = 2
            if args.json:
                print(json.dumps({"question": line, "error": str(exc)}, ensure_ascii=False), flush=True)
            continue
        except Exception as exc:  # noqa: BLE001 (reported per question; the batch goes on)
            error = f"{type(exc).__name__}: {exc}"
            print(f"newsdesk: could not answer {line[:80]!r}: {error}", file=sys.stderr)
            status = status or 1
            if args.json:
                print(json.dumps({"question": line, "error": error}, ensure_ascii=False), flush=True)
            continue
        print(json.dumps(result, ensure_ascii=False) if args.json else format_answer(result), flush=True)
    return status


def cmd_chat(args: argparse.Namespace, pipe: Any) -> int:
    from rag.answering.answer import answer

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
        from rag.ingest.articles import ingest

        progress = None if sys.stderr.isatty() else progress_lines(sys.stderr)
        print_report(ingest(args.ingest, pipe.settings, pipe.store, pipe.embedder, progress=progress), out=sys.stderr)
    from ui.app import launch

    if args.watch:  # new articles show without a restart: readers re-read the store when its revision changes
        from rag.feeds_cli import print_feed_report
        from rag.web.follow import start_watching

        start_watching(pipe.settings, pipe.store, pipe.embedder,
                       report=lambda feed, outcomes: print_feed_report(feed, outcomes, out=sys.stderr))
    host, port = args.host or pipe.settings.ui_host, args.port or pipe.settings.ui_port
    print(f"newsdesk: serving on http://{host}:{port} (Ctrl-C stops)", file=sys.stderr)
    launch(pipe.settings, pipe, host=host, port=port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
