"""Hostile and unlucky input files: special files, bad .jsonl lines, encodings, report lines.

Real files in tmp_path, the real ingest into a real store; the CLI as a real process where the
behaviour is the CLI's. Anything that could block forever on a regression runs in a subprocess
with a timeout.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, TELEGRAPH, UPI, make_pipeline

from rag.ingest.articles import ingest
from rag.ingest.parsing import record_id

NEWSDESK = [sys.executable, "-m", "rag.cli"]
ARTICLE = ("Oslo, 3 May 2022. The new harbour bridge opened to traffic on Tuesday after four years of work, "
           "the city council said. About 12,000 cars are expected to cross it every day.\n")


@pytest.fixture(scope="module")
def pipe(tmp_path_factory):
    """One embedded store for the in-process tests of this module (each writes files of its own)."""
    return make_pipeline(tmp_path_factory.mktemp("bad-input-store"))


def run(pipe, *paths):
    return ingest([Path(p) for p in paths], pipe.settings, pipe.store, pipe.embedder)


def nd(tmp_path, *args, prefix=(), timeout=120):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    environ["NEWSDESK_DATA_DIR"] = str(tmp_path / "cli-store")
    return subprocess.run([*prefix, *NEWSDESK, *args], env=environ, capture_output=True, text=True, errors="replace",
                          timeout=timeout, cwd=Path(__file__).resolve().parents[1])


def test_named_pipes_and_devices_are_rejected_and_the_rest_ingested(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SEEDS / TELEGRAPH, folder / "good.txt")
    os.mkfifo(folder / "feed.txt")  # found in a folder
    os.symlink("/dev/zero", folder / "zero.txt")  # a device behind a symlink
    os.symlink(SEEDS / UPI, folder / "link.txt")  # a symlink to a regular file is fine
    os.mkfifo(tmp_path / "direct.jsonl")  # given directly, before the folder
    # Reading a pipe nobody writes to blocks forever: a regression must fail here, not hang the suite.
    out = nd(tmp_path, "ingest", "--json", str(tmp_path / "direct.jsonl"), str(folder))
    assert out.returncode == 0, out.stderr
    report = {Path(o["source"]).name: o for o in json.loads(out.stdout)}
    assert {name: o["status"] for name, o in report.items()} == {
        "direct.jsonl": "rejected", "feed.txt": "rejected", "zero.txt": "rejected",
        "good.txt": "added", "link.txt": "added"}
    assert report["direct.jsonl"]["reason"] == "not a regular file (named pipe); only regular files are read"
    assert report["feed.txt"]["reason"] == report["direct.jsonl"]["reason"]
    assert report["zero.txt"]["reason"] == "not a regular file (character device); only regular files are read"


def test_one_bad_jsonl_line_rejects_only_that_line(pipe, tmp_path):
    records = [json.dumps({"title": f"Story {i}", "url": f"https://example.org/jsonl/{i}",
                           "body": f"Story number {i} reports that the council approved budget line {i * 7}."})
               for i in range(20)]
    lines = records[:3] + [""] + records[3:6] + ['{"title": "cut off", "body": "The council'] + records[6:]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    outcomes = run(pipe, path)
    assert [o.status for o in outcomes].count("added") == 20
    [bad] = [o for o in outcomes if o.status == "rejected"]
    assert bad.source == f"{path}:8"  # line 8 of the file (1-based, the blank line 4 counted)
    assert bad.reason.startswith("invalid JSON (Unterminated string")
    assert pipe.store.get_article(record_id("https://example.org/jsonl/19", "")) is not None
    # records keep their index among the entries, the bad line counted, so later ones do not shift
    assert outcomes[-1].source == f"{path}#20"


def test_encodings_are_read_by_bom_utf8_cp1252_or_detection_and_guesses_are_reported(pipe, tmp_path):
    def story(town: str) -> str:  # the town in the body too, so that no two files are duplicates
        return (f"Café owners in {town} – the “old town” – said prices rose 5€ a week, Ms Ødegård said.\n"
                + ARTICLE.replace("Oslo", town))

    japanese = ("東京（共同）政府は二日、新たな経済対策を発表した。首相は記者会見で「景気の回復を確かなものに"
                "する」と述べた。対策の規模は約十兆円で、来年度の予算に盛り込まれる。\n")
    latin1 = "Le café de la Gare, très apprécié des habitants, a fermé ses portes à Genève.\n"
    files = {
        "utf16le.txt": codecs.BOM_UTF16_LE + story("Zürich").encode("utf-16-le"),
        "utf16be.md": codecs.BOM_UTF16_BE + story("Basel").encode("utf-16-be"),
        "utf32.txt": story("Bern").encode("utf-32"),  # with its BOM
        "shift_jis.txt": japanese.encode("shift_jis"),
        "mixed.txt": ARTICLE.encode() + latin1.encode("latin-1") + "Prices rose 5€ in Zürich.\n".encode(),
        "legacy.txt": story("Lyon").encode("cp1252"),
        "noise.txt": bytes(range(0x80, 0x100)) * 20,  # no NUL, not text in any encoding
        "broken16.txt": codecs.BOM_UTF16_LE + b"a\x00\x00\xd8",  # a lone surrogate after the BOM
        "nobom16.txt": story("Chur").encode("utf-16-le"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    outcomes = {Path(o.source).name: o for o in run(pipe, tmp_path)}
    stored = {name: pipe.store.get_article(o.article_id) for name, o in outcomes.items() if o.status == "added"}
    assert sorted(stored) == ["legacy.txt", "mixed.txt", "shift_jis.txt", "utf16be.md", "utf16le.txt", "utf32.txt"], \
        {name: (o.status, o.reason) for name, o in outcomes.items()}
    for name, town in (("utf16le.txt", "Zürich"), ("utf16be.md", "Basel"), ("utf32.txt", "Bern")):
        assert f"Café owners in {town} – the “old town”" in stored[name].title + stored[name].text
        assert outcomes[name].warnings == []  # a BOM is not a guess
    assert "政府は二日、新たな経済対策を発表した" in stored["shift_jis.txt"].title + stored["shift_jis.txt"].text
    assert "read as" in outcomes["shift_jis.txt"].warnings[0] and "detected" in outcomes["shift_jis.txt"].warnings[0]
    mixed = stored["mixed.txt"].text
    assert "très apprécié des habitants, a fermé ses portes à Genève" in mixed and "5€ in Zürich" in mixed
    assert outcomes["mixed.txt"].warnings[0].startswith("mixed encodings: 1 of 3 lines are not UTF-8 (line 2)")
    assert outcomes["legacy.txt"].warnings == ["not UTF-8: read as cp1252"]
    assert "Ms Ødegård" in stored["legacy.txt"].text + stored["legacy.txt"].title
    assert outcomes["noise.txt"].status == "rejected" and outcomes["noise.txt"].reason.startswith("not text")
    assert outcomes["broken16.txt"].reason == "invalid UTF-16 after its byte-order mark (at byte 4)"
    assert outcomes["nobom16.txt"].reason.endswith("; UTF-16 is read only with a byte-order mark")
    for article in stored.values():  # no mojibake of UTF-8 read as a single-byte code page
        assert not any(mark in article.text for mark in ("Ã", "â€", "\ufffd"))


def test_a_rejected_name_with_colons_keeps_its_source_and_reason(pipe, tmp_path):
    path = tmp_path / "Update: vote: final.txt"
    path.write_text("  \n")
    [o] = run(pipe, path)
    assert (o.source, o.status, o.reason) == (str(path), "rejected", "empty file")


def test_report_escapes_names_and_reports_unreadable_folders(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    shutil.copy(SEEDS / TELEGRAPH, folder / "good.txt")
    (folder / "x.txt\nadded     forged.txt  (9 chunks, Forged).txt").write_text("")
    (folder / "Update: vote.txt").write_text("")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text("")  # a name that is not UTF-8
    locked = folder / "locked"
    locked.mkdir()
    (locked / "inside.txt").write_text(ARTICLE)
    locked.chmod(0)
    # root lists any folder; without the DAC capabilities it really cannot
    prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
    if prefix and not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: cannot make a folder unreadable")
    try:
        out = nd(tmp_path, "ingest", str(folder), str(locked / "inside.txt"), prefix=prefix)
    finally:
        locked.chmod(0o755)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 6, out.stdout
    assert sum(line.startswith("added") for line in lines) == 1  # the forged line stays inside its name
    assert f"rejected  {folder}/x.txt\\nadded     forged.txt  (9 chunks, Forged).txt  (empty file)" in lines
    assert f"rejected  {folder}/Update: vote.txt  (empty file)" in lines
    assert f"rejected  {folder}/caf\\xe9.txt  (empty file)" in lines
    assert f"rejected  {locked}  (cannot read folder: Permission denied)" in lines
    assert f"rejected  {locked}/inside.txt  (cannot read: Permission denied)" in lines


def test_piped_ingest_prints_progress_lines(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(120):
        (folder / f"{i:03}.txt").write_text("")  # rejected at once: the count, not the work, matters here
    out = nd(tmp_path, "ingest", str(folder))  # stderr is a pipe here
    progress = [line for line in out.stderr.splitlines() if line.startswith("ingest: ")]
    assert progress == ["ingest: 50/120 files", "ingest: 100/120 files", "ingest: 120/120 files"]
