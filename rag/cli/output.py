"""How the CLI reports: one escaped line per outcome, and progress lines when stderr is not a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

STATUS_WIDTH = 9
PROGRESS_EVERY = 50  # files between progress lines when stderr is not a terminal


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
