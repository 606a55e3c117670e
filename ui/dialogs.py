"""Small questions asked of the user, as injectable callables (tests answer them)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QMessageBox, QWidget

#: confirm(title, text) -> True when the user said yes
Confirm = Callable[[str, str], bool]


def ask_confirm(parent: QWidget) -> Confirm:
    """A Yes/Cancel question box over `parent`, Cancel by default."""
    def confirm(title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text,
                                      QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes
    return confirm
