"""The store under an attacker and an unlucky operator: colliding ids, files that turn bad under
--sync, removals cut short by kill -9, two ingests at once. Real Chroma in tmp_path, the real
embedder, and real `newsdesk` processes where the behaviour is the command's."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, TELEGRAPH, UPI, make_pipeline

from rag.check import find_problems
from rag.ingest.articles import ingest, write
from rag.ingest.loaders import load
from rag.ingest.parsing import parse, record_id

NEWSDESK = [sys.executable, "-m", "rag.cli"]
BBC = ROOT.parent / "shared" / "corpora" / "bbc"


def run(pipe, *paths, sync=False):
    return ingest([Path(p) for p in paths], pipe.settings, pipe.store, pipe.embedder, sync=sync)


def statuses(outcomes):
    return sorted((Path(o.source.split("#")[0]).name, o.status) for o in outcomes)


def by_file(pipe):
    return {r["file"]: r for r in pipe.store.list_articles()}


def nd(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    environ |= {"NEWSDESK_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([*NEWSDESK, *args], env=environ, capture_output=True, text=True, timeout=300, cwd=ROOT)


def intact(pipe) -> dict[str, tuple[int, int]]:
    """Articles whose recorded chunk count differs from the chunks stored: (recorded, stored)."""
    counts = {r["article_id"]: pipe.store.chunk_counts(r["article_id"]) for r in pipe.store.list_articles()}
    return {a: c for a, c in counts.items() if c[0] != c[1] or c[1] == 0}


# --- 3: ids of different origins never collide; a replacement comes from the same origin ---------

def test_a_record_cannot_overwrite_a_file_article(fresh, tmp_path):
    run(fresh, SEEDS)
    upi = by_file(fresh)[UPI]
    evil = tmp_path / "evil.jsonl"
    evil.write_text(json.dumps({"url": upi["article_id"], "title": "North Korean diplomat", "source": "UPI",
                                "body": "North Korea's ambassador to the United Nations is Kim Spoofed."}) + "\n")
    [o] = run(fresh, evil)
    assert o.status == "added" and o.article_id.startswith("rec/") and o.article_id != upi["article_id"]
    kept = fresh.store.get_article(upi["article_id"])
    assert "Ja Song Nam" in kept.text and "Kim Spoofed" not in kept.text
    assert kept.source_path == str((SEEDS / UPI).resolve())
    assert fresh.store.counts()["articles"] == 3


def test_a_record_is_replaced_only_from_its_own_file(fresh, tmp_path):
    record = {"url": "https://example.org/rates", "title": "Rates held", "source": "The Guardian",
              "body": "The central bank held interest rates at 5.25 percent on Thursday."}
    (tmp_path / "corpus.jsonl").write_text(json.dumps(record) + "\n")
    [first] = run(fresh, tmp_path / "corpus.jsonl")
    assert first.article_id == record_id(record["url"], "") != record["url"]
    other = tmp_path / "upload.jsonl"
    other.write_text(json.dumps(record | {"body": "The central bank cut interest rates to zero."}) + "\n")
    [refused] = run(fresh, other)
    assert refused.status == "rejected"
    assert refused.reason.startswith(f"refused: article {first.article_id} is stored from ")
    assert str((tmp_path / "corpus.jsonl").resolve()) in refused.reason
    assert "5.25 percent" in fresh.store.get_article(first.article_id).text
    (tmp_path / "corpus.jsonl").write_text(json.dumps(record | {"body": "The bank held rates at 5.5 percent."}))
    [replaced] = run(fresh, tmp_path / "corpus.jsonl")
    assert (replaced.status, replaced.article_id) == ("replaced", first.article_id)


def test_records_stored_under_their_old_ids_are_still_found_and_replaced(tmp_path):
    """A store written before record ids were namespaced holds a record under its url (or, without
    one, the first 16 hex of its text hash): re-ingesting it is 'unchanged', changing it moves it."""
    pipe = make_pipeline(tmp_path / "store")
    bulk = tmp_path / "old.jsonl"
    rows = [{"url": "https://example.org/a", "title": "A", "body": "Alpha council approved the harbour plan."},
            {"title": "B", "body": "Beta council rejected the bridge plan on Monday."}]
    bulk.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    for raw in load(bulk, 10**6):
        article = parse(raw)
        article.article_id = article.url or article.content_hash[:16]  # what older newsdesk stored
        write(article, pipe.settings, pipe.store, pipe.embedder)
    old_ids = sorted(r["article_id"] for r in pipe.store.list_articles())
    again = run(pipe, bulk)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert sorted(o.article_id for o in again) == old_ids
    rows[0]["body"] = "Alpha council approved the harbour plan after a long debate."
    bulk.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    [moved, same] = run(pipe, bulk, sync=True)
    assert (moved.status, moved.article_id) == ("replaced", record_id("https://example.org/a", ""))
    assert same.status == "unchanged"
    assert sorted(r["article_id"] for r in pipe.store.list_articles()) == sorted([moved.article_id, same.article_id])
    assert not intact(pipe)


# --- 10: --sync removes only what is really gone -------------------------------------------------

def test_sync_keeps_articles_whose_file_turned_bad(tmp_path):
    pipe = make_pipeline(tmp_path / "store")
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    (folder / "extra.txt").write_text("Harbour reopens\n\nThe harbour at Skelvik reopened after storm damage.\n")
    (folder / "gone.txt").write_text("Bridge closes\n\nThe old bridge at Norrby closed for repairs on Friday.\n")
    records = [{"url": f"https://example.org/{i}", "title": f"Story {i}",
                "body": f"Council number {i} voted on plan {i} of the year, the clerk said on day {i}."}
               for i in range(20)]
    bulk = folder / "wire.jsonl"
    bulk.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert {o.status for o in run(pipe, folder)} == {"added"}
    assert pipe.store.counts()["articles"] == 24

    (folder / UPI).write_bytes(b"\x00\x01binary garbage\x00" * 100)
    (folder / "extra.txt").write_text("")
    lines = bulk.read_text().splitlines()
    lines[7] = '{"url": "https://example.org/7", "body": "cut off'
    bulk.write_text("\n".join(lines) + "\n")
    (folder / "gone.txt").unlink()
    outcomes = run(pipe, folder, sync=True)

    removed = [o for o in outcomes if o.status == "removed"]
    assert [(Path(o.source).name, o.reason) for o in removed] == [("gone.txt", "no longer in the ingested folder")]
    kept = {o.article_id: o.reason for o in outcomes if o.status == "kept"}
    stored = by_file(pipe)
    assert kept[stored[UPI]["article_id"]].startswith("kept the stored version: binary file")
    assert kept[stored["extra.txt"]["article_id"]] == "kept the stored version: empty file"
    wire = [r for r in pipe.store.list_articles() if r["file"] == "wire.jsonl"]
    assert len(wire) == 20  # whether the loader rejects the bad line or the whole file
    assert all(kept[r["article_id"]].startswith("kept the stored version: ")
               for r in wire if r["article_id"] in kept)
    assert record_id("https://example.org/7", "") in kept
    assert "Ja Song Nam" in pipe.store.get_article(stored[UPI]["article_id"]).text
    assert pipe.store.counts()["articles"] == 23

    # A bulk file read whole that no longer holds a record: that record, and only it, goes.
    bulk.write_text("".join(json.dumps(r) + "\n" for r in records if r["url"] != "https://example.org/3"))
    removed = [o for o in run(pipe, folder, sync=True) if o.status == "removed"]
    assert [(o.article_id, o.reason) for o in removed] == [(record_id("https://example.org/3", ""),
                                                            "no longer in wire.jsonl")]
    assert pipe.store.counts()["articles"] == 22


# --- 11: interrupted removals and writes are found and repaired ------------------------------------

def test_ingest_rewrites_an_article_left_without_chunks(tmp_path):
    """The state kill -9 left between the old remove's chunk delete and its article delete."""
    pipe = make_pipeline(tmp_path / "store")
    run(pipe, SEEDS)
    upi = by_file(pipe)[UPI]["article_id"]
    pipe.store.chunks.delete(where={"article_id": upi})  # the first half of the old delete
    assert pipe.store.chunk_counts(upi) == (4, 0)
    outcomes = run(pipe, SEEDS)
    assert statuses(outcomes) == [(TELEGRAPH, "unchanged"), (UPI, "replaced")]
    assert not intact(pipe)
    hits = pipe.retriever().search("Who is North Korea's ambassador to the United Nations?", 3)
    assert any(p.article_id == upi and "Ja Song Nam" in p.text for p in hits)


