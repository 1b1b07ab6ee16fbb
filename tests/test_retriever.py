"""NewsRetriever as a LangChain user meets it: a plain LCEL chain over the seeded store with the real
bundled SmolLM2, Documents carrying newsdesk's metadata, and the one filter type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, TELEGRAPH, UPI
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from rag.retrieval.constraints import analyze
from rag.retrieval.documents import to_document, to_passage
from rag.retrieval.filters import Filters
from rag.retrieval.retriever import NewsRetriever
from rag.types import Passage

METADATA = {"chunk_id", "article_id", "title", "publisher", "author", "published", "url", "file", "start", "end",
            "score", "rank", "also_in"}
KNOWN = ["The Telegraph", "UPI"]


def test_a_plain_lcel_chain_answers_from_the_retriever(seeded):
    from rag.answering.llm import make_llm

    retriever = seeded.as_retriever(k=3)
    assert isinstance(retriever, NewsRetriever)
    seen: list[Document] = []

    def format_docs(docs: list[Document]) -> str:
        seen.extend(docs)
        return "\n\n".join(f"[{d.metadata['publisher']}] {d.page_content}" for d in docs)

    prompt = ChatPromptTemplate.from_messages([
        ("system", "Answer the question in one short sentence from the context only."),
        ("human", "Context:\n{context}\n\nQuestion: {question}"),
    ])
    llm = make_llm(seeded.settings.model_copy(update={"max_tokens": 24}))
    chain = {"context": retriever | format_docs, "question": RunnablePassthrough()} | prompt | llm | StrOutputParser()
    out = chain.invoke("Who is North Korea's ambassador to the United Nations?")
    assert isinstance(out, str) and out.strip()
    assert 0 < len(seen) <= 3 and all(isinstance(d, Document) for d in seen)
    for rank, doc in enumerate(seen, 1):
        assert METADATA <= set(doc.metadata)
        assert doc.metadata["rank"] == rank and isinstance(doc.metadata["also_in"], list)
        article = seeded.store.get_article(doc.metadata["article_id"])
        assert article.text[doc.metadata["start"]:doc.metadata["end"]] == doc.page_content
    assert any("Ja Song Nam" in d.page_content for d in seen)


def test_a_question_naming_an_outlet_gets_only_that_outlet(seeded):
    docs = seeded.as_retriever().invoke("According to UPI, what did North Korea say about talks?")
    assert docs and {d.metadata["publisher"] for d in docs} == {"UPI"}
    assert {d.metadata["file"] for d in docs} == {UPI}
    docs = seeded.as_retriever(filters=Filters(["The Telegraph"])).invoke("What about the talks?")
    assert docs and {d.metadata["file"] for d in docs} == {TELEGRAPH}


def test_retrieve_gives_the_documents_passages_and_constraints(seeded):
    question = "What did The Telegraph report about the drill?"
    found = seeded.retriever().retrieve(question, 5)
    constraints = found.constraints()
    assert found.passages and {p.publisher for p in found.passages} == {"The Telegraph"}
    assert set(constraints) == {"publishers", "after", "before", "from_question", "relaxed"}
    assert found.from_question == Filters(["The Telegraph"]) and not found.relaxed
    docs = seeded.as_retriever(k=5).invoke(question)
    assert [to_passage(d) for d in docs] == found.passages


def test_documents_round_trip_exactly():
    p = Passage("a-1:0-10", "a-1", "Some text.", 0, 10, title="T", publisher="UPI", author="A. B.",
                published="2017-12-08", file="f.txt", url="https://x", story_id="s", score=0.5, rank=2,
                also_in=[{"publisher": "Yonhap", "article_id": "b", "title": "T", "published": "",
                          "chunk_id": "b:0-9"}])
    doc = to_document(p)
    assert METADATA <= set(doc.metadata) and doc.page_content == p.text and doc.id == p.chunk_id
    back = to_passage(doc)
    assert back == p and back.also_in is not p.also_in
    assert to_passage(to_document(Passage("c:0-1", "c", "x", 0, 1))) == Passage("c:0-1", "c", "x", 0, 1)


@pytest.mark.parametrize(("question", "expected"), [
    ("What did The Telegraph report about the drill?", {"publishers": ["The Telegraph"], "after": None,
                                                         "before": None}),
    ("What did UPI and the Telegraph say in December 2017?", {"publishers": ["UPI", "The Telegraph"],
                                                             "after": "2017-12-01", "before": "2017-12-31"}),
    ("What was reported after 8 December 2017?", {"publishers": [], "after": "2017-12-08", "before": None}),
    ("What happened to North Korea talks?", {"publishers": [], "after": None, "before": None}),
])
def test_analyze_returns_filters_with_the_old_dict(question, expected):
    found = analyze(question, KNOWN)
    assert isinstance(found, Filters) and found.as_dict() == expected
    assert bool(found) == any(expected.values())


def test_filters_keys_and_truth():
    assert not Filters() and Filters(after="2017")
    assert Filters(["The Telegraph"], "December 2017", "2019").keys() == (["telegraph"], 20180101, 20181231)
    with pytest.raises(ValueError):
        Filters(before="tomorrow").keys()


def test_no_raw_collection_is_touched_outside_storage():
    """Only rag/storage knows the Store's Chroma collections; the rest calls Store methods."""
    raw = re.compile(r"\b\w*(?:store|src|target)\.(?:chunks|articles|vectors)\b")
    offenders = []
    for folder in ("rag", "ui", "evals", "benchmarks", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("rag/storage/") or rel in {"tests/test_store_safety.py", "tests/test_retriever.py"}:
                continue
            offenders += [f"{rel}: {m.group()}" for m in raw.finditer(Path(path).read_text())]
    assert offenders == []
