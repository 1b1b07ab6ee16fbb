"""The Python API (rag.api.Newsdesk) end to end: real store in a temp dir, real models."""

from __future__ import annotations

import pytest
from conftest import SEEDS, TELEGRAPH, UPI
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

QUESTION = "Who is North Korea's ambassador to the United Nations?"


@pytest.fixture(scope="module")
def nd(tmp_path_factory):
    from rag import Newsdesk

    desk = Newsdesk(data_dir=tmp_path_factory.mktemp("api"), _env_file=None)
    outcomes = desk.ingest(SEEDS)
    assert sorted(o.status for o in outcomes) == ["added", "added"]
    return desk


def test_ingest_is_idempotent_and_lists_articles(nd):
    assert [o.status for o in nd.ingest([SEEDS / UPI])] == ["unchanged"]
    rows = nd.articles()
    assert {r["file"] for r in rows} == {TELEGRAPH, UPI}
    assert all("text" not in r for r in rows)  # metadata only


def test_bad_file_is_an_outcome_not_an_exception(nd, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    [outcome] = nd.ingest(empty)
    assert outcome.status == "rejected" and outcome.reason
    assert len(nd.articles()) == 2  # nothing stored was lost


def test_search_returns_documents_with_offsets_into_the_article(nd):
    docs = nd.search(QUESTION, k=3)
    assert docs and len(docs) <= 3 and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert top.metadata["file"] == UPI and top.metadata["rank"] == 1
    article = nd.pipeline.store.get_article(top.metadata["article_id"])
    assert article.text[top.metadata["start"]:top.metadata["end"]] == top.page_content


def test_search_filters_by_publisher(nd):
    docs = nd.search("North Korea talks", publishers=["The Telegraph"])
    assert docs and {d.metadata["file"] for d in docs} == {TELEGRAPH}


def test_unreadable_date_is_a_clear_error(nd):
    with pytest.raises(ValueError, match="cannot read 'the day after'"):
        nd.search("North Korea", before="the day after")


def test_as_retriever_is_a_langchain_retriever(nd):
    retriever = nd.as_retriever(k=2)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(QUESTION)
    assert 1 <= len(docs) <= 2 and docs[0].metadata["publisher"] == "UPI"


@pytest.mark.llm
def test_ask_answers_with_a_checked_citation(nd):
    result = nd.ask(QUESTION)
    assert not result.abstained and "Ja Song Nam" in result.answer and "[1]" in result.answer
    cited = result.citations[0]
    article = nd.pipeline.store.get_article(cited.article_id)
    assert article.text[cited.start:cited.end] == cited.quote
    assert result.to_dict()["answer"] == result.answer


@pytest.mark.llm
def test_ask_stream_ends_with_the_answer(nd):
    parts = list(nd.ask_stream("Who told Rex Tillerson that North Korea is open to direct talks?"))
    from rag.answering.result import Answer

    assert isinstance(parts[-1], Answer) and all(isinstance(p, str) for p in parts[:-1])
    assert sum(isinstance(p, Answer) for p in parts) == 1


def test_unknown_setting_and_empty_question_are_refused(nd):
    from rag import Newsdesk

    with pytest.raises(TypeError, match="unknown newsdesk setting"):
        Newsdesk(data_dir="x", top_k=3)
    with pytest.raises(ValueError, match="empty question"):
        nd.ask("   ")


def test_remove_takes_an_article_out_of_the_store_and_the_search(nd):
    [outcome] = nd.remove(UPI)
    assert outcome.status == "removed"
    assert [r["file"] for r in nd.articles()] == [TELEGRAPH]
    assert all(d.metadata["file"] != UPI for d in nd.search(QUESTION, k=5))
    assert [o.status for o in nd.remove([UPI])] == ["rejected"]  # nothing left to remove, said so
    assert [o.status for o in nd.ingest(SEEDS / UPI)] == ["added"]  # put back for the other tests
