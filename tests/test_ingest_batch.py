"""The batched, pipelined ingest (rag.ingest.reader + rag.ingest.batch): the same outcomes as one document
at a time, across batch boundaries, on a stop part way, and after kill -9. Real Chroma in tmp_path,
the real embedder, a real `newsdesk ingest` process for the kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEEDS, TELEGRAPH, make_pipeline

from rag.check import find_problems
from rag.ingest import batch as ingest_batch
from rag.ingest.articles import ingest


def variants(folder: Path, n: int) -> list[Path]:
    """n distinct articles (the seed text under a distinct opening sentence), one file each."""
    folder.mkdir(exist_ok=True)
    text = (SEEDS / TELEGRAPH).read_text()
    head, _, body = text.partition("\n\n")
    paths = []
    for i in range(n):
        path = folder / f"v{i:03}.txt"
        path.write_text(f"{head} {i}\n\nReport number {i} of {n} opened the session on day {i}. {body}")
        paths.append(path)
    return paths


def test_copies_in_one_batch_are_one_article_and_near_copies_one_story(tmp_path):
    pipe = make_pipeline(tmp_path / "store")
    folder = tmp_path / "wire"
    folder.mkdir()
    text = (SEEDS / TELEGRAPH).read_text()
    (folder / "a.txt").write_text(text)
    (folder / "b.txt").write_text(text)  # the very same text: a duplicate
    (folder / "c.txt").write_text(text.rstrip() + "\n\nThe talks resume on Monday, officials said.\n")
    outcomes = ingest([folder], pipe.settings, pipe.store, pipe.embedder)
    assert [o.status for o in outcomes] == ["added", "duplicate", "added"]
    assert outcomes[1].reason == f"same text as article {outcomes[0].article_id}"
    c = pipe.store.get_article(outcomes[2].article_id)
    assert c.story_id == outcomes[0].article_id  # the wire copy folds into the first one's story


def test_one_bad_record_in_a_batch_rejects_only_itself(tmp_path):
    pipe = make_pipeline(tmp_path / "store")
    body = "The central bank held interest rates at 5.25 percent on Thursday. Markets had expected it."
    lines = [json.dumps({"url": f"https://example.org/{i}", "title": f"Rates {i}", "body": f"{body} Day {i}."})
             for i in range(6)]
    lines[3] = json.dumps({"url": "https://example.org/bad", "title": "No body"})
    (tmp_path / "corpus.jsonl").write_text("\n".join(lines) + "\n")
    outcomes = ingest([tmp_path / "corpus.jsonl"], pipe.settings, pipe.store, pipe.embedder)
    assert [o.status for o in outcomes] == ["added"] * 3 + ["rejected"] + ["added"] * 2
    assert pipe.store.counts()["articles"] == 5


def test_a_stop_part_way_stores_whole_articles_only_and_a_rerun_finishes(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_batch, "BATCH_CHUNKS", 12)  # several batches from a few files
    monkeypatch.setattr(ingest_batch, "SLICE", 4)
    pipe = make_pipeline(tmp_path / "store")
    paths = variants(tmp_path / "many", 8)
    asked = []

    def should_stop() -> bool:
        asked.append(1)
        return len(asked) > 4

    outcomes = ingest(paths, pipe.settings, pipe.store, pipe.embedder, should_stop=should_stop)
    statuses = [o.status for o in outcomes]
    assert "added" in statuses and "skipped" in statuses
    assert set(statuses) == {"added", "skipped"}
    assert not [p for p in find_problems(pipe.store, tmp_path / "no-index") if p.kind != "stale"]
    assert pipe.store.counts()["articles"] == statuses.count("added")
    again = ingest(paths, pipe.settings, pipe.store, pipe.embedder)
    assert [o.status for o in again] == ["unchanged" if s == "added" else "added" for s in statuses]


def test_kill_9_during_an_ingest_loses_nothing_and_a_rerun_finishes(tmp_path):
    folder = tmp_path / "many"
    variants(folder, 120)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {"NEWSDESK_DATA_DIR": str(tmp_path / "store"), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "rag.cli", "ingest", str(folder)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert proc.stderr is not None
    for line in proc.stderr:  # killed while a later batch is being embedded or written
        if line.startswith("ingest: 50/120"):
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    pipe = make_pipeline(tmp_path / "store")
    listed = pipe.store.list_articles()
    assert 50 <= len(listed) < 120
    broken = [p for p in find_problems(pipe.store, tmp_path / "store" / "bm25") if p.kind in {"broken", "pending"}]
    assert not broken  # every listed article has all its chunks
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    pipe = make_pipeline(tmp_path / "store")
    assert pipe.store.counts()["articles"] == 120
    assert not find_problems(pipe.store, tmp_path / "store" / "bm25")
