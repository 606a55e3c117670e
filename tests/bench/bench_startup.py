"""Time from process start to the main window on screen: Dynascope vs a bare PySide6 window."""

# .venv/bin/python tests/bench/bench_startup.py [runs]
# Each run starts a fresh interpreter (offscreen) and takes the wall time from before the
# process is spawned to the child's word that its window is exposed and painted. Ours does
# what `dynascope` does up to its window (the application, the qasync loop, the MFA
# prompter, the main window) with a settings file of its own; the bare one shows an empty
# QMainWindow of the same size. Runs alternate; medians count. Prints one JSON object last.

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
import asyncio, sys
from pathlib import Path
import qasync
from app.connections import set_mfa_prompter
from ui.application import make_app
from ui.main_window import MainWindow
from ui.mfa import MfaPrompt
app = make_app()
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
set_mfa_prompter(MfaPrompt(loop))
window = MainWindow(settings_path=Path(sys.argv[1]) / "settings.json")
window.show()
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
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code, folder], cwd=ROOT, env=env,
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
        _time(OURS, folder)  # warm the file cache (both sides, once, not counted)
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
