"""Time from nothing to a seeded sandbox, in a fresh process each run.

    .venv/bin/python tests/bench/bench_sandbox_start.py [runs]
Prints one JSON object as its last line: seconds to import, to be ready, and the median.
"""

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, time
t0 = time.perf_counter()
from app.sandbox import Sandbox
t1 = time.perf_counter()
box = Sandbox()
box.start()
t2 = time.perf_counter()
items = sum(len(t.items) for t in box.tables)
box.stop()
print(json.dumps({"import_s": t1 - t0, "start_s": t2 - t1, "items": items}))
"""


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    totals = [r["import_s"] + r["start_s"] for r in results]
    print(json.dumps({
        "runs": runs,
        "items": results[0]["items"],
        "import_s": [round(r["import_s"], 2) for r in results],
        "start_s": [round(r["start_s"], 2) for r in results],
        "median_ready_s": round(statistics.median(totals), 2),
    }))


if __name__ == "__main__":
    main()
