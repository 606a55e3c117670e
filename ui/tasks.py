"""Coroutines started from widgets: kept alive, superseded by key, failures reported."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from app.errors import DynascopeError


class Tasks:
    """The asyncio tasks one widget has started on the qasync loop.

    `start(coro, key=...)` cancels the running task with the same key first, so a newer
    request supersedes an older one of the same view. A task's failure goes to
    `on_error` (a `DynascopeError`, or any other exception for a bug); a cancelled task
    reports nothing.
    """

    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self._on_error = on_error
        self._running: set[asyncio.Task] = set()
        self._by_key: dict[object, asyncio.Task] = {}

    def start(self, coro: Coroutine[Any, Any, Any], key: object = None) -> asyncio.Task:
        if key is not None:
            self.cancel(key)
        task = asyncio.ensure_future(coro)
        self._running.add(task)
        if key is not None:
            self._by_key[key] = task
        task.add_done_callback(lambda t: self._finished(t, key))
        return task

    def cancel(self, key: object) -> None:
        """Ask the task with `key` to stop; it counts as running until it has stopped."""
        old = self._by_key.get(key)
        if old is not None and not old.done():
            old.cancel()

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()

    def running(self, key: object) -> bool:
        task = self._by_key.get(key)
        return task is not None and not task.done()

    @property
    def active(self) -> int:
        return sum(1 for t in self._running if not t.done())

    def _finished(self, task: asyncio.Task, key: object) -> None:
        self._running.discard(task)
        if key is not None and self._by_key.get(key) is task:
            del self._by_key[key]
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._on_error(exc)


def user_message(exc: BaseException) -> tuple[str, str]:
    """(message, hint) for any exception: ours say it well; others are bugs, said plainly."""
    if isinstance(exc, DynascopeError):
        return exc.message, exc.hint
    return (f"Something went wrong inside Dynascope: {exc.__class__.__name__}: {exc}",
            "Nothing was changed. The details are in the log file.")
