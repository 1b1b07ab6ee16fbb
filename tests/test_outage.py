"""A Chroma server that goes away in the middle of an `ask --json` batch: every question still gets its
own JSON line, the batch goes on, and a server back within NEWSDESK_STORE_RETRY_S answers the question
that was waiting for it. Real `chroma run`, real `newsdesk ask` process, questions fed one at a time."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import SEEDS, free_port, make_pipeline

pytestmark = [pytest.mark.llm, pytest.mark.server]
NEWSDESK = [sys.executable, "-m", "rag.cli"]
RETRY_S = 8  # longer than a `chroma run` restart takes here (about 3 s)


def start_chroma(folder: Path, port: int) -> subprocess.Popen:
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    log = open(folder / f"server-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([chroma, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"chroma server did not start; see {log.name}")
            time.sleep(0.2)


def read_line(proc: subprocess.Popen, timeout: float) -> dict:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, f"no answer line within {timeout} s"
    line = proc.stdout.readline()
    assert line, f"newsdesk ask ended early: {proc.stderr.read()}"
    return json.loads(line)


def test_ask_batch_rides_out_a_chroma_outage(tmp_path):
    port = free_port()
    server = start_chroma(tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    pipe = make_pipeline(tmp_path / "dd", chroma_url=url)
    from rag.ingest.articles import ingest

    assert [o.status for o in ingest([SEEDS], pipe.settings, pipe.store, pipe.embedder)] == ["added", "added"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {"NEWSDESK_DATA_DIR": str(tmp_path / "dd"), "NEWSDESK_CHROMA_URL": url,
            "NEWSDESK_STORE_RETRY_S": str(RETRY_S)}
    ask = subprocess.Popen([*NEWSDESK, "ask", "--json"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, bufsize=1)
    try:
        def question(text: str, timeout: float = 120) -> dict:
            ask.stdin.write(text + "\n")
            ask.stdin.flush()
            return read_line(ask, timeout)

        first = question("Who is North Korea's ambassador to the United Nations?")
        assert "Ja Song Nam" in first["answer"]
        server.kill()
        server.wait(timeout=10)
        down = question("Who told Rex Tillerson that North Korea is open to direct talks?")
        assert set(down) == {"question", "error"} and "Tillerson" in down["question"]
        assert "Connect" in down["error"]
        # Back within the retry window: the waiting question is answered.
        ask.stdin.write("Who is the US special representative for North Korea policy?\n")
        ask.stdin.flush()
        server = start_chroma(tmp_path, port)
        back = read_line(ask, 120)
        assert "Joseph Yun" in back["answer"]
        last = question("How many US service members took part in the joint air force drill?")
        assert "error" not in last and last["citations"]
        ask.stdin.close()
        assert ask.wait(timeout=60) == 1  # one question could not be answered
        stderr = ask.stderr.read()
        assert "Traceback" not in stderr and "retrying" in stderr and "could not answer" in stderr
        assert ask.stdout.read() == ""
    finally:
        ask.kill()
        server.kill()
        server.wait(timeout=10)
