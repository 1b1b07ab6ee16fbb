"""Hybrid retrieval on a real store: fusion, filters, and the persisted BM25 index."""

from __future__ import annotations

from conftest import SEEDS, TELEGRAPH, UPI, make_pipeline

from rag.ingest.articles import ingest
from rag.retrieval import index_sync
from rag.retrieval.filters import Filters
from rag.retrieval.hybrid import rrf


def test_rrf_rewards_agreement():
    fused = rrf([["a", "b", "c"], ["b", "c", "a"]], 60)
    assert [d for d, _ in fused] == ["b", "a", "c"]
    assert abs(fused[0][1] - (1 / 62 + 1 / 61)) < 1e-12


def test_hybrid_finds_exact_names_and_paraphrases(seeded):
    top = seeded.retriever().search("Ja Song Nam", k=1)[0]
    assert top.file == UPI and "Ja Song Nam" in top.text
    top = seeded.retriever().search("military exercise with American and South Korean warplanes", k=2)
    assert any("joint air force drill" in p.text for p in top)
    assert [p.rank for p in seeded.retriever().search("talks", k=4)] == [1, 2, 3, 4]


def test_filters_by_publisher_and_date(seeded):
    tele = seeded.retriever().search("North Korea talks", k=10, filters=Filters(publishers=["The Telegraph"]))
    assert tele and {p.file for p in tele} == {TELEGRAPH}
    upi = seeded.retriever().search("North Korea talks", k=10, filters=Filters(publishers=["upi"]))
    assert upi and {p.file for p in upi} == {UPI}
    # The UPI article has no year, so a date range can only match the Telegraph's 2017-12-08.
    dated = seeded.retriever().search("talks", k=10, filters=Filters(after="2017-12-01", before="December 31, 2017"))
    assert dated and {p.file for p in dated} == {TELEGRAPH}
    assert seeded.retriever().search("talks", k=10, filters=Filters(after="2018-01-01")) == []


def test_bm25_index_persists_and_follows_the_store(tmp_path):
    pipe = make_pipeline(tmp_path / "store")
    ingest([SEEDS / TELEGRAPH], pipe.settings, pipe.store, pipe.embedder)
    index = pipe.local_index()
    assert index.revision == pipe.store.revision() and len(index.ids) == pipe.store.counts()["chunks"]
    assert index_sync.load(tmp_path / "store" / "bm25").revision == index.revision  # saved next to the store
    assert pipe.local_index() is index  # reused, not rebuilt per query
    ingest([SEEDS / UPI], pipe.settings, pipe.store, pipe.embedder)
    assert pipe.local_index() is not index and len(pipe.local_index().ids) == pipe.store.counts()["chunks"]
    assert pipe.retriever().search("Ja Song Nam", k=1)[0].file == UPI
    # A second process on the same store loads the saved index instead of rebuilding it.
    other = make_pipeline(tmp_path / "store")
    assert other.local_index().revision == pipe.store.revision()


def test_wire_copies_fold_into_one_result_and_are_cited(tmp_path):
    from rag.answering.answer import answer

    folder = tmp_path / "news"
    folder.mkdir()
    for name in (TELEGRAPH, UPI):
        (folder / name).write_bytes((SEEDS / name).read_bytes())
    upi = (SEEDS / UPI).read_text()
    # The same wire story as another outlet ran it: its own header and tail, the body word for word.
    body = upi.split("SEOUL, South Korea,", 1)[1].split("Latest Headlines")[0]
    (folder / "reprint.txt").write_text("N. Korea envoy says talks possible\n\nBy Staff\n\nSEOUL, Dec. 12 (Yonhap) -- "
                                        + body.split("--", 1)[1] + "\nSource: wire copy.\n")
    pipe = make_pipeline(tmp_path / "store")
    ingest([folder], pipe.settings, pipe.store, pipe.embedder)
    results = pipe.retriever().search("Who is North Korea's ambassador to the United Nations?", k=5)
    hits = [p for p in results if "Ja Song Nam arrived in Beijing" in p.text]
    assert len(hits) == 1, [p.file for p in results]  # one result, not two copies
    assert [a["publisher"] for a in hits[0].also_in] == ["Yonhap"] or hits[0].publisher == "Yonhap"
    result = answer("Who is North Korea's ambassador to the United Nations?", pipe)
    assert {c.publisher for c in result.citations} == {"UPI", "Yonhap"}
    assert "also ran in" in result.answer
    for c in result.citations:
        assert pipe.store.get_article(c.article_id).text[c.start:c.end] == c.quote


def test_bm25_updates_incrementally_and_matches_a_full_build(tmp_path):
    import numpy as np

    from rag.ingest.removal import remove

    news = tmp_path / "news"
    news.mkdir()
    for name in (TELEGRAPH, UPI):
        (news / name).write_bytes((SEEDS / name).read_bytes())
    pipe = make_pipeline(tmp_path / "store")
    ingest([news / TELEGRAPH], pipe.settings, pipe.store, pipe.embedder)
    telegraph_rows = list(pipe.local_index().ids)
    ingest([news / UPI], pipe.settings, pipe.store, pipe.embedder)
    grown = pipe.local_index()
    assert grown.ids[: len(telegraph_rows)] == telegraph_rows  # old rows kept as they were, new ones appended
    full = index_sync.build(pipe.store)
    for query in ("Ja Song Nam", "North Korea talks Lavrov", "air force drill"):
        by_id = dict(zip(full.ids, full.scores(query), strict=True))
        assert np.allclose(grown.scores(query), [by_id[i] for i in grown.ids], atol=1e-5)
    # A replaced article (its file changed) and a removed one: their rows go, the rest stay.
    (news / TELEGRAPH).write_text((SEEDS / TELEGRAPH).read_text() + "\nA new closing sentence about zebras.")
    assert [o.status for o in ingest([news / TELEGRAPH], pipe.settings, pipe.store, pipe.embedder)] == ["replaced"]
    assert "zebras" in pipe.retriever().search("zebras", k=1)[0].text
    remove([UPI], pipe.store)
    index = pipe.local_index()
    assert len(index.ids) == pipe.store.counts()["chunks"] == len(set(index.ids))
    assert index.search("Ja Song Nam", 5) == []


def test_top_n_is_a_stable_sort_cut_short_ties_included():
    import numpy as np

    from rag.retrieval.local_index import top_n

    rng = np.random.default_rng(7)
    # Copies of one story have the same vector: many exact ties, also at the cut.
    values = rng.integers(0, 20, size=5000).astype(np.float32)
    for n in (1, 7, 30, 4999, 5000, 6000):
        assert top_n(values, n).tolist() == np.argsort(-values, kind="stable")[:n].tolist()
    assert top_n(np.zeros(0, dtype=np.float32), 5).tolist() == []


def test_an_articles_whole_text_comes_from_its_chunks_in_order(seeded):
    index = seeded.local_index()
    article = index.article_ids[0]
    rows = sorted((i for i, a in enumerate(index.article_ids) if a == article), key=lambda i: index.spans[i][0])
    whole = index.article_text(article)
    # must pass: every chunk of the article, in the order of its offsets, and no other article's
    at = [whole.index(index.texts[i]) for i in rows]
    assert len(rows) >= 2 and at == sorted(at) and at[0] == 0
    other = next(i for i, a in enumerate(index.article_ids) if a != article)
    assert index.texts[other] not in whole
    # must fail: an article the index does not hold has no text, rather than an error
    assert index.article_text("no-such-article") == ""
