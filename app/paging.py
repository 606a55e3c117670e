"""Paging through Query, Scan and PartiQL results, with a ledger of every request.

DynamoDB's `Limit` counts items *evaluated*, not matched: a filtered page can come back
empty and still carry a `LastEvaluatedKey`. A `Pager` therefore fills a batch by sending
as many requests as it takes to gather the items asked for (or to reach the end), and
records each request — Count, ScannedCount, consumed capacity, latency, retries — in its
ledger. Batches are remembered by the key they started from, so the user can go back.

Interactive paging reads one batch at a time (`next_batch`, `previous_batch`, `goto`).
"Load all" uses `stream`: an async iterator of batches to the end, which for a parallel
scan lets every segment read on its own, each with a request in flight while the pages
of the others are decoded and shown.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.connections import Connection
from app.errors import DynascopeError

Item = dict[str, dict[str, Any]]

_METHODS = {"Query": "query", "Scan": "scan", "ExecuteStatement": "execute_statement"}


class PagingError(DynascopeError):
    """The endpoint's paging went wrong (a cursor that repeats itself)."""


@dataclass(frozen=True)
class Capacity:
    """Consumed capacity of one request: the total and its table and index parts."""

    total: Decimal = Decimal(0)
    table: Decimal | None = None
    indexes: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def parse(cls, raw: dict[str, Any] | list[dict[str, Any]] | None) -> Capacity | None:
        if not raw:
            return None
        if isinstance(raw, list):  # PartiQL and batch calls return one per table
            parts = [cls.parse(r) for r in raw]
            return sum((p for p in parts if p), cls())
        indexes = [(name, Decimal(str(v.get("CapacityUnits", 0))))
                   for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes")
                   for name, v in (raw.get(kind) or {}).items()]
        table = raw.get("Table")
        return cls(
            total=Decimal(str(raw.get("CapacityUnits", 0))),
            table=Decimal(str(table["CapacityUnits"])) if table else None,
            indexes=tuple(indexes),
        )

    def __add__(self, other: Capacity) -> Capacity:
        merged: dict[str, Decimal] = dict(self.indexes)
        for name, units in other.indexes:
            merged[name] = merged.get(name, Decimal(0)) + units
        table = None
        if self.table is not None or other.table is not None:
            table = (self.table or Decimal(0)) + (other.table or Decimal(0))
        return Capacity(self.total + other.total, table, tuple(sorted(merged.items())))


@dataclass(frozen=True)
class RequestStats:
    """One request's line in the ledger."""

    number: int  # 1-based within the run
    count: int
    scanned_count: int | None  # PartiQL does not say
    capacity: Capacity | None
    latency_s: float
    retry_attempts: int
    segment: int | None = None


@dataclass(frozen=True)
class Batch:
    """What one "page" of the UI shows: the items of one or more requests."""

    items: list[Item]
    requests: tuple[RequestStats, ...]
    start: Any  # the cursor this batch started from (None: the beginning)
    next: Any  # the cursor to continue from (None: the end)
    index: int  # 0-based position of the batch in the run

    @property
    def scanned(self) -> int:
        return sum(r.scanned_count or 0 for r in self.requests)


@dataclass
class Totals:
    requests: int = 0
    count: int = 0
    scanned: int = 0
    capacity: Capacity = field(default_factory=Capacity)
    latency_s: float = 0.0

    @property
    def ratio(self) -> float | None:
        """Items returned per item read: low means the filter threw most reads away."""
        return self.count / self.scanned if self.scanned else None


def _cursor_text(cursor: Any) -> str:
    return json.dumps(cursor, sort_keys=True, default=repr)


