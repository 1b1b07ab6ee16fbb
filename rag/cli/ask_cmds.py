"""`newsdesk search`, `ask` and `chat`: questions in, passages or cited answers out.

`ask --json` prints Answer.to_dict() (rag.answering.result), one JSON object per question.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the answering stack loads only when a question is asked
    from rag.answering.result import Answer


def _filters(args: argparse.Namespace) -> Any:
    from rag.retrieval.filters import Filters

    return Filters(publishers=args.publisher, after=args.after or "", before=args.before or "")


def unknown_publishers(asked: list[str], stored: list[str]) -> list[str]:
    """One message per --publisher that no stored publisher answers to (same key as the filter uses),
    with the closest stored names."""
    import difflib

    from rag.storage.keys import publisher_key

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
            found = retrying(lambda q=question: pipe.retriever().retrieve(q, args.k, _filters(args)),
                             pipe.settings.store_retry_s, _note_retry)
            passages, constraints = found.passages, found.constraints()
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


def format_answer(result: Answer) -> str:
    from rag.language import display_date

    lines = [result.answer]
    for c in result.citations:
        where = ", ".join(x for x in (c.publisher, display_date(c.published)) if x)
        lines.append(f"  [{c.n}] {where} · {c.title} ({c.file}, characters {c.start}-{c.end})")
        lines.append(f"      “{' '.join(c.quote.split())}”")
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
        print(json.dumps(result.to_dict(), ensure_ascii=False) if args.json else format_answer(result), flush=True)
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
        if result.rewritten != result.question:
            print(f"(searched as: {result.rewritten})")
        print(format_answer(result) + "\n")
        history.append((result.question, result.answer))
