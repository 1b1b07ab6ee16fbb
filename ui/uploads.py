"""A reader's upload, ingested file by file within the operator's budgets.

A reader is not the operator: an upload is held to NEWSDESK_UI_MAX_UPLOAD_TOTAL_MB at once,
NEWSDESK_UI_MAX_UPLOAD_MB a file and NEWSDESK_UI_UPLOAD_TIMEOUT_S in all, and replaces a stored article
only when NEWSDESK_UI_ALLOW_REMOVE is on. The time budget and the stop flag end it part way through a
file too (ingest checks them between embedding batches); what was not stored is reported as skipped.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rag.config import Settings
from rag.ingest.articles import ingest
from rag.pipeline import Pipeline
from rag.types import Outcome

Progress = Callable[..., object]  # gr.Progress, or any callable taking (fraction, desc=...)


def too_big(files: list[str], settings: Settings) -> str:
    """Why the upload as a whole is refused ('' if it is not)."""
    total = sum(Path(f).stat().st_size for f in files)
    if total <= settings.ui_max_upload_total_mb * 1_000_000:
        return ""
    return (f"This upload is {total / 1_000_000:.1f} MB; at most {settings.ui_max_upload_total_mb:g} MB "
            "may be uploaded at once here. Upload fewer files at a time.")


def ingest_upload(files: list[str], pipe: Pipeline, stop: threading.Event,
                  progress: Progress = lambda *a, **k: None) -> Iterator[list[Outcome]]:
    """Yields the outcomes so far after each file; the last list holds one outcome per file."""
    s = pipe.settings
    # Uploads are kept under the data dir by name, so uploading a changed file again replaces it
    # (when the operator allows replacing).
    folder = s.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + s.ui_upload_timeout_s

    def should_stop() -> bool:
        return stop.is_set() or time.monotonic() > deadline

    outcomes: list[Outcome] = []
    for n, f in enumerate(files):
        progress(n / len(files), desc=f"Ingesting {Path(f).name}")
        if should_stop():
            why = "stopped" if stop.is_set() else f"the upload's {s.ui_upload_timeout_s:g} s time budget ran out"
            yield outcomes + [Outcome(Path(g).name, "skipped", f"{why} before this file; upload it again")
                              for g in files[n:]]
            return
        outcomes += _ingest_file(Path(f), folder, pipe, should_stop)
        yield outcomes


def _ingest_file(src: Path, folder: Path, pipe: Pipeline, should_stop: Callable[[], bool]) -> list[Outcome]:
    s = pipe.settings
    dest = folder / src.name
    if dest.exists() and not s.ui_allow_remove and dest.read_bytes() != src.read_bytes():
        return [Outcome(src.name, "rejected", "a different file of this name was uploaded before, "
                        "and replacing stored articles is not allowed here; rename the file")]
    settings = s.model_copy(update={"max_file_mb": s.ui_max_upload_mb})
    if src.stat().st_size <= settings.max_file_mb * 1_000_000:
        shutil.copyfile(src, dest)
    else:  # rejected by ingest with its size reason; nothing is kept
        dest = src
    return ingest([dest], settings, pipe.store, pipe.embedder, allow_replace=s.ui_allow_remove,
                  should_stop=should_stop)
