"""Question analysis: publishers and dates named in a question, and what retrieval does with them."""

from __future__ import annotations

import pytest
from conftest import TELEGRAPH, UPI

from rag.answering.answer import answer
from rag.retrieval.constraints import analyze, by_outlet, find_dates, find_publishers

KNOWN = ["The Telegraph", "UPI", "The Verge", "TechCrunch", "The Guardian", "Fortune", "The New York Times", "Time"]


@pytest.mark.parametrize(
    ("question", "publishers"),
    [
        ("What did The Telegraph report about the drill?", ["The Telegraph"]),
        ("According to UPI, who is the ambassador?", ["UPI"]),
        ("As reported by both The Verge and TechCrunch, which startup raised money?", ["The Verge", "TechCrunch"]),
        ("What did the guardian say about it?", ["The Guardian"]),  # case and article tolerant
        ("Did the Guardian's story name him?", ["The Guardian"]),
        ("What did The New York Times report?", ["The New York Times"]),  # not also "Time"
        ("Who made a fortune from the deal?", []),  # a common word is not the magazine
        ("What time did the drill start?", []),
    ],
)
def test_publishers_from_the_question(question, publishers):
    assert find_publishers(question, KNOWN) == publishers


@pytest.mark.parametrize(
    ("question", "after", "before"),
    [
        ("What did Fortune report in October 2023?", "2023-10-01", "2023-10-31"),
        ("Which startups raised money in 2023?", "2023-01-01", "2023-12-31"),
        ("What happened after October 2023?", "2023-11-01", ""),
        ("What was reported since October 2023?", "2023-10-01", ""),
        ("Which reports came before November 2023?", "", "2023-10-31"),
        ("What did the minister say after the summit on 8 December 2017?", "2017-12-08", ""),
        ("What did the minister say about the summit?", "", ""),
        # Parts dated differently: no single range fits both, so none is imposed.
        ("Who chaired the fund in December 2023, after the outlet reported in September that he left?", "", ""),
    ],
)
def test_dates_from_the_question(question, after, before):
    assert find_dates(question) == (after, before)


FEEDS = ["Cnbc | World Business News Leader", "The Independent - Sports", "The Independent - Travel",
         "BBC News - Technology", "CBSSports.com", "TalkSport", "Sporting News", "FOX News - Health"]


@pytest.mark.parametrize(
    ("question", "publishers"),
    [
        ("What did CNBC say about Binance?", ["Cnbc | World Business News Leader"]),
        ("As The Independent reported, who won?", ["The Independent - Sports", "The Independent - Travel"]),
        ("What did the BBC report?", ["BBC News - Technology"]),
        ("Do CBS Sports and talkSPORT agree?", ["CBSSports.com", "TalkSport"]),
        ("Which outlet wrote about a cbs sports deal in the news?", []),
    ],
)
def test_publishers_named_as_outlets_match_feed_names(question, publishers):
    assert find_publishers(question, FEEDS) == publishers


def test_sections_of_one_outlet_are_one_source():
    assert by_outlet(["The Independent - Sports", "Sporting News", "The Independent - Travel"]) == [
        ["The Independent - Sports", "The Independent - Travel"], ["Sporting News"]]


@pytest.mark.llm
def test_telegraph_question_retrieves_only_the_telegraph(seeded):
    found = seeded.retriever().retrieve("What did The Telegraph report about the drill?", 10)
    passages, constraints = found.passages, found.constraints()
    assert passages and {p.file for p in passages} == {TELEGRAPH}
    assert constraints["publishers"] == ["The Telegraph"] and not constraints["relaxed"]
    result = answer("What did The Telegraph report about the drill?", seeded)
    assert result.shape == "brief"  # an overview question: a few distinct facts, all from the outlet named
    assert result.citations and {c.file for c in result.citations} == {TELEGRAPH}
    assert any("drill" in c.quote for c in result.citations)
    assert result.constraints["publishers"] == ["The Telegraph"]


@pytest.mark.llm
def test_two_publishers_each_get_a_citation(seeded):
    result = answer("What did The Telegraph and UPI both report about Joseph Yun?", seeded)
    assert {c.file for c in result.citations} == {TELEGRAPH, UPI}
    assert all("Joseph Yun" in c.quote for c in result.citations)
    assert "[1]" in result.answer and "[2]" in result.answer


@pytest.mark.llm
def test_constraints_that_match_nothing_are_relaxed(seeded):
    found = seeded.retriever().retrieve("What happened to North Korea talks in 2019?", 5)
    passages, constraints = found.passages, found.constraints()
    assert constraints["from_question"]["after"] == "2019-01-01" and constraints["relaxed"]
    assert passages  # retrieval falls back to the whole store rather than answering from nothing


def test_analyze_combines_both():
    c = analyze("What did TechCrunch report in November 2023?", KNOWN)
    assert c.as_dict() == {"publishers": ["TechCrunch"], "after": "2023-11-01", "before": "2023-11-30"}


@pytest.mark.parametrize(
    ("question", "after", "before"),
    [
        ("What happened last week?", "2023-12-13", "2023-12-20"),
        ("What was reported in the past 3 months?", "2023-09-21", "2023-12-20"),
        ("Who won this year?", "2023-01-01", "2023-12-20"),
        ("What did they say yesterday?", "2023-12-19", "2023-12-19"),
        ("Who was the last person to speak?", "", ""),
    ],
)
def test_relative_dates_count_back_from_the_newest_article(question, after, before):
    assert analyze(question, [], now="2023-12-20").as_dict() == {
        "publishers": [], "after": after or None, "before": before or None}


def test_last_week_on_the_seeds_means_the_week_before_their_newest_date(seeded):
    assert seeded.newest() == "2017-12-08"  # the UPI article's date has no year, so only the Telegraph's counts
    constraints = seeded.retriever().retrieve("What did North Korea say about talks last week?").constraints()
    assert constraints["after"] == "2017-12-01" and constraints["before"] == "2017-12-08"


@pytest.mark.llm
def test_sources_that_disagree_on_a_figure_are_both_cited(tmp_path):
    import json

    from conftest import make_pipeline

    from rag.ingest.articles import ingest

    planet = ("Heavy rain pushed the Riverton river over its banks on Sunday night. Forty people were killed "
              "in the Riverton flood, the mayor said on Monday. Rescue teams were still searching the lower town.")
    star = ("Officials in the north are counting the cost of a weekend storm. Fifty-two people were killed in "
            "the Riverton flood, according to the regional governor. Schools across the valley stay closed.")
    rows = [
        {"title": "Riverton flood toll rises", "source": "The Daily Planet", "published_at": "2023-05-02",
         "url": "https://planet.example/riverton", "body": planet},
        {"title": "Deadly flood hits Riverton", "source": "The Morning Star", "published_at": "2023-05-02",
         "url": "https://star.example/riverton", "body": star},
    ]
    (tmp_path / "news.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    pipe = make_pipeline(tmp_path / "store")
    ingest([tmp_path / "news.jsonl"], pipe.settings, pipe.store, pipe.embedder)
    result = answer("How many people were killed in the Riverton flood?", pipe)
    assert result.answer.startswith("The sources disagree:"), result.answer
    assert {c.publisher for c in result.citations} == {"The Daily Planet", "The Morning Star"}
    assert "Forty" in result.answer and "Fifty-two" in result.answer
