"""Cleaning, metadata and decoding: pure functions, checked on the seeds and on small made-up texts."""

from __future__ import annotations

import pytest
from conftest import SEEDS, TELEGRAPH, UPI

from rag.ingest.cleaning import clean_lines, markdown_to_text, normalize, to_paragraphs
from rag.ingest.decoding import decode
from rag.ingest.loaders import load
from rag.ingest.metadata import find_date, parse_date, read_dateline
from rag.ingest.parsing import parse
from rag.types import Rejected


def seed_article(name: str):
    [raw] = load(SEEDS / name, 10**8)
    return parse(raw)


def test_telegraph_metadata_and_cleaning():
    a = seed_article(TELEGRAPH)
    assert a.title == "RUSSIA SAYS NORTH KOREA IS READY FOR DIRECT NUCLEAR TALKS WITH THE US"
    assert a.publisher == "The Telegraph"
    assert a.published == "2017-12-08"
    assert a.author == ""
    assert "Kaynak/Source" not in a.text and "Advertisement" not in a.text
    assert "- 08.12.2017" not in a.text  # a bare date line is metadata, not text
    assert a.text.startswith("The Telegraph, 08 December 2017\n\nNorth Korea is open")
    assert a.text.endswith("may be open to military to military communication.")


def test_upi_metadata_and_cleaning():
    a = seed_article(UPI)
    assert a.title == "North Korean diplomat: Talks with U.S. are 'possible'"
    assert a.publisher == "UPI"
    assert a.author == "Jennie Oh"
    assert a.published == "--12-12"  # "Dec. 12 (UPI)": no year stated, none invented
    for junk in ("Advertisement", "License Photo", "Latest Headlines"):
        assert junk not in a.text
    assert a.text.count("This image released on November 29") == 1  # the caption printed twice, kept once
    assert "Ja Song Nam" in a.text


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("- 08.12.2017", "2017-12-08"),
        ("The Telegraph, 08 December 2017", "2017-12-08"),
        ("December 8, 2017", "2017-12-08"),
        ("Dec. 8 2017", "2017-12-08"),
        ("8th Dec 2017", "2017-12-08"),
        ("2023-10-01T14:03:00+00:00", "2023-10-01"),
        ("12/25/2023", "2023-12-25"),
        ("25/12/2023", "2023-12-25"),
        ("no date here", ""),
        ("31.02.2017", ""),  # not a real day
    ],
)
def test_dates(text, iso):
    assert parse_date(text) == iso


def test_dateline_without_year_stays_partial():
    assert read_dateline("SEOUL, South Korea, Dec. 12 (UPI) -- A top diplomat said.") == {
        "publisher": "UPI", "published": "--12-12"}
    assert read_dateline("WASHINGTON, Jan. 3, 2018 (Reuters) - Officials said.") == {
        "publisher": "Reuters", "published": "2018-01-03"}
    assert find_date("He visited from November 27 to December 1.") is None


def test_boilerplate_lines_and_repeated_caption():
    lines = ["Advertisement", "Caption here. Photo by X/UPI", "Caption here. Photo by X/UPI | License Photo",
             "Real sentence one.", "", "Kaynak/Source:", "Latest Headlines", "Other story"]
    assert clean_lines(lines) == ["Caption here. Photo by X/UPI", "Real sentence one.", ""]


def test_trailer_words_opening_a_story_are_not_a_trailer():
    # From the MultiHop-RAG corpus (TechCrunch, 2023-11-13): once rejected as "no article text".
    lines = ["More from the US v Google trial: Vertical search, pre-installs and the case of Firefox/Yahoo", "",
             "We're nearly two months into the Justice Department's landmark antitrust case.", "",
             "More from TechCrunch", "Other story"]
    assert clean_lines(lines) == lines[:4]


def test_hard_wrapped_lines_are_joined():
    text = to_paragraphs(["The minister said the talks", "would resume next week.", "", "Second paragraph."])
    assert text == "The minister said the talks would resume next week.\n\nSecond paragraph."


def test_markdown_syntax_removed():
    md = "# Title\n\nSome **bold** and [a link](http://x.y) and ![img](a.png).\n\n> quoted"
    assert markdown_to_text(md) == "Title\n\nSome bold and a link and .\n\nquoted"


def test_normalize_strips_controls_and_nbsp():
    assert normalize("a\u00a0b\r\nc\x07d\u200b") == "a b\ncd"


def test_decode_cp1252_and_latin1():
    assert decode("Café “quoted” – 5€".encode("cp1252"), "x") == ("Café “quoted” – 5€", "not UTF-8: read as cp1252")
    assert decode("naïve".encode("latin-1"), "x") == ("naïve", "not UTF-8: read as cp1252")
    assert decode("naïve".encode(), "x") == ("naïve", "")


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty file"), (b"  \n\t ", "empty file"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file")],
)
def test_decode_rejects(data, message):
    with pytest.raises(Rejected, match=message):
        decode(data, "f")
