"""Client CPU from response bytes to rows in the grid's model: ours vs boto3's paginator."""

# .venv/bin/python tests/bench/bench_page_cpu.py [items] [runs]
# The replay server runs in a child process, so `time.process_time()` here counts the
# client alone (HTTP read, parsing, and for ours the model's append; every thread of this
# process). Both read the same pages (1,000 items each) from the same server; each side
# runs `runs` times, alternating, and the median counts. Prints one JSON object last.

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import replay

PAGE = 1_000


def ours(url: str) -> tuple[float, int]:
    """The app's path: Connection (fast path on) -> Pager -> ResultsModel.append."""
    from app.connections import ConnectionProfile, connect
    from app.paging import Pager
    from ui.results_model import ResultsModel

    conn = connect(ConnectionProfile(name="replay", kind="endpoint", region=replay.REGION,
                                     endpoint_url=url), fast_path=True)
    model = ResultsModel()
    model.reset(["pk", "sk"], ttl_attribute="expires_at")

    async def run() -> None:
        pager = Pager(conn, "Scan", {"TableName": replay.TABLE})
        while pager.has_next:
            model.append((await pager.next_batch(PAGE)).items)

    conn.client  # noqa: B018 - made before the clock starts, as boto3's is
    began = time.process_time()
    asyncio.run(run())
    return time.process_time() - began, model.rowCount()


def boto3_paginator(url: str) -> tuple[float, int]:
    """What people write by hand: the low-level client's Scan paginator."""
    client = replay.client(url)
    began = time.process_time()
    count = 0
    for page in client.get_paginator("scan").paginate(
            TableName=replay.TABLE, PaginationConfig={"PageSize": PAGE}):
        count += len(page["Items"])
    return time.process_time() - began, count


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 - the model is Qt's
    with replay.spawn(items) as server:
        url = server["url"]
        ours(url)  # warm-up: imports, the server's page cache, connection pools
        boto3_paginator(url)
        mine, theirs = [], []
        for _ in range(runs):
            cpu, n = ours(url)
            assert n == items, n
            mine.append(cpu)
            cpu, n = boto3_paginator(url)
            assert n == items, n
            theirs.append(cpu)
    ours_s, boto3_s = statistics.median(mine), statistics.median(theirs)
    print(json.dumps({
        "items": items,
        "ours_cpu_s": round(ours_s, 3),
        "boto3_cpu_s": round(boto3_s, 3),
        "ratio": round(ours_s / boto3_s, 3),
        "ours_us_per_item": round(ours_s / items * 1e6, 1),
        "boto3_us_per_item": round(boto3_s / items * 1e6, 1),
    }))


if __name__ == "__main__":
    main()
