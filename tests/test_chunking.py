"""Sentence splitting and chunk offsets: the contract is text[start:end] == the chunk's text."""

from __future__ import annotations

from conftest import SEEDS

from rag.ingest.chunking import chunk_article, split_sentences
from rag.ingest.loaders import load
from rag.ingest.parsing import parse


def test_sentences_respect_abbreviations_and_quotes():
    text = 'Mr. Lavrov spoke. The U.S. agreed on Dec. 12 to talk. "Yes," he said. J. Smith left!\nNew line'
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got == ["Mr. Lavrov spoke.", "The U.S. agreed on Dec. 12 to talk.", '"Yes," he said.', "J. Smith left!",
                   "New line"]


def test_chunk_offsets_exact_on_seeds_and_overlap():
    for path in sorted(SEEDS.iterdir()):
        [raw] = load(path, 10**8)
        article = parse(raw)
        chunks = chunk_article(article.article_id, article.text, 400, 1)
        assert len(chunks) > 2
        for c in chunks:
            assert c.text == article.text[c.start:c.end]
            assert len(c.text) <= 400 or len(split_sentences(c.text)) == 1
        # consecutive chunks share a sentence unless that sentence and the next would not fit in one
        # chunk; no chunk is a copy of part of another; together they cover every sentence
        for a, b in zip(chunks, chunks[1:], strict=False):
            last = split_sentences(article.text, a.start, a.end)[-1]
            first_new = next(s for s in split_sentences(article.text, b.start, b.end) if s[0] >= a.end)
            assert b.start < a.end or first_new[1] - last[0] > 400
            assert b.end > a.end
        covered = {s for c in chunks for s in split_sentences(article.text, c.start, c.end)}
        assert covered == set(split_sentences(article.text))


def test_chunks_never_cut_a_sentence():
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    sentences = set(split_sentences(text))
    for c in chunk_article("a", text, 300, 1):
        starts = {a for a, _ in sentences}
        ends = {b for _, b in sentences}
        assert c.start in starts and c.end in ends


def test_very_long_sentence_is_cut_at_words():
    text = "word " * 1000
    chunks = chunk_article("a", text.strip(), 500, 1)
    assert all(len(c.text) <= 500 for c in chunks)
    assert all(c.text == text.strip()[c.start:c.end] for c in chunks)
    assert chunks[-1].end == len(text.strip())
