"""Ingestion end to end into a real Chroma store: formats, idempotence, replacement, sync, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, TELEGRAPH, UPI

from rag.ingest.articles import ingest
from rag.ingest.parsing import record_id
from rag.ingest.removal import remove


def run(pipe, *paths, sync=False):
    return ingest([Path(p) for p in paths], pipe.settings, pipe.store, pipe.embedder, sync=sync)


def by_status(outcomes):
    return [(Path(o.source).name, o.status) for o in outcomes]


def stored_chunks(pipe):
    return [(i, d, m) for ids, docs, metas in pipe.store.iter_chunks()
            for i, d, m in zip(ids, docs, metas, strict=True)]


def test_every_stored_chunk_is_an_exact_span_of_its_article(seeded):
    chunks = stored_chunks(seeded)
    assert len(chunks) == seeded.store.counts()["chunks"] > 5
    for chunk_id, text, meta in chunks:
        article = seeded.store.get_article(meta["article_id"])
        assert article.text[meta["start"]:meta["end"]] == text
        assert chunk_id == f"{article.article_id}:{meta['start']}-{meta['end']}"


def test_reingest_is_idempotent(fresh, tmp_path):
    first = run(fresh, SEEDS)
    assert [o.status for o in first] == ["added", "added"]
    counts, revision = fresh.store.counts(), fresh.store.revision()
    ids = sorted(i for i, *_ in stored_chunks(fresh))
    again = run(fresh, SEEDS, SEEDS / TELEGRAPH)
    assert [o.status for o in again] == ["unchanged"] * 3
    assert fresh.store.counts() == counts
    assert fresh.store.revision() == revision  # nothing changed, so derived indexes stay valid
    assert sorted(i for i, *_ in stored_chunks(fresh)) == ids


def test_changed_file_replaces_its_chunks(fresh, tmp_path):
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    run(fresh, folder)
    before = {i for i, *_ in stored_chunks(fresh)}
    path = folder / UPI
    anchor = "could be a good starting point, he said."
    added = "\n\nOfficials in Seoul said the offer would be studied carefully."
    path.write_text(path.read_text().replace(anchor, anchor + added))
    [o1, o2] = run(fresh, folder)
    assert (o1.status, o2.status) == ("unchanged", "replaced")
    assert fresh.store.counts()["articles"] == 2
    after = stored_chunks(fresh)
    upi = [(i, d) for i, d, m in after if m["article_id"] == o2.article_id]
    assert any("studied carefully" in d for _, d in upi)
    assert len(upi) == o2.chunks
    # chunks of the old version that the new text no longer has are gone
    old_upi = {i for i in before if i.startswith(o2.article_id + ":")}
    assert old_upi - {i for i, _ in upi}  # the last chunk changed
    assert not (old_upi - {i for i, _ in upi}) & {i for i, *_ in after}


def test_bad_replacement_keeps_the_stored_version(fresh, tmp_path):
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    run(fresh, folder)
    [upi] = [r for r in fresh.store.list_articles() if r["file"] == UPI]
    (folder / UPI).write_bytes(b"\x00\x01binary garbage\x00" * 100)
    outcomes = run(fresh, folder)
    assert by_status(outcomes) == [(TELEGRAPH, "unchanged"), (UPI, "rejected")]
    kept = fresh.store.get_article(upi["article_id"])
    assert kept is not None and "Ja Song Nam" in kept.text
    assert fresh.store.counts()["articles"] == 2


def test_sync_and_remove(fresh, tmp_path):
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    run(fresh, folder)
    (folder / UPI).unlink()
    outcomes = run(fresh, folder, sync=True)
    assert by_status(outcomes) == [(TELEGRAPH, "unchanged"), (UPI, "removed")]
    assert [r["file"] for r in fresh.store.list_articles()] == [TELEGRAPH]
    assert [o.status for o in remove([TELEGRAPH], fresh.store)] == ["removed"]
    assert fresh.store.counts() == {"articles": 0, "chunks": 0}
    assert [o.status for o in remove(["no-such-article"], fresh.store)] == ["rejected"]


def test_duplicate_text_under_another_name(fresh, tmp_path):
    shutil.copy(SEEDS / TELEGRAPH, tmp_path / "copy.txt")
    outcomes = run(fresh, SEEDS / TELEGRAPH, tmp_path / "copy.txt")
    assert [o.status for o in outcomes] == ["added", "duplicate"]
    assert fresh.store.counts()["articles"] == 1


def test_bad_inputs_each_get_a_reason_and_do_not_stop_the_rest(fresh, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(SEEDS / TELEGRAPH, folder / "good.txt")
    (folder / "empty.txt").write_text("")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (folder / "report.pdf").write_bytes(b"%PDF-1.4 not supported")
    (folder / "legacy.txt").write_bytes(
        "Café owners in Zürich – the “old town” – said prices rose 5€ a week.\n".encode("cp1252"))
    (folder / "broken.json").write_text("[{not json")
    (folder / "huge.txt").write_text("All work and no play. " * 2_300_000)  # ~50 MB
    outcomes = {Path(o.source).name: o for o in run(fresh, folder, tmp_path / "missing.txt")}
    assert outcomes["good.txt"].status == "added"
    assert outcomes["legacy.txt"].status == "added"
    reasons = {name: (o.status, o.reason) for name, o in outcomes.items() if o.status == "rejected"}
    assert reasons["empty.txt"] == ("rejected", "empty file")
    assert "binary file" in reasons["image.txt"][1]
    assert "unsupported file type '.pdf'" in reasons["report.pdf"][1]
    assert "invalid JSON" in reasons["broken.json"][1]
    assert "MB limit" in reasons["huge.txt"][1] and "50.6 MB" in reasons["huge.txt"][1]
    assert reasons["missing.txt"] == ("rejected", "no such file or folder")
    assert all("\n" not in o.reason for o in outcomes.values())
    legacy = next(fresh.store.get_article(r["article_id"]) for r in fresh.store.list_articles()
                  if r["file"] == "legacy.txt")
    assert "Café owners in Zürich – the “old town” – said prices rose 5€ a week." in legacy.text + legacy.title


def test_bulk_json_and_jsonl(fresh, tmp_path):
    records = [
        {"title": "Rates held", "author": "A. Writer", "source": "The Guardian", "category": "business",
         "published_at": "2023-11-02T08:00:00+00:00", "url": "https://example.org/rates",
         "body": "The central bank held interest rates at 5.25 percent on Thursday. Markets had expected it."},
        {"title": "No body here", "url": "https://example.org/empty"},
        "not an object",
        {"title": "No url", "source": "Fortune", "published_at": "2023-10-05",
         "body": "A record without a url gets a content hash as its id. It is still an article."},
    ]
    (tmp_path / "corpus.json").write_text(json.dumps(records))
    (tmp_path / "more.jsonl").write_text(json.dumps(records[0] | {"url": "https://example.org/rates2"}) + "\n")
    outcomes = run(fresh, tmp_path / "corpus.json", tmp_path / "more.jsonl")
    assert [o.status for o in outcomes] == ["added", "rejected", "rejected", "added", "duplicate"]
    assert "no 'body'" in outcomes[1].reason and "not an object" in outcomes[2].reason
    rates = fresh.store.get_article(record_id("https://example.org/rates", ""))
    assert (rates.title, rates.publisher, rates.author, rates.published) == (
        "Rates held", "The Guardian", "A. Writer", "2023-11-02")
    assert rates.extra == {"category": "business"}
    assert outcomes[3].article_id.startswith("rec/")  # from the content hash: it has no url
    assert [o.status for o in run(fresh, tmp_path / "corpus.json")].count("unchanged") == 2


def test_multihop_corpus_sample_reads_with_metadata(fresh, tmp_path):
    corpus = ROOT.parent / "shared" / "corpora" / "multihop_rag" / "corpus.json"
    if not corpus.exists():
        pytest.skip("shared corpora not beside the repo")
    sample = json.loads(corpus.read_text())[:3]
    (tmp_path / "sample.json").write_text(json.dumps(sample))
    outcomes = run(fresh, tmp_path / "sample.json")
    assert [o.status for o in outcomes] == ["added"] * 3
    for record in sample:
        article = fresh.store.get_article(record_id(record["url"], ""))
        assert article.publisher == record["source"]
        assert article.published == record["published_at"][:10]


def test_hostile_html_is_extracted_as_inert_text(fresh):
    [o] = run(fresh, ROOT / "tests" / "data" / "hostile.html")
    assert o.status == "added"
    a = fresh.store.get_article(o.article_id)
    assert (a.title, a.publisher, a.author, a.published) == (
        "Harbour reopens after storm damage", "Coastal Herald", "Maria Lund", "2021-03-14")
    assert a.text.startswith("The harbour at Skelvik reopened")
    for markup in ("onerror", "javascript:", "window.__pwned = 1", "alert(", "display:none", "owned</h1>"):
        assert markup not in a.text
    # Text that merely shows markup (escaped in the page) is article text and is kept, as text.
    assert a.text.count("<script") == 1 and "Readers posted <script>window.__pwned=4</script>" in a.text


def test_markdown_article(fresh, tmp_path):
    (tmp_path / "note.md").write_text(
        "# Bridge opens\n\nBy Sam Reed\n\n**Oslo, 3 May 2022.** The new [bridge](http://x) opened to traffic.\n")
    [o] = run(fresh, tmp_path / "note.md")
    a = fresh.store.get_article(o.article_id)
    assert (a.title, a.author, a.published) == ("Bridge opens", "Sam Reed", "")
    assert "The new bridge opened to traffic." in a.text and "**" not in a.text and "http" not in a.text
