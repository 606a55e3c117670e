"""DynamoDB Streams: the shard tree, iterators, reading history and tailing live changes.

A table's stream is a set of shards. Each shard holds the changes of part of the table
for a few hours and then closes (it gets an EndingSequenceNumber) and hands over to its
child shards. Records of one item are in order within a shard, and a parent's records come
before its children's, so shards are always read parents first.

- `describe_stream` lists the shards page by page (DescribeStream with
  ExclusiveStartShardId) into a `StreamInfo` whose shards are ordered parents first.
- `ShardReader` reads one shard with GetRecords, following NextShardIterator. A closed
  shard ends when NextShardIterator is absent. An iterator expires after 15 minutes; the
  reader then takes a new one AFTER_SEQUENCE_NUMBER of the last record it read (or from
  where it started, if it read nothing), so no record is lost or repeated.
- `read_all` / `history` read every shard from TRIM_HORIZON; `Tail` polls the open shards
  (from LATEST, or after the last records seen) and backs off while nothing is new.

Records keep their AttributeValues exactly as the streams client returns them (already in
the low-level client's shape: numbers as strings, binary as bytes).

The stream has its own endpoint ("dynamodbstreams"); `streams_client` makes that client
on the connection's own session, so an MFA or SSO sign-in is shared, not asked twice.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import random
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.connections import Connection, ConnectionProfile, connect, run_blocking
from app.errors import AwsError, DynascopeError, describe

Item = dict[str, dict[str, Any]]

TRIM_HORIZON = "TRIM_HORIZON"
LATEST = "LATEST"
AT_SEQUENCE_NUMBER = "AT_SEQUENCE_NUMBER"
AFTER_SEQUENCE_NUMBER = "AFTER_SEQUENCE_NUMBER"
ITERATOR_TYPES = (TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER)

KEYS_ONLY = "KEYS_ONLY"
NEW_IMAGE = "NEW_IMAGE"
OLD_IMAGE = "OLD_IMAGE"
NEW_AND_OLD_IMAGES = "NEW_AND_OLD_IMAGES"
VIEW_TYPES = (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES)

EVENTS = ("INSERT", "MODIFY", "REMOVE")

#: DynamoDB's maximum for DescribeStream's Limit
SHARD_PAGE_SIZE = 100
#: DynamoDB's maximum for GetRecords' Limit
RECORD_PAGE_SIZE = 1000
#: Empty pages in a row after which reading an open shard's history stops ("it might take
#: multiple calls to get to a portion of the shard that contains stream records")
IDLE_PAGES = 3

#: What the confirmation dialogs say before the stream is changed.
DISABLE_NOTE = (
    "Disabling the stream stops recording changes. Records already in it stay readable for "
    "24 hours; anything that reads the stream (Lambda triggers, replication) stops "
    "receiving changes."
)
ENABLE_NOTE = (
    "Enabling the stream starts a new stream with a new ARN; it records changes made from "
    "now on, never earlier ones."
)
VIEW_TYPE_NOTE = (
    "DynamoDB cannot change the view type of a live stream: the stream is disabled and a "
    "new one enabled with the new view type. Readers of the old stream stop receiving "
    "changes, and changes made in between are not recorded."
)


class StreamError(DynascopeError):
    """A stream could not be found, read or changed."""


class NoStream(StreamError):
    """The table has no stream."""


# ------------------------------------------------------------------ the streams client

class StreamsClient:
    """The "dynamodbstreams" client of one connection, on the connection's own session
    (the same credentials, MFA sign-in and endpoint), made on first use off the calling
    thread when through `call` (making it can resolve credentials, which can block).

    `binary_twice` is for the embedded sandbox: moto's server (5.1) base64-encodes binary
    values in stream records twice, so they are decoded once more (`_undo_double_base64`).
    """

    def __init__(self, conn: Connection, *, fresh: bool = False,
                 binary_twice: bool | None = None) -> None:
        self.conn = conn
        self.profile = conn.profile
        self.binary_twice = (conn.profile.kind == "sandbox" if binary_twice is None
                             else binary_twice)
        self._fresh = fresh
        self._client: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"StreamsClient({self.profile.name!r})"

    @property
    def client(self) -> Any:
        """The boto3 client (made now if needed: from the GUI thread use `call`)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self.conn.service_client("dynamodbstreams",
                                                            fresh=self._fresh)
        return self._client

    async def call(self, operation: str, action: str, **kwargs: Any) -> dict:
        """Run one Streams operation off the calling thread; errors as `DynascopeError`."""
        try:
            return await run_blocking(lambda: getattr(self.client, operation)(**kwargs))
        except Exception as exc:  # every failure becomes a sentence for the user
            raise describe(exc, action) from exc


