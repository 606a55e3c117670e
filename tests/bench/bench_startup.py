"""Time from process start to the main window on screen: Dynascope vs a bare PySide6 window."""

# .venv/bin/python tests/bench/bench_startup.py [runs]
# Each run starts a fresh interpreter (offscreen) and takes the wall time from before the
# process is spawned to the child's word that its window is exposed and painted. Ours does
# what `dynascope` does up to its window: the command line parsed, then
# `ui.application.start` (the one start `run` makes: the application, the log, the qasync
# loop, the MFA prompter, the main window shown, `settle`), as a new user with config and
# data folders of their own; the bare one shows an empty QMainWindow of the same size.
# Both start as an installed app does, with its modules' byte code cached (pip and the
# bundle compile it at install): the children write theirs to a cache folder of the run
# (PYTHONPYCACHEPREFIX, even where PYTHONDONTWRITEBYTECODE is set) in a warm-up run that
# is not counted. Runs alternate; medians count. Prints one JSON object last.

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_SHOWN = """
def shown(app, window):
    while window.windowHandle() is None or not window.windowHandle().isExposed():
        app.processEvents()
    app.processEvents()  # the first paint
    print("shown", flush=True)
"""

OURS = _SHOWN + """
from ui.main import _parser
_parser().parse_args([])  # ui.main.main, up to its call of ui.application.run
from ui.application import start
app, loop, window = start()
shown(app, window)
window.shutdown()
"""

BARE = _SHOWN + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1240, 780)
window.show()
shown(app, window)
"""


def _time(code: str, folder: str) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",  # settings and log in `folder`
               XDG_CONFIG_HOME=str(Path(folder) / "config"),
               XDG_DATA_HOME=str(Path(folder) / "data"),
               PYTHONPYCACHEPREFIX=str(Path(folder) / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    line = child.stdout.readline()
    elapsed = time.perf_counter() - began
    child.wait(30)
    if line.strip() != "shown":
        raise RuntimeError(f"the window did not show (exit {child.returncode})")
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    ours, bare = [], []
    with tempfile.TemporaryDirectory() as folder:
        _time(OURS, folder)  # warm the file and byte-code caches (both, once, not counted)
        _time(BARE, folder)
        for _ in range(runs):
            ours.append(_time(OURS, folder))
            bare.append(_time(BARE, folder))
    ours_s, bare_s = statistics.median(ours), statistics.median(bare)
    print(json.dumps({
        "runs": runs,
        "ours_s": round(ours_s, 3),
        "bare_s": round(bare_s, 3),
        "ratio": round(ours_s / bare_s, 2),
    }))


if __name__ == "__main__":
    main()
