"""The machine a figure was measured on: CPU model and the widest int8 dot-product instructions it has.

Answers can differ between machines for the same commit: onnxruntime and llama.cpp (built for the
machine it installs on) pick their int8 and float kernels by these instructions, and a rounding
difference can move one passage's rank or one greedy token. Recording them makes such a difference
attributable.
"""

from __future__ import annotations

import os
from pathlib import Path

# Widest first: the first present names the int8 path the kernels take.
INT8_PATHS = (("avx512_vnni", "AVX-512 VNNI"), ("avx_vnni", "AVX-VNNI"), ("avx512bw", "AVX-512"),
              ("avx2", "AVX2"))


def describe() -> str:
    """'2 CPUs, AMD EPYC, int8 via AVX-512 VNNI' ('?' parts where /proc/cpuinfo is not there)."""
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    model = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")), "?")
    flags = set(next((ln.split(":", 1)[1].split() for ln in lines if ln.startswith("flags")), []))
    int8 = next((name for flag, name in INT8_PATHS if flag in flags), "?")
    return f"{os.cpu_count()} CPUs, {model}, int8 via {int8}"