_SHARED: weakref.WeakKeyDictionary[Connection, StreamsClient] = weakref.WeakKeyDictionary()
_SHARED_LOCK = threading.Lock()


def streams_client(source: Connection | ConnectionProfile, *,
                   shared: bool = True) -> StreamsClient:
    """The Streams client for a connection (or a profile, which gets a connection of its
    own). Makes no network call and resolves no credentials here.

    One is shared per connection; `shared=False` makes a new one with a boto3 client of
    its own (tests inject faults into it).
    """
    conn = source if isinstance(source, Connection) else connect(source)
    if not shared:
        return StreamsClient(conn, fresh=True)
    with _SHARED_LOCK:
        found = _SHARED.get(conn)
        if found is None:
            found = _SHARED[conn] = StreamsClient(conn)
        return found


# ------------------------------------------------------------------ shards

@dataclass(frozen=True)
class Shard:
    shard_id: str
    parent_id: str | None
    starting_sequence: str
    ending_sequence: str | None = None

    @property
    def open(self) -> bool:
        """Still receiving records (no EndingSequenceNumber yet)."""
        return self.ending_sequence is None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> Shard:
        numbers = raw.get("SequenceNumberRange") or {}
        return cls(raw["ShardId"], raw.get("ParentShardId"),
                   numbers.get("StartingSequenceNumber", ""),
                   numbers.get("EndingSequenceNumber"))


def _sequence_key(sequence: str | None) -> tuple[int, str]:
    text = sequence or ""
    return (int(text), text) if text.isdigit() else (-1, text)


def order_shards(shards: Iterable[Shard]) -> tuple[Shard, ...]:
    """Parents before children, as a depth-first walk of the shard tree (so the order
    is also the order to draw the tree in). Shards whose parent is not in the list (it
    was trimmed after 24 hours) are roots; siblings go by starting sequence number."""
    unique = {s.shard_id: s for s in shards}
    children: dict[str | None, list[Shard]] = {}
    for s in unique.values():
        parent = s.parent_id if s.parent_id in unique and s.parent_id != s.shard_id else None
        children.setdefault(parent, []).append(s)
    for kids in children.values():
        kids.sort(key=lambda s: (_sequence_key(s.starting_sequence), s.shard_id))
    out: list[Shard] = []
    seen: set[str] = set()

    def walk(parent: str | None) -> None:
        stack = list(reversed(children.get(parent, [])))
        while stack:
            s = stack.pop()
            if s.shard_id in seen:
                continue
            seen.add(s.shard_id)
            out.append(s)
            stack.extend(reversed(children.get(s.shard_id, [])))

    walk(None)
    # A cycle of parents (never seen from DynamoDB) has no root: list it all the same.
    for s in sorted(unique.values(), key=lambda s: _sequence_key(s.starting_sequence)):
        if s.shard_id not in seen:
            seen.add(s.shard_id)
            out.append(s)
            for kid in children.get(s.shard_id, []):
                if kid.shard_id not in seen:
                    seen.add(kid.shard_id)
                    out.append(kid)
    return tuple(out)


