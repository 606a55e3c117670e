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
