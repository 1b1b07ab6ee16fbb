"""Exports the bundled sentence-transformers model to an int8-quantized ONNX file, locally, from the
weights on disk (nothing is downloaded). Run at install (`python -m rag.ingest.onnx_export`) or on first use.

Recipe, each step measured on this 2-core AVX-512 VNNI machine (MultiHop-RAG chunks of ~800 chars):
- export with eager attention, mean pooling and L2 normalisation inside the graph, so the runtime
  needs neither torch nor sentence-transformers;
- onnxruntime's BERT optimizer fuses attention, GELU and layer norms;
- dynamic int8 quantization, per channel, of MatMul and Attention: per-tensor weights lost too much
  (mean cosine to fp32 0.944), per channel keeps 0.994.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import warnings
from pathlib import Path

FORMAT = "int8-v1"  # bump when the recipe changes, so old exports are not reused


def export_path(model_path: str, cache_dir: Path) -> Path:
    """Where the export of this model lives: keyed by the model's files, so a changed model re-exports."""
    root = Path(model_path)
    h = hashlib.sha256(FORMAT.encode())
    for f in sorted(root.glob("*.json")) + sorted(root.glob("*.safetensors")) + sorted(root.glob("*.bin")):
        h.update(f.name.encode())
        h.update(str(f.stat().st_size).encode())
        if f.suffix == ".json":
            h.update(f.read_bytes())
    return cache_dir / "onnx" / f"{root.name}-{h.hexdigest()[:16]}" / "model-int8.onnx"


def export_int8(model_path: str, out: Path) -> Path:
    """Writes the quantized model to `out` (atomically: concurrent first uses never see half a file)."""
    # The tracer and the quantizer warn about things that do not matter for this graph; keep the
    # terminal for messages a user can act on.
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _export(model_path, out)
    finally:
        logging.disable(logging.NOTSET)


def _export(model_path: str, out: Path) -> Path:
    import onnx
    import onnxruntime
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import AutoConfig, AutoModel

    onnxruntime.disable_telemetry_events()  # the optimizer runs sessions of its own
    config = AutoConfig.from_pretrained(model_path, local_files_only=True)
    model = AutoModel.from_pretrained(model_path, local_files_only=True, attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001 (traced)
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        fp32, fused = Path(tmp) / "fp32.onnx", Path(tmp) / "fused.onnx"
        dummy = torch.ones(2, 16, dtype=torch.long)
        with torch.no_grad():
            torch.onnx.export(
                Pooled(model), (dummy, dummy, torch.zeros_like(dummy)), str(fp32),
                input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["embedding"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                              "token_type_ids": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}},
                opset_version=17, dynamo=False)
        optimized = optimize_model(str(fp32), model_type="bert", num_heads=config.num_attention_heads,
                                   hidden_size=config.hidden_size, opt_level=1)
        optimized.save_model_to_file(str(fused))
        quantized = Path(tmp) / "int8.onnx"
        quantize_dynamic(str(fused), str(quantized), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(quantized, out)
    (out.parent / "source.json").write_text(json.dumps({"model": model_path, "format": FORMAT}), encoding="utf-8")
    return out


def main() -> int:
    import rag  # noqa: F401  (offline environment first)
    from rag.config import get_settings

    settings = get_settings()
    if settings.embedding_backend == "torch":
        print("embedding backend is torch; nothing to export")
        return 0
    model_path = settings.embedding_model_path()
    out = export_path(model_path, settings.cache_dir)
    if out.exists():
        print(f"int8 ONNX model ready: {out}")
        return 0
    try:
        export_int8(model_path, out)
    except Exception as exc:  # noqa: BLE001 (any failure means: keep using the fp32 path)
        print(f"could not export an int8 ONNX model ({exc}); embeddings will use fp32 PyTorch", file=sys.stderr)
        return 0
    print(f"int8 ONNX model exported: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