@dataclass(frozen=True)
class StreamInfo:
    """DescribeStream, all pages: the stream and its shards (parents before children)."""

    arn: str
    label: str
    status: str  # ENABLING, ENABLED, DISABLING, DISABLED
    view_type: str
    table: str
    created: datetime | None
    shards: tuple[Shard, ...]

    @property
    def open_shards(self) -> tuple[Shard, ...]:
        return tuple(s for s in self.shards if s.open)

    def shard(self, shard_id: str) -> Shard | None:
        return next((s for s in self.shards if s.shard_id == shard_id), None)

    def children(self, shard_id: str) -> tuple[Shard, ...]:
        return tuple(s for s in self.shards if s.parent_id == shard_id)

    def depth(self, shard_id: str) -> int:
        """0 for a root, 1 for its children, ...: the indent in the shard tree."""
        ids = {s.shard_id: s for s in self.shards}
        depth, seen = 0, {shard_id}
        shard = ids.get(shard_id)
        while shard and shard.parent_id in ids and shard.parent_id not in seen:
            seen.add(shard.parent_id)
            shard = ids[shard.parent_id]
            depth += 1
        return depth


def _aware(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return None


async def stream_arn(conn: Connection, table: str) -> str:
    """The table's latest stream ARN (still readable for 24 hours after it was disabled)."""
    raw = await conn.call("describe_table", f"describe table {table}", TableName=table)
    arn = raw["Table"].get("LatestStreamArn")
    if not arn:
        raise NoStream(f"Table {table} has no stream.",
                       "Enable the stream in the Streams tab to record changes from now on.")
    return arn


async def describe_stream(streams: StreamsClient, arn: str, page_size: int = SHARD_PAGE_SIZE,
                          progress: Callable[[int], None] | None = None) -> StreamInfo:
    """The stream and all its shards, read page by page (`progress(shards so far)`)."""
    shards: list[Shard] = []
    start: str | None = None
    seen: set[str] = set()
    while True:
        kwargs: dict[str, Any] = {"StreamArn": arn, "Limit": page_size}
        if start:
            kwargs["ExclusiveStartShardId"] = start
        raw = await streams.call("describe_stream", "describe the stream", **kwargs)
        d = raw["StreamDescription"]
        shards.extend(Shard.parse(s) for s in d.get("Shards", []))
        if progress:
            progress(len(shards))
        start = d.get("LastEvaluatedShardId")
        if not start:
            break
        if start in seen:
            raise StreamError("Listing the stream's shards stopped: the endpoint returned "
                              "the same page twice.",
                              "This is a bug in the endpoint; the shards listed so far "
                              "are shown.")
        seen.add(start)
    return StreamInfo(
        arn=d.get("StreamArn", arn), label=d.get("StreamLabel", ""),
        status=d.get("StreamStatus", ""), view_type=d.get("StreamViewType", ""),
        table=d.get("TableName", ""), created=_aware(d.get("CreationRequestDateTime")),
        shards=order_shards(shards))


async def get_iterator(streams: StreamsClient, arn: str, shard_id: str,
                       kind: str = TRIM_HORIZON, sequence: str | None = None) -> str:
    """A shard iterator of any type (AT/AFTER_SEQUENCE_NUMBER need `sequence`)."""
    if kind not in ITERATOR_TYPES:
        raise StreamError(f"{kind!r} is not a shard iterator type; use one of "
                          f"{', '.join(ITERATOR_TYPES)}.")
    kwargs: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id, "ShardIteratorType": kind}
    if kind in (AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER):
        if not sequence:
            raise StreamError(f"A {kind} iterator needs a sequence number.")
        kwargs["SequenceNumber"] = sequence
    raw = await streams.call("get_shard_iterator", f"open shard {shard_id}", **kwargs)
    return raw["ShardIterator"]


# ------------------------------------------------------------------ records

def _unwrap(data: Any) -> Any:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError):
        return data


