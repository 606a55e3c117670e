"""Paging through Query, Scan and PartiQL results, with a ledger of every request.

DynamoDB's `Limit` counts items *evaluated*, not matched: a filtered page can come back
empty and still carry a `LastEvaluatedKey`. A `Pager` therefore fills a batch by sending
as many requests as it takes to gather the items asked for (or to reach the end), and
records each request — Count, ScannedCount, consumed capacity, latency, retries — in its
ledger. Batches are remembered by the key they started from, so the user can go back.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
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


class _Pages:
    """Moving between batches: what Pager and ParallelPager share. Subclasses set
    `_index`, and provide `has_next` and `goto`."""

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


class Pager(_Pages):
    """Pages one Query, Scan or ExecuteStatement request.

    `request` is the client kwargs without the cursor. `limit` is the number of items the
    user wants in all (None: everything); it is never exceeded, because the last requests
    ask DynamoDB for no more than what is still wanted.
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
        items: list[Item] = []
        stats: list[RequestStats] = []
        seen: set[str] = set()  # keys met in this fill; new ground also checks older ones
        cursor = start
        while True:
            room = want - len(items)
            if new_ground and self.limit is not None:
                room = min(room, self.limit - self._delivered - len(items))
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
            self._delivered += len(items)
            limit_reached = self.limit is not None and self._delivered >= self.limit
            if cursor is not None and not limit_reached:
                self._starts.append(cursor)
        return Batch(items, tuple(stats), start, cursor, self._index)

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

    Batch i is the union of every segment's batch i, each segment asked for an equal
    share of the items wanted, so going back reads each segment again from where its
    batch i started. All segments write into one ledger (each line names its segment).
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

    @property
    def has_next(self) -> bool:
        return any(self._index + 1 < len(p._starts) for p in self.segments)

    async def goto(self, index: int, want: int) -> Batch:
        taking = [p for p in self.segments if index < len(p._starts)]
        if index < 0 or not taking:
            raise PagingError(f"There is no page {index + 1}.")
        share = max(1, -(-want // len(taking)))  # ceiling division
        batches = await asyncio.gather(*(p.goto(index, share) for p in taking))
        self._index = index
        items = [item for b in batches for item in b.items]
        requests = tuple(r for b in batches for r in b.requests)
        cursors = tuple(b.next for b in batches)
        return Batch(items, requests, tuple(b.start for b in batches),
                     cursors if any(c is not None for c in cursors) else None, index)
