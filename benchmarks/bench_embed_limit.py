"""The embedding stage against this CPU's int8 limit.

    .venv/bin/python benchmarks/bench_embed_limit.py   # benchmarks/results/bench_embed_limit.json

1. The int8 GEMM ceiling: onnxruntime's MatMulInteger (uint8 x int8 -> int32, the MLAS kernel the
   quantized MiniLM's matmuls use) on an FFN-shaped product (tokens x 384 x 1536), 2 threads, best of
   several runs: MACs per second.
2. The model's work per chunk: MiniLM-L6 (6 layers, hidden 384, FFN 1536) at the mean token length of
   real chunks (the 400-file BBC sample, title + chunk text as ingest embeds them): 4*L*H^2 + 2*L*H*F
   int8 MACs per layer, plus 2*L^2*H for attention (fp32 in the quantized graph, counted apart).
3. The embedder's throughput at several batch sizes (the query session: threads do not spin between
   runs) and ingest's bulk session (batch 1, spinning threads), same chunks, interleaved.
   "% of the limit" = int8 MACs per chunk x chunks/s / measured int8 MACs per second.
Token counts are each chunk's own (unpadded): the work a chunk needs, whatever batch it runs in.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import table, write  # noqa: E402

LAYERS, HIDDEN, FFN = 6, 384, 1536
THREADS = 2
BULK = "ingest (1, spinning)"


def gemm_ceiling(m: int = 4096, k: int = HIDDEN, n: int = FFN, repeats: int = 20) -> float:
    """Best int8 MACs/s of MatMulInteger over `repeats` runs."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    b = np.random.default_rng(0).integers(-127, 127, size=(k, n), dtype=np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "gemm",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, [m, k])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [m, n])],
        [onnx.numpy_helper.from_array(b, "B")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    options = ort.SessionOptions()
    options.intra_op_num_threads = THREADS
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    a = np.random.default_rng(1).integers(0, 255, size=(m, k), dtype=np.uint8)
    session.run(None, {"A": a})
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        session.run(None, {"A": a})
        best = min(best, time.perf_counter() - start)
    return m * k * n / best


def sample_texts(limit: int = 400) -> list[str]:
    from benchmarks.bench_vs_plain import sample_folder
    from rag.config import Settings
    from rag.ingest.articles import chunked
    from rag.ingest.loaders import load
    from rag.ingest.parsing import parse

    settings = Settings(_env_file=None)
    texts: list[str] = []
    # The 400-file sample of bench_vs_plain, made here if that has not run yet (run alone, this read an empty
    # folder and reported nan).
    for path in sorted(sample_folder().glob("*.txt")):
        for raw in load(path, 10_000_000):
            article = parse(raw)
            texts += chunked(article, settings)[1]
    return texts[:limit]


def macs_per_chunk(tokens: list[int]) -> tuple[float, float]:
    """Mean (int8 MACs, fp32 attention MACs) per chunk, over chunks of these token lengths."""
    t = np.array(tokens, dtype=np.float64)
    int8 = LAYERS * (4 * t * HIDDEN ** 2 + 2 * t * HIDDEN * FFN)
    return float(int8.mean()), float((LAYERS * 2 * t ** 2 * HIDDEN).mean())


def throughput(embedder, texts: list[str], batch: int | str) -> float:  # noqa: ANN001
    start = time.perf_counter()
    if batch == BULK:
        embedder.encode_many(texts)
    else:
        embedder.batch_size = batch
        embedder.encode(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    from rag.config import Settings
    from rag.ingest.embeddings import load_embeddings

    settings = Settings(_env_file=None)
    texts = sample_texts()
    embedder = load_embeddings(settings.embedding_model_path(), 4, "onnx-int8", settings.cache_dir)
    encoded = [embedder.tokenizer.encode(t) for t in texts]  # one at a time: no padding counted
    lengths = [len(e.ids) for e in encoded]
    tokens = float(np.mean(lengths))
    truncated = sum(len(e.overflowing) > 0 for e in encoded)
    int8_macs, attn_macs = macs_per_chunk(lengths)
    load0 = os.getloadavg()
    ceiling = [gemm_ceiling() for _ in range(3)]
    embedder.encode(texts[:32])
    embedder.encode_many(texts[:32])
    batches: tuple[int | str, ...] = (BULK, 1, 4, 16, 64)
    rates: dict[int | str, list[float]] = {b: [] for b in batches}
    for _ in range(3):  # interleaved: a change in machine load hits every batch size alike
        for b in batches:
            rates[b].append(throughput(embedder, texts, b))
    ceiling.append(gemm_ceiling())
    limit = max(ceiling)
    best_batch = max(batches, key=lambda b: max(rates[b]))
    best = max(rates[best_batch])
    share = int8_macs * max(rates[BULK]) / limit  # what ingest runs at
    rows = [[b, " / ".join(f"{r:.1f}" for r in rates[b]), f"{100 * int8_macs * max(rates[b]) / limit:.0f}%"]
            for b in batches]
    print(f"{len(texts)} BBC-sample chunks, mean {tokens:.0f} tokens ({truncated} truncated at 256)")
    print(f"int8 MACs per chunk: {int8_macs / 1e9:.2f} G (+ {attn_macs / 1e9:.2f} G fp32 attention)")
    print(f"int8 GEMM ceiling (MatMulInteger 4096x384x1536, {THREADS} threads): "
          f"{limit / 1e9:.0f} G MAC/s (runs: {', '.join(f'{c / 1e9:.0f}' for c in ceiling)})")
    print(table(["batch size", "chunks/s (3 runs)", "% of the int8 limit"], rows))
    print(f"ingest's session: {max(rates[BULK]):.1f} chunks/s = {100 * share:.0f}% of the measured int8 limit; "
          f"best: {best_batch}, {best:.1f} chunks/s; load avg before {load0[0]:.1f}, after {os.getloadavg()[0]:.1f}")
    path = write("bench_embed_limit", {
        "chunks": len(texts), "mean_tokens": round(tokens, 1), "truncated": truncated,
        "int8_macs_per_chunk": int8_macs, "fp32_attention_macs_per_chunk": attn_macs,
        "gemm_macs_per_s": ceiling, "chunks_per_s": {str(b): [round(r, 1) for r in rates[b]] for b in batches},
        "best_batch": best_batch, "share_of_limit": round(share, 3),
        "load_avg": [round(load0[0], 1), round(os.getloadavg()[0], 1)]})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
