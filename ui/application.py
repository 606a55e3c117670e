"""The Qt application: the qasync event loop, the style, and errors shown, never dumped."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.connections import ConnectionProfile, load_sdk, set_mfa_prompter
from app.logs import setup_logging

if TYPE_CHECKING:
    import qasync

    from ui.main_window import MainWindow

log = logging.getLogger("dynascope")


def log_file() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    path = Path(folder or Path.home() / ".dynascope")
    path.mkdir(parents=True, exist_ok=True)
    return path / "dynascope.log"


def show_unexpected(exc_type: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
    """Log a bug's traceback to the log file and show the user a readable message."""
    log.error("unexpected error\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
    if QApplication.instance() is None:
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "Dynascope",
                      f"Something went wrong inside Dynascope: {exc_type.__name__}: {exc}",
                      QMessageBox.StandardButton.Ok, QApplication.activeWindow())
    box.setInformativeText(f"Nothing was changed. Details are in {log_file()}.")
    box.setObjectName("unexpectedErrorBox")
    # Keep the box alive until it is closed: without a parent window nothing else holds it.
    _open_boxes.append(box)
    box.finished.connect(lambda _result: _open_boxes.remove(box))
    box.open()


_open_boxes: list[QMessageBox] = []


def _loop_exception(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    exc = context.get("exception")
    if exc is None:
        log.error("event loop: %s", context.get("message"))
        return
    show_unexpected(type(exc), exc, exc.__traceback__)


def make_app(argv: list[str] | None = None) -> QApplication:
    from ui.resources import icon, style_sheet

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Dynascope")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.dynascope.Dynascope")
    app.setWindowIcon(icon("dynascope"))
    app.setStyle("Fusion")
    app.setStyleSheet(style_sheet())
    return app


def settle(window: MainWindow) -> None:
    """Once the window shows: settings for a responsive window, and the SDK loaded.

    - ``gc.freeze()``: the objects made so far (modules, classes, the window's wrappers)
      move to the permanent generation, which full collections skip: while "Load all"
      streams items in, a full collection walked all of them on the GUI thread. Once
      more when the table pages are made (with the first table shown; by then the SDK,
      the first client and its service model exist too): they all live as long as the
      window. (tests/bench/bench_ui_stall.py: the longest stall 116 ms with neither this
      nor the next setting, 66 ms with the first freeze only, under 50 ms with both.)
    - ``sys.setswitchinterval(0.001)``: the GUI thread waits at most 1 ms for the GIL
      (not 5) while the SDK's worker threads parse pages.
    - ``load_sdk()``: boto3 and botocore (a quarter of a second) are imported on a worker
      thread now, not with the app's modules and never on the GUI thread.
    """
    gc.freeze()
    window.tablePagesBuilt.connect(gc.freeze)
    sys.setswitchinterval(0.001)
    window.sdk_loading = load_sdk()


def start(settings_path: Path | None = None
          ) -> tuple[QApplication, qasync.QEventLoop, MainWindow]:
    """What `dynascope` does up to its main window on screen: the application, the log,
    the error hooks, the qasync loop, the MFA prompter, the window shown and `settle`.
    (tests/bench/bench_startup.py times this very function.)"""
    import qasync

    from ui.main_window import MainWindow
    from ui.mfa import MfaPrompt

    app = make_app()
    setup_logging(log_file())  # redacts keys, tokens and item bodies; wire logs stay off
    sys.excepthook = show_unexpected
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_loop_exception)
    set_mfa_prompter(MfaPrompt(loop))  # botocore would ask on a terminal nobody sees
    window = MainWindow(settings_path=settings_path)
    window.show()
    settle(window)
    return app, loop, window


def run(sandbox: bool = False, endpoint: str | None = None, region: str = "us-east-1") -> int:
    app, loop, window = start()
    if sandbox:
        window.open_sandbox()
    elif endpoint:
        window.add_connection(ConnectionProfile(name=endpoint, kind="endpoint", region=region,
                                                endpoint_url=endpoint))
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    try:
        loop.run_until_complete(closed.wait())
    finally:
        window.shutdown()
        loop.close()
    return 0