async def _stop(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel `tasks` and wait until every one has ended (a cancel of the caller while
    it waits is passed on once they have)."""
    for task in tasks:
        task.cancel()
    pending = [t for t in tasks if not t.done()]
    interrupted: asyncio.CancelledError | None = None
    while pending:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError as exc:
            interrupted = exc
        pending = [t for t in pending if not t.done()]
    if interrupted is not None:
        raise interrupted


async def _together(coros: Sequence[Coroutine[Any, Any, Batch]]) -> list[Batch]:
    """Run `coros` side by side; the first failure cancels the others (none is left
    running) and is raised as it is."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        await _stop(tasks)
        raise


class _Pages:
    """Moving between batches: what Pager and ParallelPager share. Subclasses set
    `_index`, and provide `has_next`, `goto` and `stream`."""

    _index: int

    @property
    def index(self) -> int:
        """The batch shown now (0-based; -1 before the first)."""
        return self._index

    @property
    def has_next(self) -> bool:
        raise NotImplementedError

    @property
    def has_previous(self) -> bool:
        return self._index > 0

    async def goto(self, index: int, want: int) -> Batch:
        raise NotImplementedError

    async def next_batch(self, want: int) -> Batch:
        """The batch after the one shown now: up to `want` items (fewer only at the end
        or at the limit)."""
        if not self.has_next:
            raise PagingError("There is no next page.")
        return await self.goto(self._index + 1, want)

    async def previous_batch(self, want: int) -> Batch:
        """The batch before the one shown now, read again from the cursor it started at."""
        if not self.has_previous:
            raise PagingError("There is no previous page.")
        return await self.goto(self._index - 1, want)

    def stream(self, want: int) -> AsyncIterator[Batch]:
        """Every batch after the one shown now, to the end, as each is read: "Load all".
        Close the iterator when leaving early (`contextlib.aclosing`); closed or
        cancelled, it leaves no task running and the pager at the last batch it gave."""
        raise NotImplementedError


class Pager(_Pages):
    """Pages one Query, Scan or ExecuteStatement request.

    `request` is the client kwargs without the cursor. `limit` is the number of items the
    user wants in all (None: everything); it is never exceeded, because the last requests
    ask DynamoDB for no more than what is still wanted.

    A batch read again (going back) is read as it was read the first time, whatever
    `want` is now: the same requests from the same cursor, so it ends where the next
    batch starts and no item is skipped when the page size changed (or "Load all" read
    bigger batches) meanwhile.
    """

    def __init__(self, conn: Connection, operation: str, request: dict[str, Any],
                 limit: int | None = None, clock: Callable[[], float] = time.perf_counter,
                 ledger: list[RequestStats] | None = None, totals: Totals | None = None):
        if operation not in _METHODS:
            raise ValueError(f"cannot page {operation}")
        self.conn = conn
        self.operation = operation
        self.request = dict(request)
        self.limit = limit
        self.ledger: list[RequestStats] = [] if ledger is None else ledger
        self.totals = Totals() if totals is None else totals
        self._clock = clock
        self._starts: list[Any] = [None]  # the cursor each known batch starts from
        self._index = -1  # the batch shown now
        self._fetched = 0  # batches read for the first time (new ground)
        self._seen: set[str] = set()
        self._delivered = 0  # items of new ground handed out, for `limit`
        self._wants: list[int] = []  # the items each batch read asked for, to read it again

    @property
    def _cursor_in(self) -> str:
        return "NextToken" if self.operation == "ExecuteStatement" else "ExclusiveStartKey"

    @property
    def _cursor_out(self) -> str:
        return "NextToken" if self.operation == "ExecuteStatement" else "LastEvaluatedKey"

    @property
    def has_next(self) -> bool:
        return self._index + 1 < len(self._starts)

    async def goto(self, index: int, want: int) -> Batch:
        """Batch `index` (0-based): read again if it was seen, read first if it is next."""
        if not 0 <= index < len(self._starts):
            raise PagingError(f"There is no page {index + 1}.")
        shown = self._index
        self._index = index
        try:
            return await self._fill(want)
        except BaseException:  # cancelled or failed: the page shown is still the old one
            self._index = shown
            raise

    async def _fill(self, want: int) -> Batch:
        start = self._starts[self._index]
        new_ground = self._index == self._fetched
        if not new_ground:
            want = self._wants[self._index]
        elif self.limit is not None:
            want = min(want, self.limit - self._delivered)
        items: list[Item] = []
        stats: list[RequestStats] = []
        seen: set[str] = set()  # keys met in this fill; new ground also checks older ones
        cursor = start
        while True:
            room = want - len(items)
            if room <= 0:
                break
            page_items, cursor, line = await self._request(cursor, room, seen, new_ground)
            items.extend(page_items)
            stats.append(line)
            if cursor is None:
                break
        if new_ground:
            self._seen |= seen
            self._fetched += 1
            self._wants.append(want)
            self._delivered += len(items)
            limit_reached = self.limit is not None and self._delivered >= self.limit
            if cursor is not None and not limit_reached:
                self._starts.append(cursor)
        return Batch(items, tuple(stats), start, cursor, self._index)

    async def stream(self, want: int) -> AsyncIterator[Batch]:
        """`next_batch(want)` until there is none: each batch is yielded as it arrives."""
        while self.has_next:
            yield await self.next_batch(want)

    async def _request(self, cursor: Any, room: int, seen: set[str],
                       new_ground: bool) -> tuple[list[Item], Any, RequestStats]:
        kwargs = dict(self.request)
        if cursor is not None:
            kwargs[self._cursor_in] = cursor
        # Never ask for more than is still wanted: the cursor then stays exact.
        kwargs["Limit"] = min(kwargs.get("Limit", room), room)
        began = self._clock()
        response = await self.conn.call(_METHODS[self.operation],
                                        f"run the {self.operation}", **kwargs)
        latency = self._clock() - began
        following = response.get(self._cursor_out)
        if following is not None:
            key = _cursor_text(following)
            repeated = key in seen or (new_ground and key in self._seen)
            if repeated or following == cursor:
                raise PagingError(
                    f"The {self.operation} stopped: the endpoint returned the same "
                    "continuation key twice, so paging would never end.",
                    "This is a bug in the endpoint; the items shown so far are complete "
                    "up to that point.")
            seen.add(key)
        items = response.get("Items", [])
        line = RequestStats(
            number=len(self.ledger) + 1,
            count=response.get("Count", len(items)),
            scanned_count=response.get("ScannedCount"),
            capacity=Capacity.parse(response.get("ConsumedCapacity")),
            latency_s=latency,
            retry_attempts=response.get("ResponseMetadata", {}).get("RetryAttempts", 0),
            segment=kwargs.get("Segment"),
        )
        self.ledger.append(line)
        t = self.totals
        t.requests += 1
        t.count += line.count
        t.scanned += line.scanned_count or 0
        t.latency_s += latency
        if line.capacity:
            t.capacity = t.capacity + line.capacity
        await asyncio.sleep(0)  # a cancelled run stops here, between requests
        return items, following, line


class ParallelPager(_Pages):
    """A parallel Scan: one `Pager` per segment, read side by side.

    Each batch of the run is a list of (segment, batch of that segment) parts, kept so
    that going back reads exactly those segment batches again (each as it was first
    read). `goto` on new ground (Next) reads the next unread batch of every segment
    that has one, each asked for an equal share of the items wanted, side by side.
    `stream` ("Load all") lets each segment read its own batches, of all the items
    wanted each (the requests one segment alone would send), and makes every segment
    batch a batch of the run as it arrives. All segments write into one ledger (each
    line names its segment) and one set of totals.
    """

    operation = "Scan"

    def __init__(self, conn: Connection, requests: list[dict[str, Any]],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        if len(requests) < 2:
            raise ValueError("a parallel scan has at least two segments")
        self.conn = conn
        self.ledger: list[RequestStats] = []
        self.totals = Totals()
        self.segments = [Pager(conn, "Scan", r, clock=clock, ledger=self.ledger,
                               totals=self.totals) for r in requests]
        self._index = -1
        #: per batch of the run: the (segment, that segment's batch index) it is made of
        self._parts: list[tuple[tuple[int, int], ...]] = []
        #: per segment: its first batch that is in no part yet (read next on new ground)
        self._heads = [0] * len(self.segments)

    def _unread(self) -> list[int]:
        """The segments with a batch that is in no batch of the run yet."""
        return [s for s, p in enumerate(self.segments) if self._heads[s] < len(p._starts)]

    def _take(self, part: tuple[tuple[int, int], ...]) -> int:
        """Record a new batch of the run made of `part`; its index."""
        self._parts.append(part)
        for s, k in part:
            self._heads[s] = k + 1
        return len(self._parts) - 1

    @staticmethod
    def _merge(batches: Sequence[Batch], index: int) -> Batch:
        items = [item for b in batches for item in b.items]
        requests = tuple(r for b in batches for r in b.requests)
        cursors = tuple(b.next for b in batches)
        return Batch(items, requests, tuple(b.start for b in batches),
                     cursors if any(c is not None for c in cursors) else None, index)

    @property
    def has_next(self) -> bool:
        return self._index + 1 < len(self._parts) or bool(self._unread())

    async def goto(self, index: int, want: int) -> Batch:
        """Batch `index` of the run: read again if it was seen, read first if it is next.
        Failed or cancelled, no segment is left reading and the batch shown stays."""
        if 0 <= index < len(self._parts):
            part = self._parts[index]
            batches = await _together([self.segments[s].goto(k, want) for s, k in part])
        elif index == len(self._parts) and (unread := self._unread()):
            share = max(1, -(-want // len(unread)))  # ceiling division
            part = tuple((s, self._heads[s]) for s in unread)
            # A segment whose batch was read but whose part was never recorded (the
            # others failed or were cancelled) reads it again: nothing is lost.
            batches = await _together([self.segments[s].goto(k, share) for s, k in part])
            self._take(part)
        else:
            raise PagingError(f"There is no page {index + 1}.")
        self._index = index
        return self._merge(batches, index)

    async def stream(self, want: int) -> AsyncIterator[Batch]:
        """Every batch after the one shown now, to the end, as each is read.

        Batches of the run already known (the user went back) are read again first, as
        `goto` does. Then every segment with unread batches runs its own loop in a task,
        reading batches of `want` items; each segment batch becomes the next batch of
        the run (its `start`/`next` are 1-tuples) and is yielded in the order they
        arrive. `index` is always the last batch yielded, so at the end `has_next` is
        False and going back moves through the segment batches one by one.

        An error in one segment cancels the others and is raised here. Closed or
        cancelled, the iterator cancels every segment's task and waits for them to end;
        batches read but not yet yielded stay batches of the run after `index` (Next
        reads them again), and a segment batch cut off half-way is read again later.
        """
        while self._index + 1 < len(self._parts):  # known batches after the one shown
            yield await self.goto(self._index + 1, want)
        arrived: asyncio.Queue[tuple[int, Batch] | BaseException | None] = asyncio.Queue()

        async def read(s: int) -> None:
            pager = self.segments[s]
            try:
                while self._heads[s] < len(pager._starts):
                    k = self._heads[s]
                    batch = await pager.goto(k, want)
                    arrived.put_nowait((self._take(((s, k),)), batch))
            except BaseException as exc:  # the iterator raises it (and stops the others)
                arrived.put_nowait(exc)
                if not isinstance(exc, Exception):
                    raise  # cancelled (by the iterator, which no longer reads the queue)
            else:
                arrived.put_nowait(None)  # this segment is at its end

        tasks = [asyncio.create_task(read(s)) for s in self._unread()]
        try:
            running = len(tasks)
            while running:
                got = await arrived.get()
                if got is None:
                    running -= 1
                elif isinstance(got, BaseException):
                    raise got
                else:
                    index, batch = got
                    self._index = index
                    yield self._merge([batch], index)
        finally:
            await _stop(tasks)
