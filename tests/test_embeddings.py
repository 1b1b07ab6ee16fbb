"""The int8 ONNX embedder against the fp32 PyTorch one, on the seed articles' real sentences."""

from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.ingest.chunking import split_sentences
from rag.ingest.embeddings import OnnxEmbeddings, SentenceEmbeddings, load_embeddings

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    out = []
    for f in sorted(SEEDS.iterdir()):
        text = f.read_text(encoding="utf-8")
        out += [text[a:b] for a, b in split_sentences(text) if b - a > 20]
    return list(dict.fromkeys(out))  # captions repeat in the raw seeds


def test_auto_backend_is_int8_onnx_and_agrees_with_fp32(sentences, tmp_path):
    settings = Settings(data_dir=tmp_path)
    fast = load_embeddings(settings.embedding_model_path(), 4, "auto", settings.cache_dir)
    exact = load_embeddings(settings.embedding_model_path(), 4, "torch", settings.cache_dir)
    assert isinstance(fast, OnnxEmbeddings) and fast.backend == "onnx-int8"
    assert type(exact) is SentenceEmbeddings
    a, b = fast.encode(sentences), exact.encode(sentences)
    assert a.shape == b.shape == (len(sentences), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-3)  # normalised inside the graph
    cosine = (a * b).sum(axis=1)
    assert cosine.mean() > 0.99 and cosine.min() > 0.95, (cosine.mean(), cosine.min())
    # Same nearest sentence for each sentence's own query, whichever backend embeds the query.
    assert ((a @ b.T).argmax(axis=1) == np.arange(len(sentences))).all()


def test_batching_barely_moves_vectors(sentences, tmp_path):
    settings = Settings(data_dir=tmp_path)
    fast = load_embeddings(settings.embedding_model_path(), 4, "auto", settings.cache_dir)
    whole = fast.encode(sentences)
    one_by_one = np.stack([fast.encode([s])[0] for s in sentences[:6]])
    # Dynamic quantization scales activations per batch, so batch-mates shift a vector a little; a
    # query (batch of one) must still land where its text's vector in a bulk ingest does.
    assert ((whole[:6] * one_by_one).sum(axis=1) > 0.98).all()
    assert fast.encode([]).shape == (0, 384)


def test_forced_onnx_on_a_model_it_cannot_export_says_why(tmp_path):
    (tmp_path / "model").mkdir()
    with pytest.raises(RuntimeError, match="int8 ONNX embeddings unavailable"):
        load_embeddings(str(tmp_path / "model"), 4, "onnx-int8", tmp_path / "cache")
