"""Ingest gives way while a question is answered (rag.ingest.yielding): across processes (`serve` or `ask`
and a CLI ingest on one data dir) through marker files, and in-process (the UI's uploads)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest
from conftest import SEEDS

from rag.ingest.yielding import answering, answers_in_progress, marker_dir

NEWSDESK = [sys.executable, "-m", "rag.cli"]


def test_a_cli_ingest_pauses_while_an_answer_is_in_progress(tmp_path):
    data = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env |= {"NEWSDESK_DATA_DIR": str(data), "NEWSDESK_INGEST_YIELD_MAX_S": "300"}
    with answering(data):  # as `serve` or `ask` in another process holds it
        ingest = subprocess.Popen([*NEWSDESK, "ingest", str(SEEDS)], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            ready, _, _ = select.select([ingest.stderr], [], [], 120)
            assert ready, "the ingest neither paused nor ended"
            assert "pausing while a question is answered" in ingest.stderr.readline()
            time.sleep(1.0)
            assert ingest.poll() is None  # still waiting: nothing was embedded
        except BaseException:
            ingest.kill()
            raise
    out, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 0, err
    assert sum(line.startswith("added") for line in out.splitlines()) == 2


@pytest.mark.llm
def test_an_answer_holds_the_marker_while_it_runs(seeded):
    from rag.answering.answer import answer_stream

    seen: list[int] = []
    for part in answer_stream("Who told Rex Tillerson that North Korea is open to direct talks?", seeded):
        seen.append(answers_in_progress(seeded.settings.data_dir))
        result = part
    assert "Lavrov" in result.answer
    assert seen and set(seen) == {1}  # held while the LLM wrote
    assert answers_in_progress(seeded.settings.data_dir) == 0  # released after


def test_a_marker_left_by_a_dead_process_is_ignored(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    folder = marker_dir(tmp_path)
    folder.mkdir()
    (folder / f"{gone.stdout.strip()}-1-0").touch()
    assert answers_in_progress(tmp_path) == 0
    assert list(folder.iterdir()) == []
    with answering(tmp_path):
        assert answers_in_progress(tmp_path) == 1
    assert answers_in_progress(tmp_path) == 0
