"""Flags that used to be accepted silently: -k out of range, dates that cannot be read, months taken as
no date at all, unknown publishers. Each is a one-line argparse-style error (exit 2), never a traceback."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from conftest import SEEDS, make_pipeline

from rag.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from rag.ingest.articles import ingest

    data = tmp_path_factory.mktemp("flags-store")
    pipe = make_pipeline(data)
    ingest([SEEDS], pipe.settings, pipe.store, pipe.embedder)
    return data


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def env(store, monkeypatch, capsys):
    """`nd(env, *args)` runs the real `newsdesk` entry point (in-process: the models load once)."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(store))
    return capsys


def nd(capsys, *args: str) -> Run:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own exit
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return Run(code, out.out, out.err)


def refused(out: Run, *words: str) -> bool:
    return (out.returncode == 2 and "Traceback" not in out.stderr and not out.stdout
            and all(w in out.stderr for w in words))


@pytest.mark.parametrize("k", ["0", "-3", "100000", "five"])
def test_k_outside_1_to_50_is_refused(env, k):
    out = nd(env, "search", "--json", "-k", k, "drill")
    assert refused(out, "argument -k"), out


@pytest.mark.parametrize(("flag", "value", "says"), [
    ("--after", "tomorrow", "cannot read 'tomorrow' as a date"),
    ("--before", "2017-13-45", "'2017-13-45' is not a real day"),
    ("--before", "2017-02-30", "not a real day"),
    ("--after", "sometime in 2017", "cannot read"),
])
def test_unreadable_dates_are_refused(env, flag, value, says):
    out = nd(env, "search", "--json", flag, value, "drill")
    assert refused(out, f"argument {flag}", says), out


def test_after_later_than_before_is_refused(env):
    out = nd(env, "ask", "--json", "--after", "2018-01-01", "--before", "2017-12-31", "Who met Tillerson?")
    assert refused(out, "later than --before"), out


def explained(env, *args: str) -> tuple[dict, set[str]]:
    out = nd(env, "search", "--json", "--explain", "-k", "10", *args, "North Korea talks")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    return got["constraints"], {r["publisher"] for r in got["results"]}


def test_a_month_is_a_range_and_a_day_is_included(env):
    # The Telegraph seed is dated 2017-12-08 (the UPI seed has no year, so no date filter keeps it).
    constraints, publishers = explained(env, "--before", "December 2017")
    assert constraints["before"] == "2017-11-30" and publishers == set()
    constraints, publishers = explained(env, "--after", "November 2017")
    assert constraints["after"] == "2017-12-01" and publishers == {"The Telegraph"}
    constraints, publishers = explained(env, "--after", "December 2017")
    assert constraints["after"] == "2018-01-01" and publishers == set()
    for flag in ("--after", "--before"):
        constraints, publishers = explained(env, flag, "8 December 2017")
        assert constraints[flag[2:]] == "2017-12-08" and publishers == {"The Telegraph"}


def test_filters_read_the_same_rule_and_refuse_unreadable_dates():
    from rag.retrieval.filters import Filters

    assert Filters(after="December 2017", before="2018").keys() == ([], 20180101, 20171231)
    assert Filters(after="8 December 2017", before="2017-12-08").keys() == ([], 20171208, 20171208)
    with pytest.raises(ValueError, match="cannot read 'tomorrow'"):
        Filters(after="tomorrow").keys()


@pytest.mark.parametrize("command", ["search", "ask"])
def test_unknown_publisher_names_the_close_matches(env, command):
    out = nd(env, command, "--json", "--publisher", "Telegrap", "Who met Tillerson?")
    assert refused(out, "'Telegrap'", "did you mean 'The Telegraph'"), out
    known = nd(env, "search", "--json", "--publisher", "the telegraph", "drill")
    assert known.returncode == 0 and {r["publisher"] for r in json.loads(known.stdout)} == {"The Telegraph"}


@pytest.mark.parametrize("k", ["0", "51"])
def test_k_setting_outside_1_to_50_is_refused(env, monkeypatch, k):
    monkeypatch.setenv("NEWSDESK_K", k)
    out = nd(env, "search", "--json", "drill")
    assert refused(out, "bad setting NEWSDESK_K"), out


def test_every_setting_is_documented_in_the_readme():
    # The operator's reference is the README's Configuration table: a setting missing there is one
    # nobody can find.
    from conftest import ROOT

    from rag.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"NEWSDESK_{name.upper()}" for name in Settings.model_fields if f"NEWSDESK_{name.upper()}" not in readme]
    assert missing == []