def test_a_removal_cut_short_is_finished_by_the_next_ingest(tmp_path):
    """The new order journals the ids, drops the article record, then its chunks: a kill after the
    record went leaves chunks that the next ingest (of anything) deletes."""
    pipe = make_pipeline(tmp_path / "store")
    run(pipe, SEEDS)
    upi = by_file(pipe)[UPI]["article_id"]
    pipe.store.articles.modify(metadata={"revision": pipe.store.revision(), "deleting": json.dumps([upi])})
    pipe.store.articles.delete(ids=[upi])  # killed here: the chunks are still stored
    outcomes = run(pipe, SEEDS / TELEGRAPH)
    assert [(o.status, o.article_id) for o in outcomes] == [("removed", upi), ("unchanged", outcomes[1].article_id)]
    assert pipe.store.counts() == {"articles": 1, "chunks": 7}
    assert pipe.store.pending_deletes() == []


def test_check_finds_and_repairs_orphans_chunkless_articles_and_a_stale_index(tmp_path):
    data = tmp_path / "store"
    pipe = make_pipeline(data)
    run(pipe, SEEDS)
    pipe.local_index()  # the saved local index, as after `newsdesk ingest`
    rows = by_file(pipe)
    telegraph, upi = rows[TELEGRAPH]["article_id"], rows[UPI]["article_id"]
    pipe.store.articles.delete(ids=[telegraph])  # orphan chunks: their article record is gone
    pipe.store.chunks.delete(where={"article_id": upi})  # an article listed with no chunks
    del pipe

    found = nd(data, "check")
    assert found.returncode == 1, found.stderr
    lines = found.stdout.splitlines()
    assert any(line.startswith("orphan") and telegraph in line and "7 chunks" in line for line in lines)
    assert any(line.startswith("broken") and upi in line and "0 of 4 chunks" in line for line in lines)
    assert any(line.startswith("stale") and "local index" in line for line in lines)
    assert "Traceback" not in found.stderr

    fixed = nd(data, "check", "--repair")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "unfixed" not in fixed.stdout  # it checks again after repairing
    pipe = make_pipeline(data)
    assert not find_problems(pipe.store, data / "bm25")
    assert pipe.store.counts() == {"articles": 1, "chunks": 4}
    assert pipe.store.chunk_counts(upi) == (4, 4)
    hits = pipe.retriever().search("North Korea ambassador United Nations", 3)
    assert hits and {h.article_id for h in hits} == {upi}
    assert statuses(run(pipe, SEEDS)) == [(TELEGRAPH, "added"), (UPI, "unchanged")]


