"""Small questions asked of the user, as injectable callables (tests answer them)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

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


def open_question(parent: QWidget, name: str, title: str, text: str, detail: str, yes: str,
                  on_yes: Callable[[], None], *, no: str = "",
                  icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
                  on_close: Callable[[QMessageBox], None] | None = None
                  ) -> tuple[QMessageBox, QAbstractButton]:
    """Open a question without blocking the event loop: its `yes` button runs `on_yes`;
    the other one (Cancel, or `no`) is the default and Esc. `on_close(box)` runs once the
    box has closed, whichever way. Returns the box and its yes button."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName(name)
    box.setInformativeText(detail)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.DestructiveRole)
    no_button = (box.addButton(no, QMessageBox.ButtonRole.RejectRole) if no
                 else box.addButton(QMessageBox.StandardButton.Cancel))
    box.setDefaultButton(no_button)
    box.setEscapeButton(no_button)
    box.buttonClicked.connect(lambda button: on_yes() if button is yes_button else None)

    def closed(_result: int) -> None:
        if on_close is not None:
            on_close(box)
        box.deleteLater()

    box.finished.connect(closed)
    box.open()
    return box, yes_button
