"""Following a feed: time to ingest a 50-article RSS feed from the local news site (tests/feedsite.py:
2 seed articles + 48 BBC articles read in place from ../shared/corpora/bbc, plus the site's 7 failure
cases), the requests a second poll of the unchanged feed sends, a third poll after one story changed,
and what was rejected and why. Each repeat uses a fresh store. Writes benchmarks/results/bench_feeds.json.

    .venv/bin/python benchmarks/bench_feeds.py [--repeats 2] [--delay 0]

--delay is NEWSDESK_FETCH_DELAY_S (default 0 here: it measures newsdesk, not the politeness pause,
which adds that many seconds per request to one host by construction; 1 s by default in use).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from feedsite import Site  # noqa: E402

from benchmarks.common import WORK, write  # noqa: E402
from rag.config import Settings  # noqa: E402
from rag.pipeline import load_pipeline  # noqa: E402
from rag.web.fetch import Fetcher  # noqa: E402
from rag.web.follow import follow, poll  # noqa: E402


class TimedFetcher(Fetcher):
    """The real fetcher, adding up the seconds spent in requests (the rest of a poll is extract + embed + store)."""

    fetch_seconds: float = 0.0

    def get(self, url: str, etag: str = "", last_modified: str = ""):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return super().get(url, etag, last_modified)
        finally:
            self.fetch_seconds += time.perf_counter() - start


def one_run(site: Site, folder: Path, delay: float) -> dict:
    shutil.rmtree(folder, ignore_errors=True)
    pipe = load_pipeline(Settings(data_dir=folder, allow_private_urls=True, fetch_delay_s=delay, _env_file=None))
    s = pipe.settings
    follow(s.data_dir, f"{site.url}/rss.xml", 1800)
    rows = {}
    for name, change in (("first", None), ("second", None), ("after_one_change", "korea-talks-possible")):
        if change:
            site.update(change, f"Update {time.time():.0f}: the envoy spoke to reporters again on Friday evening.")
        site.reset_counts()
        fetcher = TimedFetcher(s)
        start = time.perf_counter()
        [(feed, outcomes)] = poll(s, pipe.store, pipe.embedder, force=True, fetcher=fetcher)
        seconds = time.perf_counter() - start
        statuses: dict[str, int] = {}
        for o in outcomes:
            statuses[o.status] = statuses.get(o.status, 0) + 1
        rows[name] = {"seconds": round(seconds, 2), "fetch_seconds": round(fetcher.fetch_seconds, 2),
                      "requests": sum(site.requests.values()), "conditional_requests": sum(site.conditional.values()),
                      "not_modified_304": sum(site.not_modified.values()), "statuses": statuses,
                      "rejected": [{"source": o.source.replace(site.url, ""), "reason": o.reason.replace(site.url, "")}
                                   for o in outcomes if o.status == "rejected"]}
    rows["articles_stored"] = pipe.store.counts()["articles"]
    rows["chunks_stored"] = pipe.store.counts()["chunks"]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    runs = []
    for r in range(args.repeats):
        site = Site(n_bbc=48)
        site.start()
        try:
            runs.append(one_run(site, WORK / f"feeds-{r + 1}", args.delay))  # a fresh store each
        finally:
            site.stop()
        print(f"run {r + 1}: first poll {runs[-1]['first']['seconds']} s", file=sys.stderr)
    good = sum(1 for _ in Site(n_bbc=48).stories)
    out = {"feed": f"RSS 2.0, {good} articles (2 seeds + {good - 2} BBC) + 7 failure cases",
           "fetch_delay_s": args.delay, "load_before": os.getloadavg(), "cpus": os.cpu_count(), "runs": runs}
    write("bench_feeds", out)
    print(f"{'poll':<20} {'seconds':>8} {'fetching':>9} {'requests':>9} {'conditional':>12} {'304':>5}  statuses")
    for i, run in enumerate(runs, 1):
        for name in ("first", "second", "after_one_change"):
            row = run[name]
            print(f"{name + f' #{i}':<20} {row['seconds']:>8} {row['fetch_seconds']:>9} {row['requests']:>9} "
                  f"{row['conditional_requests']:>12} {row['not_modified_304']:>5}  {row['statuses']}")
    print("rejected:")
    for row in runs[0]["first"]["rejected"]:
        print(f"  {row['source']}: {row['reason']}")


if __name__ == "__main__":
    main()