# --- 9: one writer at a time -------------------------------------------------------------------

def bbc_folder(tmp_path: Path, topic: str, n: int) -> Path:
    if not BBC.exists():
        pytest.skip("shared corpora not beside the repo")
    folder = tmp_path / topic
    folder.mkdir()
    for src in sorted((BBC / topic).glob("*.txt"))[:n]:
        shutil.copy(src, folder / src.name)
    return folder


def ingest_at_once(data: Path, *folders: Path) -> list[subprocess.CompletedProcess]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    environ |= {"NEWSDESK_DATA_DIR": str(data), "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([*NEWSDESK, "ingest", str(f)], env=environ, cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in folders]
    done = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return done


@pytest.mark.parametrize("start", ["fresh", "seeded"])
def test_two_ingests_at_once_keep_every_article(tmp_path, start):
    data = tmp_path / "store"
    if start == "seeded":
        run(make_pipeline(data), SEEDS)
    business, tech = bbc_folder(tmp_path, "business", 20), bbc_folder(tmp_path, "tech", 20)
    results = ingest_at_once(data, business, tech)
    for r in results:
        assert r.returncode == 0, r.stderr[-2000:]
        assert "rejected" not in r.stdout and "Traceback" not in r.stderr
    pipe = make_pipeline(data)
    assert not find_problems(pipe.store, data / "bm25")
    files = {(r["source_path"].split("/")[-2], r["file"]) for r in pipe.store.list_articles()}
    expected = {(f.parent.name, f.name) for folder in (business, tech) for f in folder.iterdir()}
    if start == "seeded":
        expected |= {("seeds", TELEGRAPH), ("seeds", UPI)}
    assert files == expected
    assert not intact(pipe)
    # Serialised: one folder's articles were all written before the other's (the store stamps each
    # write to the second, hence <=). Two writers at once interleave.
    rows = pipe.store.list_articles()
    stamps = [sorted(r["ingested_at"] for r in rows if r["source_path"].startswith(f"{f.resolve()}/"))
              for f in (business, tech)]
    assert stamps[0][-1] <= stamps[1][0] or stamps[1][-1] <= stamps[0][0]
    ids = {r["source_path"]: r["article_id"] for r in pipe.store.list_articles()}
    for folder in (business, tech):  # both hold a 001.txt: the id tells them apart
        first = sorted(folder.iterdir())[0]
        hits = pipe.retriever().search(first.read_text().splitlines()[0], 3)
        assert hits and hits[0].article_id == ids[str(first.resolve())]


def test_a_writer_waits_for_the_lock_and_says_so(tmp_path):
    from rag.storage.writelock import write_lock

    data = tmp_path / "store"
    with write_lock(data, 5):
        busy = nd(data, "ingest", str(SEEDS), NEWSDESK_WRITE_LOCK_TIMEOUT_S="1")
    assert busy.returncode == 2
    assert busy.stderr.count("waiting for another ingest or removal") == 1
    assert f"pid {os.getpid()}" in busy.stderr and "NEWSDESK_WRITE_LOCK_TIMEOUT_S" in busy.stderr
    assert "Traceback" not in busy.stderr


def test_a_writer_killed_with_sigkill_leaves_no_lock(tmp_path):
    data = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from rag.storage.writelock import write_lock\n"
         f"with write_lock(Path({str(data)!r}), 5):\n    print('held', flush=True); time.sleep(600)"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    after = nd(data, "ingest", str(SEEDS), NEWSDESK_WRITE_LOCK_TIMEOUT_S="30")
    assert after.returncode == 0, after.stderr
    assert "waiting" not in after.stderr
