"""rag.language: the month, weekday and number tables and the name tests, and each caller's own subset."""

from __future__ import annotations

import re

import pytest

from rag.answering.evidence import name_words
from rag.answering.qtypes import QUANTITY_SPAN, TIME_SPAN
from rag.answering.support import names_and_numbers
from rag.ingest.chunking import ABBREVIATIONS
from rag.ingest.metadata import find_date
from rag.language import (
    MONTHS,
    NUMBER_WORDS,
    TEXT_MONTH_PATTERN,
    display_date,
    is_acronym,
    is_capitalised,
    longest_first,
    looks_like_name,
    month_name,
    month_number,
    number_pattern,
    number_value,
)
from rag.names import person_like
from rag.retrieval.constraints import MONTH_WORD, find_dates, find_relative
from rag.text import terms


@pytest.mark.parametrize("word, number", [("Sept.", 9), ("sept", 9), ("Sep", 9), ("DECEMBER", 12), ("may", 5),
                                          ("June", 6), ("jun.", 6), ("Jan.", 1)])
def test_month_number(word: str, number: int) -> None:
    assert month_number(word) == number


@pytest.mark.parametrize("word", ["Ma", "Septem", "Mai", "12", "", "Monday"])
def test_month_number_rejects(word: str) -> None:
    assert month_number(word) is None


def test_months_table() -> None:
    assert len(set(MONTHS.values())) == 12 and "may" in MONTHS and len(MONTHS) == 24
    assert month_name(12) == "December" and month_name(9, short=True) == "Sep" and month_name(5, short=True) == "May"
    assert display_date("--09-03") == "3 Sep (year not stated)"


def test_longest_first_reads_june_not_jun() -> None:
    assert re.match(longest_first(["jun", "june"]), "june").group() == "june"


def test_text_months_are_case_sensitive_and_dotted_in_news_style() -> None:
    month = re.compile(rf"(?:{TEXT_MONTH_PATTERN})")
    for text in ["May", "September", "Sept.", "Sep.", "Dec.", "Jan."]:
        assert month.fullmatch(text), text
    for text in ["may", "Dec", "Mar.", "Apr.", "Jun.", "Jul.", "march"]:
        assert not month.fullmatch(text), text  # "may" is a verb; March to July are never abbreviated
    assert TIME_SPAN.findall("It may rain on Dec. 12, 2017 and in May.") == ["Dec. 12, 2017", "May"]


def test_may_as_a_month_where_each_caller_accepted_it() -> None:
    assert find_date("It may be 8 may 2017.") == ("2017-05-08", (10, 20))  # dates: any case
    assert find_dates("What happened in May 2020?") == ("2020-05-01", "2020-05-31")
    assert MONTH_WORD.findall("Who may say so in Sept or in December?") == ["may", "Sept", "December"]


@pytest.mark.parametrize("word, value", [("twenty-one", 21), ("Ninety-Nine", 99), ("three", 3), ("zero", 0),
                                         ("fifteen", 15), ("dozen", 12), ("million", 1_000_000), ("SIXTY", 60)])
def test_number_value(word: str, value: int) -> None:
    assert number_value(word) == value


@pytest.mark.parametrize("word", ["twenty-ten", "ten-one", "21", "one-twenty", "twentyone", "", "-one", "twenty-"])
def test_number_value_rejects(word: str) -> None:
    assert number_value(word) is None


def test_number_pattern() -> None:
    pattern = re.compile(rf"\b(?:{number_pattern(['one', 'two'], compounds=True)})\b")
    assert pattern.findall("twenty-two, one and forty but not three") == ["twenty-two", "one", "forty"]
    assert NUMBER_WORDS["ninety"] == 90 and NUMBER_WORDS["nineteen"] == 19


def test_each_caller_keeps_its_own_number_words() -> None:
    # BM25: one to twelve, twenty to sixty and hundred become digits; a saved index holds these terms.
    assert terms("three twelve sixty hundred") == ["3", "12", "60", "100"]
    assert terms("fifteen seventy") == ["fifteen", "seventy"]
    # Quantity spans: tens compounds and scales, not the teens.
    assert QUANTITY_SPAN.findall("twenty-one ships, a dozen planes, fifteen cars") == ["twenty-one", "dozen"]
    # Relative dates count two to six in words.
    assert find_relative("in the last three weeks", "2023-11-22") == ("2023-11-01", "2023-11-22")
    assert find_relative("in the last seven weeks", "2023-11-22") == ("", "")


def test_chunking_keeps_month_and_weekday_abbreviations() -> None:
    assert {"jan", "sept", "dec", "mon", "sun"} <= ABBREVIATIONS and "may" not in ABBREVIATIONS


@pytest.mark.parametrize("word", ["UPI", "FTX", "U.N.", "AP"])
def test_is_acronym(word: str) -> None:
    assert is_acronym(word)


@pytest.mark.parametrize("word", ["A", "I", "Upi", "ftx", "", "42"])
def test_is_not_acronym(word: str) -> None:
    assert not is_acronym(word)


def test_capitalised_and_name_tests() -> None:
    words = "Antonio Guterres said".split()
    assert not looks_like_name(words[0], 0)  # a sentence's first word is capitalised whatever it is
    assert looks_like_name(words[1], 1) and not looks_like_name(words[2], 2)
    assert is_capitalised("Éric") and not is_capitalised("") and not is_capitalised("said")


def test_name_callers() -> None:
    assert name_words("Did Antonio Guterres meet UPI reporters?") == ["Antonio", "Guterres", "UPI"]
    assert name_words("A man met them in Vienna") == ["Vienna"]  # a first "A" is neither a name nor an acronym
    assert names_and_numbers("Guterres met Lavrov in 2017.") == {"lavrov", "2017"}
    assert person_like("Antonio Guterres") and not person_like("FTX Sam") and not person_like("J. Smith Jr")
