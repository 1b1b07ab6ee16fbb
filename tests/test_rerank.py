"""The second-stage reranker: term coverage, and its effect on a real store of the seed articles."""

from __future__ import annotations

from rag.retrieval.rerank import coverage, rerank
from rag.types import Passage


def passage(cid: str, text: str, title: str = "") -> Passage:
    return Passage(chunk_id=cid, article_id=cid, text=text, start=0, end=len(text), title=title)


def test_coverage_weights_rare_words_and_closeness():
    idf = {"ambassador": 3.0, "nation": 1.0, "united": 1.0}  # terms() stems plurals
    q = set(idf)
    close = "The ambassador to the United Nations spoke. Nothing else."
    scattered = "The ambassador left. Weather was fine. Talks went on. The United Nations met."
    common = "The United Nations met. The United Nations spoke again."
    assert coverage(q, idf, "", close) > coverage(q, idf, "", scattered) > coverage(q, idf, "", common)
    assert coverage(q, idf, "", close) == 1.0
    assert coverage(set(), idf, "", close) == 0.0


def test_rerank_combines_scores_and_keeps_every_passage():
    a, b, c = passage("a", "Ja Song Nam is the ambassador."), passage("b", "Unrelated text."), passage("c", "Talks.")
    idf = {"ambassador": 2.0, "ja": 4.0, "song": 4.0, "nam": 4.0}
    out = rerank("Who is Ja Song Nam, the ambassador?", [b, c, a], [0.2, 0.1, 0.5], [0.0, 1.0, 9.0], idf)
    assert out[0] is a and {p.chunk_id for p in out} == {"a", "b", "c"}
    assert rerank("x", [a], [0.1], [0.0], {}) == [a]


def test_reranked_retrieval_puts_the_answering_passage_first(seeded):
    assert seeded.settings.rerank
    top = seeded.retriever().search("Who is North Korea's ambassador to the United Nations?", k=3)
    assert "Ja Song Nam" in top[0].text
    assert [p.rank for p in top] == [1, 2, 3]
