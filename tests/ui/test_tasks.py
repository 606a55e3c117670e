"""Tasks started from widgets: superseded by key, failures reported, cancels silent."""

from __future__ import annotations

import asyncio

from app.errors import AwsError
from ui.tasks import Tasks, user_message


def test_a_newer_task_with_the_same_key_supersedes_the_older(qtbot, qloop):
    errors: list[BaseException] = []
    tasks = Tasks(errors.append)
    results: list[str] = []

    async def job(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        results.append(name)

    old = tasks.start(job("old", 0.2), key="details")
    new = tasks.start(job("new", 0.01), key="details")
    other = tasks.start(job("other", 0.01), key="tree")
    qtbot.waitUntil(lambda: old.done() and new.done() and other.done(), timeout=5000)
    assert old.cancelled()
    assert sorted(results) == ["new", "other"]
    assert errors == []  # a cancelled task is not an error
    assert tasks.active == 0


def test_a_failure_reaches_the_handler_once(qtbot, qloop):
    errors: list[BaseException] = []
    tasks = Tasks(errors.append)

    async def fails() -> None:
        await asyncio.sleep(0)
        raise AwsError("Could not list the tables: denied.", "Ask for access.", "AccessDenied")

    task = tasks.start(fails(), key="x")
    qtbot.waitUntil(task.done, timeout=5000)
    assert len(errors) == 1 and isinstance(errors[0], AwsError)
    assert not tasks.running("x")
    assert user_message(errors[0]) == ("Could not list the tables: denied.", "Ask for access.")


def test_a_bug_is_reported_plainly():
    message, hint = user_message(ZeroDivisionError("division by zero"))
    assert message == "Something went wrong inside Dynascope: ZeroDivisionError: division by zero"
    assert "Nothing was changed" in hint


def test_cancel_all_stops_everything(qtbot, qloop):
    tasks = Tasks(lambda exc: None)
    started = [tasks.start(asyncio.sleep(10), key=k) for k in ("a", "b", None)]
    tasks.cancel_all()
    qtbot.waitUntil(lambda: all(t.done() for t in started), timeout=5000)
    assert all(t.cancelled() for t in started)
