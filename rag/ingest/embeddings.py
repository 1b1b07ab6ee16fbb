"""Sentence embeddings behind LangChain's Embeddings interface, loaded once per process.

Two backends, same vectors up to quantization noise (mean cosine 0.994 on MultiHop-RAG chunks):
- int8 ONNX (default when it can be built): exported locally from the bundled weights, run by
  onnxruntime; needs neither torch nor sentence-transformers at run time, so a cold start is quicker.
- fp32 PyTorch through sentence-transformers: the fallback, and any model the exporter cannot handle.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

BULK_BATCH = 1  # ingest's batch size with spinning threads (benchmarks/bench_embed_limit.py)


class SentenceEmbeddings(Embeddings):
    """Normalized vectors, so a dot product is the cosine similarity. Subclasses implement `_encode`."""

    backend = "torch"
    dimension = 384

    def __init__(self, model_path: str, batch_size: int = 4) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu", local_files_only=True)
        self.batch_size = batch_size
        self.dimension = int(self.model.get_embedding_dimension() or 384)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encode(texts).astype(np.float32)

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """`encode` for bulk work (ingest), where nothing else waits for the CPU between two batches."""
        return self.encode(texts)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode_many(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


class OnnxEmbeddings(SentenceEmbeddings):
    """The int8 export run by onnxruntime, with the model's own fast tokenizer and sequence limit."""

    backend = "onnx-int8"

    def __init__(self, onnx_path: Path, model_path: str, batch_size: int = 4, threads: int = 0) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        root = Path(model_path)
        self.tokenizer = Tokenizer.from_file(str(root / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_tokens(root))
        self.tokenizer.enable_padding()
        # The env var (rag/__init__.py) is read when onnxruntime loads; this covers an embedder built
        # by a program that imported onnxruntime before newsdesk.
        ort.disable_telemetry_events()
        self.onnx_path, self.threads = onnx_path, threads or os.cpu_count() or 1
        # After a run, onnxruntime's threads spin waiting for the next one. On 2 cores that starves
        # whatever runs next: at query time numpy's BLAS threads and llama.cpp's. Off, the question path at
        # 100k chunks took half the time (README, "Speed").
        self.session = self._session(spinning=False)
        self._bulk: Any = None  # the ingest session, made on first use
        self.batch_size = batch_size
        self.dimension = int(self.session.get_outputs()[0].shape[1] or _hidden_size(root))

    def _session(self, spinning: bool) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        options.log_severity_level = 3
        return ort.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])

    def encode_many(self, texts: list[str]) -> np.ndarray:
        """Ingest's path: its own session whose threads spin between runs (in bulk, the next run is the
        embedder's own), one chunk per run. Unpadded, a chunk's vector also no longer depends on the
        chunks that happened to share its batch. benchmarks/bench_embed_limit.py compares the two."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._bulk is None:
            self._bulk = self._session(spinning=True)
        return self._run(self._bulk, texts, BULK_BATCH)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._run(self.session, texts, self.batch_size)

    def _run(self, session: Any, texts: list[str], batch_size: int) -> np.ndarray:
        # Similar lengths share a batch so little is spent on padding; small batches stay in cache.
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start:start + batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[idx] = session.run(None, feeds)[0]
        return out


def _max_tokens(root: Path) -> int:
    try:
        return int(json.loads((root / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


def _hidden_size(root: Path) -> int:
    return int(json.loads((root / "config.json").read_text()).get("hidden_size", 384))


@lru_cache(maxsize=4)
def load_embeddings(model_path: str, batch_size: int = 4, backend: str = "auto",
                    cache_dir: Path | None = None) -> SentenceEmbeddings:
    """The embedder for these settings. `auto` uses the int8 ONNX export (building it on first use)
    and falls back to fp32 PyTorch, with a one-line note, when it cannot be built or loaded."""
    if backend != "torch":
        from rag.ingest.onnx_export import export_int8, export_path

        path = export_path(model_path, cache_dir or Path.home() / ".cache" / "newsdesk")
        try:
            if not path.exists():
                print(f"exporting the embedding model to int8 ONNX (once): {path}", file=sys.stderr)
                export_int8(model_path, path)
            return OnnxEmbeddings(path, model_path, batch_size)
        except Exception as exc:  # noqa: BLE001 (any failure: the fp32 path still works)
            if backend == "onnx-int8":
                raise RuntimeError(f"int8 ONNX embeddings unavailable: {exc}") from exc
            print(f"int8 ONNX embeddings unavailable ({exc}); using fp32 PyTorch", file=sys.stderr)
    return SentenceEmbeddings(model_path, batch_size)
