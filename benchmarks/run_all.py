"""`make bench`: every benchmark in one run, then the speed tables (benchmarks/report.py) into
benchmarks/results/summary.md and the README's speed section."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, ROOT  # noqa: E402

HERE = Path(__file__).resolve().parent
# bench_query reuses the stores bench_ingest builds; the others build their own.
ORDER = ("bench_ingest", "bench_vs_plain", "bench_embed_limit", "bench_ttft", "bench_query", "bench_baseline",
         "multihop_ask", "answer_under_ingest", "bench_feeds")


def main() -> None:
    start = time.perf_counter()
    for name in ORDER:
        print(f"== {name}", flush=True)
        subprocess.run([sys.executable, str(HERE / f"{name}.py")], check=True)
    subprocess.run([sys.executable, str(HERE / "report.py"), "--readme", str(ROOT / "README.md")], check=True)
    print(f"\nwrote {RESULTS / 'summary.md'} and the README's speed section "
          f"({(time.perf_counter() - start) / 60:.1f} min in all)")


if __name__ == "__main__":
    main()
