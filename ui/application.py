"""The Qt application: the qasync event loop, the style, and errors shown, never dumped."""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.connections import ConnectionProfile, set_mfa_prompter
from app.logs import setup_logging

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


def run(sandbox: bool = False, endpoint: str | None = None, region: str = "us-east-1") -> int:
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
    window = MainWindow()
    window.show()
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
