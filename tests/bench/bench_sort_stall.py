"""The longest gap of the Qt event loop while the grid sorts 100,000 rows."""

# .venv/bin/python tests/bench/bench_sort_stall.py [items]
# The results panel (offscreen, the real widget and model) holds `items` replay items
# (tests/bench/replay.py, every type, ~690 B of wire JSON each); a click on a column
# header sorts them while a 5 ms QTimer heartbeat records the time between its ticks.
# Two columns: "total" (numbers, compared by value) and "note" (strings). From 20,000
# rows on the model sorts in slices between event-loop turns (ui/results_model.py);
# `at_once_ms` is the same sort done in one go, for comparison. Prints one JSON object
# as its last line.

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import replay

HEARTBEAT_MS = 5


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    items = int(args[0]) if args else 100_000
    import base64
    import random

    import qasync
    from PySide6.QtCore import Qt, QTimer

    from ui.application import make_app
    from ui.results_view import ResultsPanel

    app = make_app()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    rnd = random.Random(7)

    def client_shape(value):  # the wire's base64 as the client's bytes
        if isinstance(value, dict):
            if set(value) == {"B"}:
                return {"B": base64.b64decode(value["B"])}
            if set(value) == {"BS"}:
                return {"BS": [base64.b64decode(m) for m in value["BS"]]}
            return {k: client_shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [client_shape(v) for v in value]
        return value

    data = [client_shape(replay.make_item(i, rnd)) for i in range(items)]
    panel = ResultsPanel()
    panel.resize(1200, 700)
    panel.show()
    panel.model.reset(["pk", "sk"])
    for start in range(0, items, 5000):
        panel.model.append(data[start:start + 5000])
    del data
    header = panel.grid.horizontalHeader()
    figures: dict[str, float] = {}

    async def measure(column: str, order: Qt.SortOrder) -> tuple[float, float]:
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append(now - last[0])
            last[0] = now

        heartbeat = QTimer()
        heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(tick)
        heartbeat.start()
        await asyncio.sleep(0.05)
        began = time.perf_counter()
        header.setSortIndicator(panel.model.columns.index(column), order)  # as a click does
        while panel.model.sorting or time.perf_counter() - began < 0.02:
            await asyncio.sleep(0.001)
        seconds = time.perf_counter() - began
        await asyncio.sleep(0.05)
        heartbeat.stop()
        return max(gaps), seconds

    async def run() -> None:
        for column in ("total", "note"):
            worst, seconds = await measure(column, Qt.SortOrder.AscendingOrder)
            figures[f"{column}_max_stall_ms"] = round(worst * 1000, 1)
            figures[f"{column}_sort_s"] = round(seconds, 2)
            panel.model.sort_in_steps_from = 10**9
            began = time.perf_counter()
            panel.model.sort(panel.model.columns.index(column), Qt.SortOrder.DescendingOrder)
            figures[f"{column}_at_once_ms"] = round((time.perf_counter() - began) * 1000, 1)
            panel.model.sort_in_steps_from = 20_000

    load = os.getloadavg()[0]
    try:
        loop.run_until_complete(run())
    finally:
        panel.close()
        loop.close()
    print(json.dumps({
        "items": items,
        "max_stall_ms": max(v for k, v in figures.items() if k.endswith("max_stall_ms")),
        **figures,
        "loadavg_1min": round(max(load, os.getloadavg()[0]), 2),
    }))


if __name__ == "__main__":
    main()
