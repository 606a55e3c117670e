"""Wall time of "Load all" on a full Scan with 1 and with 4 segments, 20 ms per request."""

# .venv/bin/python tests/bench/bench_parallel_scan.py [items] [runs] [--limit N]
#
# What runs is what the results view's "Load all" runs: QuerySpec(table, segments=1 or 4)
# -> its requests (no Limit, as ui.query_builder builds them; --limit N sets the spec's
# page size, i.e. DynamoDB's Limit, for comparison) -> Pager or ParallelPager on an
# endpoint Connection (fast path on, as the app's default) -> `pager.stream(1000)`, the
# batch size ui.results_view asks for (max(page size, 1000), the page size being 100).
# With no Limit each request then asks for 1,000 items (the pager's own cap, to keep the
# cursor exact), for one segment and for each of four alike.
#
# Parameters: 20,000 items (about 14 MB of wire JSON, 20 requests: enough to be well
# above timer noise, a typical "load the whole table" of a dev table); 20 ms per request,
# added by the replay server (a child process, so its CPU is not counted here), as a
# nearby AWS region answers. After a warm-up of each, both scans run `runs` times,
# alternating, and the median counts. Both must return exactly the same keys, each once
# (else it exits with status 1).
#
# Reading the result: `cpu_*_s` is this process's CPU time (all its threads). The item
# decoding is Python under the GIL, so no number of segments makes a scan shorter than
# its CPU time; one segment takes about its CPU time plus its requests' latency back to
# back (`latency_floor_one_s`). So the best four segments can do is `four_floor_s` =
# max(CPU time, the longest segment's requests back to back), and `speedup_bound` =
# one_s / four_floor_s. Goal (issue 6): speedup >= 3. Prints one JSON object last.

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from contextlib import aclosing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import replay

LATENCY_S = 0.020
LOAD_ALL_BATCH = 1_000  # what ui.results_view's "Load all" asks for per batch
SEGMENTS = 4


def scan(conn, segments: int, page_size: int | None
         ) -> tuple[float, float, list[tuple[str, str]], int, int]:
    """Seconds and CPU seconds for the whole table, the (pk, sk) of every item read, the
    requests sent, and the most requests any one segment sent."""
    from app.paging import Pager, ParallelPager
    from app.query import QuerySpec

    requests = QuerySpec(table=replay.TABLE, page_size=page_size,
                         segments=segments).requests()
    pager = (ParallelPager(conn, requests) if len(requests) > 1
             else Pager(conn, "Scan", requests[0]))
    keys: list[tuple[str, str]] = []

    async def run() -> None:
        async with aclosing(pager.stream(LOAD_ALL_BATCH)) as batches:
            async for batch in batches:
                keys.extend((item["pk"]["S"], item["sk"]["S"]) for item in batch.items)

    began, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run())
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    per_segment: dict[int | None, int] = {}
    for line in pager.ledger:
        per_segment[line.segment] = per_segment.get(line.segment, 0) + 1
    return seconds, cpu, keys, pager.totals.requests, max(per_segment.values())


def main() -> None:
    argv = sys.argv[1:]
    page_size = None
    if "--limit" in argv:
        at = argv.index("--limit")
        page_size = int(argv[at + 1])
        del argv[at:at + 2]
    items = int(argv[0]) if argv else 20_000
    runs = int(argv[1]) if len(argv) > 1 else 3
    from app.connections import ConnectionProfile, connect

    load = os.getloadavg()[0]
    with replay.spawn(items, LATENCY_S) as server:
        conn = connect(ConnectionProfile(name="replay", kind="endpoint",
                                         region=replay.REGION, endpoint_url=server["url"]))
        scan(conn, 1, page_size)  # warm-up: imports, the server's page cache, the pool
        scan(conn, SEGMENTS, page_size)
        one, four, cpu_one, cpu_four = [], [], [], []
        for _ in range(runs):
            seconds, cpu, keys_one, requests_one, _ = scan(conn, 1, page_size)
            one.append(seconds)
            cpu_one.append(cpu)
            seconds, cpu, keys_four, requests_four, longest = scan(conn, SEGMENTS, page_size)
            four.append(seconds)
            cpu_four.append(cpu)
            for name, keys in (("1 segment", keys_one), (f"{SEGMENTS} segments", keys_four)):
                if len(keys) != items or len(set(keys)) != items:
                    sys.exit(f"the scan with {name} returned {len(keys):,} items "
                             f"({len(set(keys)):,} distinct keys), not {items:,}")
            if set(keys_one) != set(keys_four):
                sys.exit(f"the scans with 1 and {SEGMENTS} segments returned different keys: "
                         f"{len(set(keys_one) - set(keys_four)):,} only in the first, "
                         f"{len(set(keys_four) - set(keys_one)):,} only in the second")
    one_s, four_s = statistics.median(one), statistics.median(four)
    cpu_four_s = statistics.median(cpu_four)
    four_floor_s = max(cpu_four_s, longest * LATENCY_S)
    print(json.dumps({
        "items": items,
        "latency_ms": LATENCY_S * 1000,
        "page_size": page_size,
        "batch": LOAD_ALL_BATCH,
        "requests_one": requests_one,
        "requests_four": requests_four,
        "one_s": round(one_s, 3),
        "four_s": round(four_s, 3),
        "speedup": round(one_s / four_s, 2),
        "cpu_one_s": round(statistics.median(cpu_one), 3),
        "cpu_four_s": round(cpu_four_s, 3),
        # the latency alone, back to back: what 1 segment cannot go below
        "latency_floor_one_s": round(requests_one * LATENCY_S, 2),
        "four_floor_s": round(four_floor_s, 3),
        "speedup_bound": round(one_s / four_floor_s, 2),
        "loadavg_1min": round(max(load, os.getloadavg()[0]), 2),
    }))


if __name__ == "__main__":
    main()
