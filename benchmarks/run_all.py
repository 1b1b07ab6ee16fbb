"""`make bench`: every benchmark in one run, then the speed tables (benchmarks/report.py) into
benchmarks/results/summary.md and the README's speed section. Each benchmark's wall time goes to
benchmarks/results/run_all.json, so the table of where `make bench` spends its time is measured too."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, ROOT, write  # noqa: E402

HERE = Path(__file__).resolve().parent
# bench_query reuses the stores bench_ingest builds; the others build their own.
ORDER = ("bench_ingest", "bench_vs_plain", "bench_embed_limit", "bench_ttft", "bench_query", "bench_baseline",
         "multihop_ask", "answer_under_ingest", "bench_feeds")


def main() -> None:
    start = time.perf_counter()
    steps = []
    for name in ORDER:
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / f"{name}.py")], check=True)
        steps.append({"benchmark": name, "minutes": round((time.perf_counter() - began) / 60, 2)})
        print(f"== {name}: {steps[-1]['minutes']} min", flush=True)
    write("run_all", {"steps": steps, "total_minutes": round((time.perf_counter() - start) / 60, 1)})
    subprocess.run([sys.executable, str(HERE / "report.py"), "--readme", str(ROOT / "README.md")], check=True)
    print(f"\nwrote {RESULTS / 'summary.md'} and the README's speed section "
          f"({(time.perf_counter() - start) / 60:.1f} min in all)")


if __name__ == "__main__":
    main()
