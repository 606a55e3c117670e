"""The MFA prompt: a worker thread waits while the GUI thread asks the user."""

from __future__ import annotations

import threading

from ui.mfa import MfaPrompt

SERIAL = "arn:aws:iam::123456789012:mfa/dev"


def _ask_in_thread(prompt: MfaPrompt) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def worker() -> None:
        result["code"] = prompt(SERIAL)
        result["thread"] = threading.current_thread()

    thread = threading.Thread(target=worker)
    thread.start()
    return thread, result


def test_the_code_typed_reaches_the_waiting_worker(qtbot, qloop):
    prompt = MfaPrompt(qloop)
    thread, result = _ask_in_thread(prompt)
    qtbot.waitUntil(lambda: prompt.dialog is not None and prompt.dialog.isVisible(),
                    timeout=5000)
    assert SERIAL in prompt.dialog.labelText()
    prompt.dialog.setTextValue(" 123456 ")
    prompt.dialog.accept()
    qtbot.waitUntil(lambda: "code" in result, timeout=5000)
    thread.join(5)
    assert result["code"] == "123456"
    assert result["thread"] is not threading.main_thread()


def test_cancel_returns_nothing(qtbot, qloop):
    prompt = MfaPrompt(qloop)
    thread, result = _ask_in_thread(prompt)
    qtbot.waitUntil(lambda: prompt.dialog is not None and prompt.dialog.isVisible(),
                    timeout=5000)
    prompt.dialog.reject()
    qtbot.waitUntil(lambda: "code" in result, timeout=5000)
    thread.join(5)
    assert result["code"] == ""
    assert prompt.dialog is None
