"""The MFA code prompt: asked on the GUI thread while the SDK's worker thread waits."""

from __future__ import annotations

import asyncio
import concurrent.futures

from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

#: how long a worker waits for the user before giving up (the request then fails)
ANSWER_TIMEOUT_S = 300


class MfaPrompt:
    """A callable for `app.connections.set_mfa_prompter`: called on a worker thread with
    the MFA device's serial, it shows a dialog on the GUI thread (through the qasync
    loop) and returns the code typed, or "" when the user cancels."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.dialog: QInputDialog | None = None  # the one on screen, for tests

    def __call__(self, serial: str) -> str:
        future = asyncio.run_coroutine_threadsafe(self._ask(serial), self.loop)
        try:
            return future.result(timeout=ANSWER_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return ""

    async def _ask(self, serial: str) -> str:
        answered: asyncio.Future[str] = self.loop.create_future()
        dialog = QInputDialog(QApplication.activeWindow())
        dialog.setObjectName("mfaDialog")
        dialog.setWindowTitle("MFA code")
        dialog.setLabelText(f"Enter the current code of your MFA device\n{serial}")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.accepted.connect(lambda: answered.done() or answered.set_result(
            dialog.textValue().strip()))
        dialog.rejected.connect(lambda: answered.done() or answered.set_result(""))
        self.dialog = dialog
        dialog.open()
        try:
            return await answered
        finally:
            self.dialog = None
            dialog.deleteLater()
