"""Resident memory that 100,000 items take in the grid, against their wire JSON size."""

# .venv/bin/python tests/bench/bench_memory.py [items] [--dicts]
# The results panel (offscreen) reads every item from the replay server (in a child
# process, so its memory is not counted) through the app's own path: Connection with the
# fast path, Pager, "Load all". RSS (VmRSS of /proc/self/status) is taken with an empty
# grid after a warm-up read, and again with every item in the grid; both after a full
# garbage collection. With --dicts the grid keeps every row as the client's dict (what
# the model did before it stored rows compactly), for comparison. Prints one JSON object
# as its last line.

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import replay


def rss() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def _until(condition: Callable[[], bool], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the grid did not fill in time")
        await asyncio.sleep(0.01)


def _keep_dicts() -> None:
    """Make the model hold the client's dicts, as it did before (for comparison)."""
    from ui.results_model import ResultsModel

    compact = ResultsModel.append

    def append(self: ResultsModel, items: list) -> None:
        first = self.rowCount()
        compact(self, items)
        self._rows[first:] = list(items)

    ResultsModel.append = append  # type: ignore[method-assign]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    items = int(args[0]) if args else 100_000
    dicts = "--dicts" in sys.argv
    if dicts:
        _keep_dicts()
    import qasync

    from app.connections import ConnectionProfile, connect
    from ui.application import make_app
    from ui.results_view import ResultsPanel

    app = make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with replay.spawn(items) as server:
        conn = connect(ConnectionProfile(name="replay", kind="endpoint", region=replay.REGION,
                                         endpoint_url=server["url"]))
        panel = ResultsPanel()
        panel.resize(1000, 700)
        panel.show()
        request = {"TableName": replay.TABLE}

        async def run() -> tuple[int, int]:
            # Warm-up: the client, botocore's model, Qt's caches and one page of rows.
            panel.start(conn, "Scan", request, key_attributes=["pk", "sk"],
                        ttl_attribute="expires_at")
            await _until(lambda: panel.model.rowCount() > 0 and not panel.busy)
            panel.model.reset(["pk", "sk"], "expires_at")
            app.processEvents()
            gc.collect()
            before = rss()
            panel.start(conn, "Scan", request, key_attributes=["pk", "sk"],
                        ttl_attribute="expires_at")
            await _until(lambda: panel.model.rowCount() > 0 and not panel.busy)
            panel.load_all()
            await _until(lambda: not panel.busy and panel.pager is not None
                         and not panel.pager.has_next)
            app.processEvents()
            panel.grid.scrollToBottom()  # paint (and cache) some rows, as a user would
            app.processEvents()
            gc.collect()
            return before, rss()

        try:
            before, after = loop.run_until_complete(run())
        finally:
            panel.shutdown()
            loop.close()
    rows = panel.model.rowCount()
    assert rows == items, rows
    growth = after - before
    print(json.dumps({
        "items": items,
        "rows_held_as": "dicts" if dicts else "compact bytes",
        "rss_growth_bytes": growth,
        "wire_bytes": server["wire_bytes"],
        "ratio": round(growth / server["wire_bytes"], 3),
        "bytes_per_item": round(growth / items),
    }))


if __name__ == "__main__":
    main()
