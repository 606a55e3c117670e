"""The longest gap of the Qt event loop while "Load all" streams items into the window."""

# .venv/bin/python tests/bench/bench_ui_stall.py [items] [--untuned]
# The app starts as `dynascope` does (ui.application.start, offscreen, with config and data
# folders of its own), opens a replay-server connection (the server in a child process),
# shows the table's Items tab, and presses "Load all"; a 5 ms QTimer heartbeat records
# the time between its ticks until the last item is in the grid.
# --untuned undoes two of the settings `ui.application.settle` makes at start, to compare:
# the 1 ms GIL switch interval (back to Python's 5 ms) and gc.freeze() (at start and once
# the table pages are made).
# Prints one JSON object as its last line (gaps in ms, the 5 ms period included).

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import replay

HEARTBEAT_MS = 5


async def _until(condition: Callable[[], bool], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        await asyncio.sleep(0.01)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    items = int(args[0]) if args else 100_000
    tuned = "--untuned" not in sys.argv
    from PySide6.QtCore import Qt, QTimer

    from app.connections import ConnectionProfile
    from ui.application import start

    gaps: list[float] = []  # between heartbeat ticks
    busy: list[float] = []  # CPU time of this (the GUI) thread in each gap
    rows: list[int] = []  # rows in the grid at the end of each gap
    load = os.getloadavg()[0]
    with replay.spawn(items) as server, tempfile.TemporaryDirectory() as folder:
        os.environ["XDG_CONFIG_HOME"] = str(Path(folder) / "config")  # settings.json
        os.environ["XDG_DATA_HOME"] = str(Path(folder) / "data")  # the log
        _app, loop, window = start()
        if not tuned:
            gc.unfreeze()
            window.tablePagesBuilt.disconnect()
            sys.setswitchinterval(0.005)

        async def run() -> dict:
            conn = window.add_connection(ConnectionProfile(
                name="replay", kind="endpoint", region=replay.REGION,
                endpoint_url=server["url"]))
            await _until(lambda: window.model.rowCount(conn) == 1)
            window.tree.setCurrentIndex(window.model.find_table(0, replay.TABLE))
            await _until(lambda: window.pages.currentWidget() is window.table_tabs
                         and window.details.title.text() == replay.TABLE)
            window.show_items()
            panel = window.results
            await _until(lambda: panel.model.rowCount() > 0 and not panel.busy)

            last = [time.perf_counter(), time.thread_time()]

            def tick() -> None:
                now, cpu = time.perf_counter(), time.thread_time()
                gaps.append(now - last[0])
                busy.append(cpu - last[1])
                rows.append(panel.model.rowCount())
                last[0], last[1] = now, cpu

            heartbeat = QTimer()
            heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
            heartbeat.setInterval(HEARTBEAT_MS)
            heartbeat.timeout.connect(tick)
            began = time.perf_counter()
            heartbeat.start()
            panel.load_all()
            await _until(lambda: not panel.busy and panel.pager is not None
                         and not panel.pager.has_next)
            heartbeat.stop()
            return {"rows": panel.model.rowCount(), "seconds": time.perf_counter() - began,
                    "columns": panel.model.columnCount()}

        try:
            result = loop.run_until_complete(run())
        finally:
            window.shutdown()
            window.close()
            loop.close()
    assert result["rows"] == items, result
    ordered = sorted(gaps)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(json.dumps({
        "items": items,
        "tuned": tuned,
        "max_stall_ms": round(ordered[-1] * 1000, 1),
        "p99_stall_ms": round(p99 * 1000, 1),
        "ticks": len(gaps),
        # what the GUI thread itself computed in the longest turn, and the machine's
        # load: other processes stretch gaps on a busy machine
        "max_gui_cpu_ms": round(max(busy) * 1000, 1),
        "loadavg_1min": round(max(load, os.getloadavg()[0]), 2),
        # the five longest gaps: (ms, rows in the grid when it ended)
        "longest": [(round(gaps[i] * 1000, 1), rows[i])
                    for i in sorted(range(len(gaps)), key=gaps.__getitem__)[-5:]],
        "load_all_s": round(result["seconds"], 2),
        "columns": result["columns"],
    }))


if __name__ == "__main__":
    main()
