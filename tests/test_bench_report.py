"""The README's speed section is made from benchmarks/results/*.json by benchmarks/report.py: a figure
typed by hand, or a result file changed without regenerating, fails here."""

from __future__ import annotations

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT))

from benchmarks.report import END, START, tables  # noqa: E402


def test_readme_speed_section_is_generated_from_the_committed_results():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(START, 1)[1].split(END, 1)[0]
    assert block.strip() == tables().strip(), "run: .venv/bin/python benchmarks/report.py --readme README.md"


def test_a_benchmark_not_run_yet_is_named_not_invented(tmp_path):
    text = tables(tmp_path)  # a folder with no results: every table says so, none has a number
    assert text.count("has not been run yet") == text.count("\n\n") + 1
    assert "`benchmarks/bench_query.py` has not been run yet" in text
    assert not any(ch.isdigit() for ch in text.replace("benchmarks/", "").replace("_", ""))
