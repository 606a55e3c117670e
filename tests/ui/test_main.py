"""The `dynascope` command line: version, the headless sandbox, and the error hook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

import ui.application
from app import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_comes_from_the_package_metadata():
    out = subprocess.run([sys.executable, "-m", "ui.main", "--version"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"dynascope {__version__}"
    assert __version__ == "0.1.0"


def test_help_lists_the_sandbox_command():
    out = subprocess.run([sys.executable, "-m", "ui.main", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert "sandbox" in out and "--endpoint" in out


def test_an_unexpected_error_is_logged_and_shown(qtbot, tmp_path, monkeypatch):
    log = tmp_path / "dynascope.log"
    monkeypatch.setattr(ui.application, "log_file", lambda: log)
    import logging

    handler = logging.FileHandler(log)
    logging.getLogger("dynascope").addHandler(handler)
    try:
        try:
            raise KeyError("missing")
        except KeyError as exc:
            ui.application.show_unexpected(type(exc), exc, exc.__traceback__)
    finally:
        logging.getLogger("dynascope").removeHandler(handler)
        handler.close()
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.objectName() == "unexpectedErrorBox"]
    assert boxes, "no error message was shown"
    box = boxes[-1]
    assert "KeyError" in box.text() and "missing" in box.text()
    assert str(log) in box.informativeText()
    box.done(0)
    assert box not in ui.application._open_boxes  # released once closed
    assert "Traceback" in log.read_text()


# What `dynascope` does up to its window, in a fresh interpreter (this one has imported
# everything): no SDK, no pygments and no table pages before the window shows; then the
# settings of `settle`, and the SDK loaded on a worker thread.
_START = """
import gc, sys
import ui.main_window
from ui.application import start

def loaded(*tops):
    return sorted(m for m in sys.modules if m.split(".")[0] in tops)

assert loaded("boto3", "botocore") == [], loaded("boto3", "botocore")
app, loop, window = start()
assert loaded("pygments") == [], loaded("pygments")
assert not window._pages_built
assert gc.get_freeze_count() > 0 and sys.getswitchinterval() == 0.001
from app.connections import sdk_loaded
window.sdk_loading.result(timeout=60)  # the import `settle` started on a worker thread
assert sdk_loaded()
frozen = gc.get_freeze_count()
window.table_tabs  # the pages of the first table shown are made, and frozen too
assert window._pages_built and gc.get_freeze_count() > frozen
window.shutdown()
print("ok")
"""


def test_the_window_shows_before_the_sdk_and_the_table_pages_load(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    result = subprocess.run([sys.executable, "-c", _START], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1:] == ["ok"], result.stdout + result.stderr
