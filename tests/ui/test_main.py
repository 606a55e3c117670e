"""The `dynascope` command line: version, the headless sandbox, and the error hook."""

from __future__ import annotations

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
