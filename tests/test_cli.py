"""The `newsdesk` command as a user runs it: real processes, real store in a temp dir."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, make_pipeline

pytestmark = pytest.mark.llm
NEWSDESK = [sys.executable, "-m", "rag.cli"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Environment for `newsdesk` runs against a store already holding the seeds."""
    from rag.ingest.articles import ingest

    data = tmp_path_factory.mktemp("cli-store")
    pipe = make_pipeline(data)
    ingest([SEEDS], pipe.settings, pipe.store, pipe.embedder)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    environ["NEWSDESK_DATA_DIR"] = str(data)
    return environ


def nd(env, *args, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*NEWSDESK, *args], env=env, input=stdin, capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_ingest_report_and_exit_codes(env, tmp_path):
    env = env | {"NEWSDESK_DATA_DIR": str(tmp_path / "own-store")}
    folder = tmp_path / "news"
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_text("")
    first = nd(env, "ingest", str(folder))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert sum(line.startswith("added") for line in lines) == 2
    assert any(line.startswith("rejected") and "empty file" in line for line in lines)
    assert "Traceback" not in first.stderr
    again = nd(env, "ingest", "--json", str(folder))
    assert [o["status"] for o in json.loads(again.stdout)] == ["unchanged", "unchanged", "rejected"]
    only_bad = nd(env, "ingest", str(tmp_path / "missing"), str(folder / "empty.txt"))
    assert only_bad.returncode == 1 and "no such file or folder" in only_bad.stdout


def test_ask_json_schema(env):
    out = nd(env, "ask", "--json", "Who told Rex Tillerson that North Korea is open to direct talks?")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) >= {"question", "answer", "abstained", "citations", "timings_ms"}
    assert "Lavrov" in result["answer"] and not result["abstained"]
    [c] = result["citations"]
    assert set(c) >= {"n", "article_id", "title", "publisher", "published", "file", "chunk_id", "quote", "start", "end"}
    assert c["publisher"] == "The Telegraph" and "Lavrov" in c["quote"]


def test_ask_reads_questions_from_stdin_as_json_lines(env):
    questions = "Who is North Korea's ambassador to the United Nations?\n\nWhat is the capital of Peru?\n"
    out = nd(env, "ask", "--json", stdin=questions)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["abstained"] for r in rows] == [False, True]
    assert "Ja Song Nam" in rows[0]["answer"]


def test_ask_text_output_and_bad_question(env):
    out = nd(env, "ask", "Who is the US special representative for North Korea policy?")
    assert "Joseph Yun" in out.stdout and "[1]" in out.stdout
    empty = nd(env, "ask", "   ")
    assert empty.returncode == 2 and "empty question" in empty.stderr and "Traceback" not in empty.stderr
    huge = nd(env, "ask", "why " * 1000)
    assert huge.returncode == 2 and "limit is 2000" in huge.stderr


def test_search_json_and_filters(env):
    out = nd(env, "search", "--json", "-k", "3", "joint air force drill")
    rows = json.loads(out.stdout)
    assert [r["rank"] for r in rows] == [1, 2, 3]
    keys = {"rank", "score", "article_id", "title", "publisher", "published", "file", "url", "chunk_id", "text",
            "start", "end", "also_in"}
    assert all(set(r) == keys for r in rows)
    assert "12,000 US service members" in rows[0]["text"]
    upi = nd(env, "search", "--json", "--publisher", "upi", "drill")
    assert {r["publisher"] for r in json.loads(upi.stdout)} == {"UPI"}
    batch = nd(env, "search", "--json", "-k", "1", stdin="drill\nambassador\n")
    assert len(batch.stdout.splitlines()) == 2
    query = "What did The Telegraph report about the drill?"
    explained = json.loads(nd(env, "search", "--json", "--explain", query).stdout)
    assert explained["constraints"]["publishers"] == ["The Telegraph"]
    assert {r["publisher"] for r in explained["results"]} == {"The Telegraph"}


def test_articles_and_remove(env, tmp_path):
    listed = json.loads(nd(env, "articles", "--json").stdout)
    assert {r["publisher"] for r in listed} == {"The Telegraph", "UPI"}
    missing = nd(env, "remove", "nothing-like-this")
    assert missing.returncode == 1 and "no stored article matches" in missing.stdout
