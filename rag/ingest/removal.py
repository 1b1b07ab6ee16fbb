"""Taking articles out of the store: `remove` by id, file or path, and the --sync pass that removes
what is really gone from the ingested folders (and keeps what is still there but was not read)."""

from __future__ import annotations

import os
from pathlib import Path

from rag.ingest.discovery import BULK_EXTENSIONS
from rag.storage.store import Store
from rag.types import Outcome


def finish_removals(store: Store) -> list[Outcome]:
    """Removals a kill cut short, completed before anything else is written (Store.finish_deletes)."""
    return [Outcome(i, "removed", "finished a removal that was interrupted", i) for i in store.finish_deletes()]


def sync_removals(paths: list[Path], store: Store, seen: set[str], files: dict[str, str]) -> list[Outcome]:
    """Remove stored articles that came from under the given paths and are really gone: their file
    no longer exists, or (a bulk record) its file was read whole and no longer holds it. A file that
    is still there but was rejected, even in part, keeps its stored articles, and the report says so."""
    roots = [str(p.resolve()) for p in paths]
    outcomes, gone = [], []
    for row in store.list_articles():
        source = row.get("source_path", "")
        under = any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots)
        if not under or row["article_id"] in seen:
            continue
        keep = _why_keep(source, files)
        if keep:
            outcomes.append(Outcome(source, "kept", f"kept the stored version: {keep}", row["article_id"],
                                    row.get("title", "")))
        else:
            gone.append(row)
    removed = set(store.delete_articles([r["article_id"] for r in gone]))
    for row in (r for r in gone if r["article_id"] in removed):
        source = row.get("source_path", "")
        where = f"no longer in {Path(source).name}" if source in files else "no longer in the ingested folder"
        outcomes.append(Outcome(source, "removed", where, row["article_id"], row.get("title", "")))
    return outcomes


def _why_keep(source: str, files: dict[str, str]) -> str:
    """Why a stored article not met in this ingest stays ("" = its file or record is really gone)."""
    if files.get(source):
        return files[source]  # the file is there but was rejected, wholly or in part
    try:
        os.stat(source)
    except (FileNotFoundError, NotADirectoryError):
        return ""
    except OSError as exc:
        return f"cannot check its file: {exc.strerror or exc}"
    if source in files and Path(source).suffix.lower() in BULK_EXTENSIONS:
        return ""  # the bulk file was read whole and this record is not in it any more
    return "its file still exists" if source in files else "its file still exists but was not read"


def remove(targets: list[str], store: Store) -> list[Outcome]:
    """Remove articles by id, by file name, or by path (a folder removes everything under it)."""
    with store.writing():
        return _remove(targets, store)


def _remove(targets: list[str], store: Store) -> list[Outcome]:
    outcomes = finish_removals(store)
    rows = store.list_articles()
    for target in targets:
        resolved = str(Path(target).resolve())
        matches = [
            r for r in rows
            if target in {r["article_id"], r.get("file"), r.get("url")}
            or r.get("source_path", "") == resolved
            or r.get("source_path", "").startswith(resolved.rstrip("/") + "/")
        ]
        if not matches:
            outcomes.append(Outcome(target, "rejected", "no stored article matches this id, file or path"))
        removed = set(store.delete_articles([r["article_id"] for r in matches]))
        outcomes += [Outcome(target, "removed", article_id=r["article_id"], title=r.get("title", ""))
                     for r in matches if r["article_id"] in removed]
    if any(o.status == "removed" for o in outcomes):
        store.bump_revision()
    return outcomes
