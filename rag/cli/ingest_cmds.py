"""`newsdesk ingest`, `remove`, `check` and `articles`: the commands that fill, fix and list the store."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from rag.cli.output import STATUS_WIDTH, print_report, progress_lines


def cmd_ingest(args: argparse.Namespace, pipe: Any) -> int:
    from rag.cli.feeds import ingest_web, split_targets
    from rag.ingest.articles import ingest

    progress = None if sys.stderr.isatty() else progress_lines(sys.stderr)
    paths, urls = split_targets(args.paths)
    outcomes = ingest(paths, pipe.settings, pipe.store, pipe.embedder, sync=args.sync,
                      progress=progress) if paths else []
    outcomes += ingest_web(urls, pipe) if urls else []
    pipe.local_index()  # the BM25 index takes in what changed now, not on the next question
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
    from rag.ingest.removal import remove

    outcomes = remove(args.targets, pipe.store)
    pipe.local_index()
    print_report(outcomes)
    return 0 if any(o.status == "removed" for o in outcomes) else 1


def cmd_check(args: argparse.Namespace, pipe: Any) -> int:
    from rag.check import find_problems, repair

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