def _undo_double_base64(value: dict[str, Any]) -> dict[str, Any]:
    """Binary as the sandbox (moto) sends it in stream records: base64 text of base64."""
    (kind, payload), = value.items()
    if kind == "B":
        return {"B": _unwrap(payload)}
    if kind == "BS":
        return {"BS": [_unwrap(m) for m in payload]}
    if kind == "L":
        return {"L": [_undo_double_base64(v) for v in payload]}
    if kind == "M":
        return {"M": {k: _undo_double_base64(v) for k, v in payload.items()}}
    return value


def _image(raw: Any, binary_twice: bool = False) -> Item | None:
    # moto sends an empty OldImage for INSERT (and NewImage for REMOVE); DynamoDB omits it.
    if not raw:
        return None
    if binary_twice:
        return {name: _undo_double_base64(v) for name, v in raw.items()}
    return dict(raw)


@dataclass(frozen=True)
class Record:
    """One change: INSERT, MODIFY or REMOVE of the item with `keys`."""

    event_id: str
    event_name: str
    created: datetime | None
    keys: Item
    old_image: Item | None
    new_image: Item | None
    sequence_number: str
    size_bytes: int
    shard_id: str
    view_type: str = ""
    #: who made the change when it was not a user: "dynamodb.amazonaws.com" for TTL
    principal: str = ""

    @property
    def by_ttl(self) -> bool:
        """A deletion made by the TTL process, not by a user."""
        return self.event_name == "REMOVE" and self.principal == "dynamodb.amazonaws.com"

    @property
    def sequence(self) -> int:
        return _sequence_key(self.sequence_number)[0]

    @classmethod
    def parse(cls, raw: Mapping[str, Any], shard_id: str,
              binary_twice: bool = False) -> Record:
        """A record from GetRecords' response (see `StreamsClient.binary_twice`)."""
        d = raw.get("dynamodb") or {}
        identity = raw.get("userIdentity") or {}
        return cls(
            event_id=raw.get("eventID", ""),
            event_name=raw.get("eventName", ""),
            created=_aware(d.get("ApproximateCreationDateTime")),
            keys=_image(d.get("Keys"), binary_twice) or {},
            old_image=_image(d.get("OldImage"), binary_twice),
            new_image=_image(d.get("NewImage"), binary_twice),
            sequence_number=d.get("SequenceNumber", ""),
            size_bytes=int(d.get("SizeBytes", 0)),
            shard_id=shard_id,
            view_type=d.get("StreamViewType", ""),
            principal=identity.get("principalId", ""),
        )


