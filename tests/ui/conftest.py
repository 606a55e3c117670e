"""UI fixtures: the real qasync loop under pytest-qt, and main windows that clean up."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import qasync


@pytest.fixture(scope="session")
def qloop(qapp) -> Iterator[qasync.QEventLoop]:
    """qasync's loop over pytest-qt's QApplication. qtbot's waits process Qt events,
    which is what runs the loop's callbacks; the loop counts as running throughout."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    loop.unhandled = []  # type: ignore[attr-defined]
    loop.set_exception_handler(lambda _loop, context: loop.unhandled.append(context))
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    qapp.processEvents()
    loop.stop()
    loop.close()
    asyncio.events._set_running_loop(None)


@pytest.fixture(autouse=True)
def no_unhandled_loop_errors(request) -> Iterator[None]:
    """An exception nobody handled on the loop fails the test that caused it."""
    if "qloop" not in request.fixturenames:
        yield
        return
    loop = request.getfixturevalue("qloop")
    loop.unhandled.clear()
    yield
    assert not loop.unhandled, f"unhandled errors on the event loop: {loop.unhandled}"


@pytest.fixture
def window(qtbot, qloop, tmp_path):
    """A main window whose own sandbox (if it starts one) lives apart from the shared one."""
    from ui.application import make_app
    from ui.main_window import MainWindow

    make_app()  # the application's name, style and icon, as the real app has them
    win = MainWindow(sandbox_region="eu-north-1", settings_path=tmp_path / "settings.json")
    qtbot.addWidget(win)
    win.show()
    yield win
    win.shutdown()


@pytest.fixture
def sandbox_items(window, qtbot, sandbox):
    """Open the sandbox in the window; `open_table(name)` selects a table, shows its
    Items tab, waits for the first page and returns the results panel."""
    conn = window.add_connection(sandbox.profile)
    qtbot.waitUntil(lambda: window.model.rowCount(conn) == 5, timeout=20_000)

    def open_table(name: str):
        window.tree.setCurrentIndex(window.model.find_table(0, name))
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.table_tabs
                        and window.details.title.text() == name, timeout=20_000)
        window.show_items()
        panel = window.results
        qtbot.waitUntil(lambda: panel.ledger.rowCount() > 0 and not panel.busy,
                        timeout=20_000)
        return panel

    return open_table