class ShardReader:
    """Reads one shard page by page with GetRecords, following NextShardIterator.

    It starts at `start` (an iterator type; `sequence` for AT/AFTER_SEQUENCE_NUMBER).
    `ended` turns true when a closed shard has been read to its end (or the shard is gone).
    An expired iterator is replaced by one AFTER_SEQUENCE_NUMBER of the last record read;
    if nothing was read yet, by the starting position again (a LATEST reader then re-reads
    from TRIM_HORIZON and skips what was written before it started, so the records written
    while it stalled are not lost). Data trimmed away (older than 24 hours) restarts the
    reader at TRIM_HORIZON and sets `trimmed`.
    """

    #: an iterator that expires again at once this many times in a row is an error
    MAX_RECOVERIES = 3

    def __init__(self, streams: StreamsClient, arn: str, shard_id: str,
                 start: str = TRIM_HORIZON, sequence: str | None = None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        if start not in ITERATOR_TYPES:
            raise StreamError(f"{start!r} is not a shard iterator type.")
        self.streams, self.arn, self.shard_id = streams, arn, shard_id
        self.start, self.start_sequence = start, sequence
        self._now = now
        self._iterator: str | None = None
        self._since: datetime | None = None
        self._started_at: datetime | None = None
        self.last_sequence: str | None = None
        self.ended = False
        self.gone = False
        self.trimmed = False
        self.recoveries = 0
        self.pages = 0

    async def _open(self, kind: str, sequence: str | None) -> None:
        try:
            self._iterator = await get_iterator(self.streams, self.arn, self.shard_id, kind,
                                                sequence)
        except AwsError as err:
            if err.code == "TrimmedDataAccessException" and kind != TRIM_HORIZON:
                self.trimmed = True
                self._iterator = await get_iterator(self.streams, self.arn, self.shard_id)
            elif err.code == "ResourceNotFoundException":
                self.ended = self.gone = True  # the shard aged out of the stream
            else:
                raise

    async def open(self) -> None:
        """Get the first iterator now (reading does it when needed)."""
        if self._iterator is None and not self.ended:
            self._started_at = self._now()
            await self._open(self.start, self.start_sequence)

    async def _reopen(self) -> None:
        if self.last_sequence is not None:
            await self._open(AFTER_SEQUENCE_NUMBER, self.last_sequence)
        elif self.start == LATEST:
            # Nothing read yet: read from the oldest record on, skipping anything older
            # than the reader (creation times are rounded to the second, so keep it).
            started = self._started_at or self._now()
            self._since = started.replace(microsecond=0) - timedelta(seconds=1)
            await self._open(TRIM_HORIZON, None)
        else:
            await self._open(self.start, self.start_sequence)

    async def next_page(self, limit: int = RECORD_PAGE_SIZE) -> list[Record]:
        """The next page of records (possibly empty); [] once `ended`."""
        if self.ended:
            return []
        await self.open()
        failures = 0
        while not self.ended:
            try:
                raw = await self.streams.call("get_records", f"read shard {self.shard_id}",
                                              ShardIterator=self._iterator, Limit=limit)
                break
            except AwsError as err:
                if err.code not in ("ExpiredIteratorException", "TrimmedDataAccessException"):
                    raise
                failures += 1
                if failures > self.MAX_RECOVERIES:
                    raise StreamError(
                        f"Could not read shard {self.shard_id}: its iterator keeps "
                        "expiring.", "Check this computer's clock, then read again.") from err
                self.recoveries += 1
                if err.code == "TrimmedDataAccessException":
                    self.trimmed = True
                    await self._open(TRIM_HORIZON, None)
                else:
                    await self._reopen()
        else:
            return []
        self.pages += 1
        twice = self.streams.binary_twice
        records = [Record.parse(r, self.shard_id, twice) for r in raw.get("Records", [])]
        if records:
            self.last_sequence = records[-1].sequence_number
        if self._since is not None:
            records = [r for r in records if r.created is None or r.created >= self._since]
        following = raw.get("NextShardIterator")
        if following:
            self._iterator = following
        else:
            self.ended = True
        return records


# ------------------------------------------------------------------ history

@dataclass(frozen=True)
class ReadProgress:
    shards_done: int
    shards_total: int
    records: int
    shard_id: str


async def history(streams: StreamsClient, arn: str, *, info: StreamInfo | None = None,
                  page_size: int = RECORD_PAGE_SIZE, idle_pages: int = IDLE_PAGES,
                  progress: Callable[[ReadProgress], None] | None = None,
                  ) -> AsyncIterator[list[Record]]:
    """Every record in the stream, page by page: each shard from TRIM_HORIZON, parents
    before children. A closed shard is read to its end; an open one has no end yet, and
    GetRecords may return empty pages before the records further on, so it is read until
    `idle_pages` pages in a row come back empty. Cancel the consuming task to stop.
    """
    if info is None:
        info = await describe_stream(streams, arn)
    total = len(info.shards)
    count = 0
    for done, shard in enumerate(info.shards):
        reader = ShardReader(streams, arn, shard.shard_id, TRIM_HORIZON)
        idle = 0
        while not reader.ended:
            page = await reader.next_page(page_size)
            if page:
                idle = 0
                count += len(page)
                if progress:
                    progress(ReadProgress(done, total, count, shard.shard_id))
                yield page
            elif shard.open and not reader.ended:
                idle += 1
                if idle >= idle_pages:
                    break
        if progress:
            progress(ReadProgress(done + 1, total, count, shard.shard_id))


async def read_all(streams: StreamsClient, arn: str, *, info: StreamInfo | None = None,
                   limit: int | None = None, page_size: int = RECORD_PAGE_SIZE,
                   idle_pages: int = IDLE_PAGES,
                   progress: Callable[[ReadProgress], None] | None = None) -> list[Record]:
    """The stream's history as one list (at most `limit` records), parents' shards first."""
    out: list[Record] = []
    pages = history(streams, arn, info=info, page_size=page_size, progress=progress,
                    idle_pages=idle_pages)
    try:
        async for page in pages:
            out.extend(page)
            if limit is not None and len(out) >= limit:
                del out[limit:]
                break
    finally:
        await pages.aclose()
    return out


# ------------------------------------------------------------------ live tail

@dataclass
class Backoff:
    """Capped exponential delays with a little jitter: `first`, doubling, up to `cap`."""

    first: float = 0.25
    cap: float = 2.0
    factor: float = 2.0
    jitter: float = 0.1
    rnd: random.Random = field(default_factory=random.Random, repr=False)
    _next: float | None = field(default=None, init=False, repr=False)

    def reset(self) -> None:
        self._next = None

    def next(self) -> float:
        delay = self.first if self._next is None else self._next
        self._next = min(self.cap, delay * self.factor)
        spread = delay * self.jitter
        return max(0.0, delay + (self.rnd.uniform(-spread, spread) if spread else 0.0))


Sleep = Callable[[float], Awaitable[Any]]


def plan_tail(shards: Iterable[Shard], *, active: set[str], finished: set[str],
              skipped: set[str], after: Mapping[str, str], first: bool,
              ) -> tuple[dict[str, tuple[str, str | None]], set[str]]:
    """Which shards a live tail starts reading now, and from where.

    `active` shards are being read, `finished` were read to their end, `skipped` were
    left out as history; `after` maps shards to the last sequence number already seen;
    `first` is true for the tail's first listing. Returns the readers to start
    (``{shard_id: (iterator type, sequence number)}``) and the shards to skip:

    - a shard in `after` continues AFTER_SEQUENCE_NUMBER of it;
    - a shard waits while its parent is still to be read to its end (order per item);
    - the successor of a shard read to its end (or of one in `after`), and any shard that
      appears after the first listing, is news from its first record: TRIM_HORIZON;
    - otherwise, at the first listing, an open shard starts at LATEST and a closed one is
      history, skipped.
    """
    ordered = order_shards(shards)
    known = {s.shard_id: s for s in ordered}

    def descends_from_after(shard: Shard) -> bool:
        seen: set[str] = set()
        parent = shard.parent_id
        while parent and parent not in seen:
            if parent in after:
                return True
            seen.add(parent)
            parent = known[parent].parent_id if parent in known else None
        return False

    starts: dict[str, tuple[str, str | None]] = {}
    skip: set[str] = set()
    waiting: set[str] = set()
    for shard in ordered:
        sid, parent = shard.shard_id, shard.parent_id
        if sid in active or sid in finished or sid in skipped:
            continue
        if sid in after:
            starts[sid] = (AFTER_SEQUENCE_NUMBER, after[sid])
        elif parent is not None and (parent in active or parent in starts or parent in waiting):
            waiting.add(sid)  # read the parent to its end first
        elif parent in finished or descends_from_after(shard) or not first:
            starts[sid] = (TRIM_HORIZON, None)
        elif shard.open:
            starts[sid] = (LATEST, None)
        else:
            skip.add(sid)
    return starts, skip


class Tail:
    """A live tail over all open shards, as an async iterator of record batches.

    ``async for batch in Tail(streams, arn): ...`` yields each non-empty batch of new
    records (shard by shard, in sequence order). It starts at LATEST, or after the last
    record seen for the shards in `after` (``{shard_id: sequence_number}``, e.g. a former
    tail's `positions`). While nothing is new it sleeps with capped backoff (`sleep` and
    `clock` can be replaced in tests). When a shard closes, its children are read from
    TRIM_HORIZON once it is finished. `stop()` ends the iteration (also during a sleep);
    cancelling the consuming task works too. It also ends by itself once the stream is
    disabled and its last shards are read.
    """

    def __init__(self, streams: StreamsClient, arn: str, *,
                 after: Mapping[str, str] | None = None, backoff: Backoff | None = None,
                 sleep: Sleep = asyncio.sleep, clock: Callable[[], float] = time.monotonic,
                 refresh_s: float = 60.0, page_size: int = RECORD_PAGE_SIZE,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.streams, self.arn = streams, arn
        self.backoff = backoff or Backoff()
        self.page_size = page_size
        self.refresh_s = refresh_s
        self._after = dict(after or {})
        self._sleep, self._clock, self._now = sleep, clock, now
        self._readers: dict[str, ShardReader] = {}
        self._finished: set[str] = set()  # read to their end
        self._skipped: set[str] = set()  # closed before the tail began: history, not news
        self._pending: list[Record] = []
        self._stop = asyncio.Event()
        self._started = False
        self._listed = False
        self._refreshed_at = 0.0
        self.info: StreamInfo | None = None
        self.polls = 0

    @property
    def positions(self) -> dict[str, str]:
        """The last sequence number read per shard: pass as `after` to resume."""
        out = dict(self._after)
        out.update({sid: r.last_sequence for sid, r in self._readers.items()
                    if r.last_sequence is not None})
        return out

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def shards(self) -> tuple[str, ...]:
        """The shards being read now."""
        return tuple(sid for sid, r in self._readers.items() if not r.ended)

    def stop(self) -> None:
        self._stop.set()

    async def start(self) -> None:
        """List the shards and open their iterators; records written after this returns
        are sure to be seen. Iterating calls it if needed."""
        if self._started:
            return
        self._started = True
        await self._refresh()
        # Open every iterator now, so LATEST means "from now".
        for reader in list(self._readers.values()):
            await reader.open()

    async def _refresh(self) -> None:
        self.info = await describe_stream(self.streams, self.arn)
        self._refreshed_at = self._clock()
        active = {sid for sid, r in self._readers.items() if not r.ended}
        first, self._listed = not self._listed, True
        starts, skip = plan_tail(self.info.shards, active=active, finished=self._finished,
                                 skipped=self._skipped, after=self._after, first=first)
        self._skipped |= skip
        for sid, (kind, sequence) in starts.items():
            self._readers[sid] = ShardReader(self.streams, self.arn, sid, kind, sequence,
                                             now=self._now)

    async def _poll(self) -> list[Record]:
        readers = [r for r in self._readers.values() if not r.ended]
        self.polls += 1
        results = await asyncio.gather(*(r.next_page(self.page_size) for r in readers),
                                       return_exceptions=True)
        records: list[Record] = []
        error: BaseException | None = None
        for result in results:
            if isinstance(result, BaseException):
                error = error or result
            else:
                records.extend(result)
        if error is not None:
            self._pending.extend(records)  # handed out next time, never lost
            raise error
        if any(r.ended for r in readers):
            for sid, r in list(self._readers.items()):
                if r.ended:
                    self._finished.add(sid)
            await self._refresh()
        return records

    async def _pause(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self._sleep(delay))
        stopper = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                task.cancel()
            for task in (sleeper, stopper):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    def __aiter__(self) -> Tail:
        return self

    async def __anext__(self) -> list[Record]:
        if self._pending:  # read before an error or a stop: never dropped
            batch, self._pending = self._pending, []
            return batch
        if not self._started:
            await self.start()
        while not self.stopped:
            records = await self._poll()
            if records:
                self.backoff.reset()
                return records
            if self.info is not None and self.info.status == "DISABLED" and not self.shards:
                self.stop()  # read to the end of a disabled stream: nothing more will come
                break
            if self._clock() - self._refreshed_at >= self.refresh_s:
                await self._refresh()
            await self._pause(self.backoff.next())
        raise StopAsyncIteration


def tail(streams: StreamsClient, arn: str, **kwargs: Any) -> Tail:
    """A `Tail` over the stream's open shards (see `Tail` for the options)."""
    return Tail(streams, arn, **kwargs)


# ------------------------------------------------------------------ changing the stream

async def _update_stream(conn: Connection, table: str, spec: dict[str, Any],
                         what: str) -> dict[str, Any]:
    try:
        raw = await conn.call("update_table", what, TableName=table, StreamSpecification=spec)
    except AwsError as err:
        if err.code in ("ValidationException", "ResourceInUseException"):
            raise StreamError(f"Could not {what}: {err.message}",
                              "The table may be busy with another change, or the stream "
                              "already is as asked; refresh and try again.") from err
        raise
    return raw.get("TableDescription", {})


async def enable_stream(conn: Connection, table: str,
                        view_type: str = NEW_AND_OLD_IMAGES) -> str:
    """Turn the stream on (see `ENABLE_NOTE`); returns the new stream's ARN ("" if the
    endpoint did not say)."""
    if view_type not in VIEW_TYPES:
        raise StreamError(f"{view_type!r} is not a stream view type; use one of "
                          f"{', '.join(VIEW_TYPES)}.")
    d = await _update_stream(conn, table, {"StreamEnabled": True, "StreamViewType": view_type},
                             f"enable the stream of {table}")
    return d.get("LatestStreamArn", "")


async def disable_stream(conn: Connection, table: str) -> None:
    """Turn the stream off (see `DISABLE_NOTE`)."""
    await _update_stream(conn, table, {"StreamEnabled": False},
                         f"disable the stream of {table}")


async def wait_until_active(conn: Connection, table: str, *, sleep: Sleep = asyncio.sleep,
                            interval_s: float = 2.0, attempts: int = 150) -> None:
    """Poll DescribeTable until the table is ACTIVE again after a change (cancellable)."""
    for _ in range(attempts):
        raw = await conn.call("describe_table", f"describe table {table}", TableName=table)
        if raw["Table"].get("TableStatus", "ACTIVE") == "ACTIVE":
            return
        await sleep(interval_s)
    raise StreamError(f"Table {table} is still being updated.",
                      "Wait a few minutes, refresh, and try again.")


async def change_view_type(conn: Connection, table: str, view_type: str, *,
                           sleep: Sleep = asyncio.sleep, interval_s: float = 2.0,
                           progress: Callable[[str], None] | None = None) -> str:
    """Disable the stream, wait for the table, enable it with `view_type` (see
    `VIEW_TYPE_NOTE`); returns the new stream's ARN."""
    if view_type not in VIEW_TYPES:
        raise StreamError(f"{view_type!r} is not a stream view type; use one of "
                          f"{', '.join(VIEW_TYPES)}.")
    say = progress or (lambda step: None)
    say("Disabling the stream")
    await disable_stream(conn, table)
    say("Waiting for the table")
    await wait_until_active(conn, table, sleep=sleep, interval_s=interval_s)
    say("Enabling the stream")
    return await enable_stream(conn, table, view_type)


__all__ = [
    "AFTER_SEQUENCE_NUMBER", "AT_SEQUENCE_NUMBER", "DISABLE_NOTE", "ENABLE_NOTE", "EVENTS",
    "IDLE_PAGES", "ITERATOR_TYPES", "KEYS_ONLY", "LATEST", "NEW_AND_OLD_IMAGES", "NEW_IMAGE",
    "OLD_IMAGE", "RECORD_PAGE_SIZE", "SHARD_PAGE_SIZE", "TRIM_HORIZON", "VIEW_TYPES",
    "VIEW_TYPE_NOTE", "Backoff", "NoStream", "ReadProgress", "Record", "Shard", "ShardReader",
    "StreamError", "StreamInfo", "StreamsClient", "Tail", "change_view_type",
    "describe_stream", "disable_stream", "enable_stream", "get_iterator", "history",
    "order_shards", "plan_tail", "read_all", "stream_arn", "streams_client", "tail",
    "wait_until_active",
]
