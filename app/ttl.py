"""Time to Live: the table's setting, and when (and whether) each item expires.

What DynamoDB documents, and what this module follows:

- The TTL attribute must be a top-level **Number** holding epoch **seconds**. Any other type
  is ignored by the TTL process; so is a number more than **five years in the past**.
- An item whose time has passed is *expired*, but DynamoDB deletes it in the background,
  typically within a few days; until then reads, queries and scans still return it.
- A change of the setting can take up to an hour, and another change to the same table in
  that time is refused.

Two more labels are this module's own judgement, because DynamoDB accepts such values
silently and the item then lives for ever in practice:

- **looks like milliseconds**: more than `FAR_FUTURE` (100 years) ahead, and the value
  divided by 1000 is a date between 2000-01-01 and 100 years from now (``1767225600000``
  is 2026 in milliseconds, but the year 57,970 in seconds);
- **far future**: more than 100 years ahead otherwise (microseconds, nanoseconds, or a
  sentinel like ``9999999999999``). Values up to 100 years ahead are taken at their word:
  long retention periods are legitimate.

The clock is always passed in (`now`, an aware datetime), so nothing here waits or reads
the system time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from app.codec import CONTEXT, number
from app.connections import Connection
from app.errors import AwsError, DynascopeError
from app.expressions import And, Attr, Condition, Not, Or, Value, render

Item = dict[str, dict[str, Any]]

#: What the confirmation dialog says before a change of the TTL setting.
CHANGE_NOTE = (
    "Changing the TTL setting can take up to an hour to take effect, and DynamoDB refuses "
    "another change to this table's TTL until it has. Expired items are deleted in the "
    "background, typically within a few days; until then reads still return them."
)

EXPIRES = "expires"
EXPIRED = "expired, not yet deleted"
NOT_A_NUMBER = "ignored: not a number"
MILLISECONDS = "ignored: looks like milliseconds"
FAR_FUTURE = "ignored: far future"
FAR_PAST = "ignored: more than 5 years past"
NO_ATTRIBUTE = "no TTL attribute"
STATES = (EXPIRES, EXPIRED, NOT_A_NUMBER, MILLISECONDS, FAR_FUTURE, FAR_PAST, NO_ATTRIBUTE)
#: the states the TTL process will never act on
IGNORED = (NOT_A_NUMBER, MILLISECONDS, FAR_FUTURE, FAR_PAST)

#: DynamoDB does not delete items whose time is more than five years in the past.
FAR_PAST_LIMIT = timedelta(days=5 * 365 + 1)
#: Beyond this the time is labelled far future (or milliseconds): this module's choice.
FAR_FUTURE_LIMIT = timedelta(days=100 * 365 + 24)
#: The earliest date a value read as milliseconds may mean.
_MS_EARLIEST = Decimal(946684800)  # 2000-01-01T00:00:00Z

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TtlError(DynascopeError):
    """The TTL setting could not be read or changed."""


# ------------------------------------------------------------------ the table's setting

@dataclass(frozen=True)
class TtlStatus:
    """DescribeTimeToLive: ENABLED, ENABLING, DISABLED or DISABLING, and the attribute."""

    status: str
    attribute: str

    @property
    def enabled(self) -> bool:
        """True when items are (or are about to be) expired by the attribute."""
        return self.status in ("ENABLED", "ENABLING")

    @property
    def changing(self) -> bool:
        return self.status in ("ENABLING", "DISABLING")


def _status(raw: dict[str, Any]) -> TtlStatus:
    d = raw.get("TimeToLiveDescription") or {}
    return TtlStatus(d.get("TimeToLiveStatus", "DISABLED"), d.get("AttributeName", ""))


async def describe_ttl(conn: Connection, table: str) -> TtlStatus:
    raw = await conn.call("describe_time_to_live", f"read the TTL setting of {table}",
                          TableName=table)
    return _status(raw)


async def _update(conn: Connection, table: str, attribute: str, enabled: bool) -> TtlStatus:
    what = f"{'enable' if enabled else 'disable'} TTL on {table}"
    if not attribute:
        raise TtlError(f"Could not {what}: no TTL attribute was named.",
                       "Name the top-level number attribute that holds the expiry time.")
    try:
        await conn.call("update_time_to_live", what, TableName=table,
                        TimeToLiveSpecification={"Enabled": enabled,
                                                 "AttributeName": attribute})
    except AwsError as err:
        if err.code == "ValidationException":
            raise TtlError(
                f"Could not {what}: {err.message}",
                "DynamoDB allows one TTL change per table in about an hour; if TTL was "
                "changed recently, wait and try again.") from err
        raise
    return await describe_ttl(conn, table)


async def enable_ttl(conn: Connection, table: str, attribute: str) -> TtlStatus:
    """Turn TTL on for `attribute` (see `CHANGE_NOTE`); returns the setting read back."""
    return await _update(conn, table, attribute, True)


async def disable_ttl(conn: Connection, table: str, attribute: str | None = None) -> TtlStatus:
    """Turn TTL off (DynamoDB wants the attribute named; by default the current one)."""
    if attribute is None:
        attribute = (await describe_ttl(conn, table)).attribute
    return await _update(conn, table, attribute, False)


# ------------------------------------------------------------------ one item

@dataclass(frozen=True)
class Expiry:
    """When one item expires, as DynamoDB's TTL process sees it at `now`.

    `at` is the time the value stands for in seconds (None when it is not a number or too
    far from today to be a date); `left` is ``at - now`` (negative when past). For values
    that look like milliseconds, `intended` is the time they probably meant.
    """

    state: str
    value: dict[str, Any] | None
    at: datetime | None = None
    left: timedelta | None = None
    intended: datetime | None = None

    @property
    def expired(self) -> bool:
        """Expired and due for deletion (reads still return it until it is deleted)."""
        return self.state == EXPIRED

    @property
    def ignored(self) -> bool:
        """The TTL process will never delete the item for this value."""
        return self.state in IGNORED


def _to_datetime(seconds: Decimal) -> datetime | None:
    try:
        whole = int(seconds.to_integral_value(rounding="ROUND_FLOOR", context=CONTEXT))
        micros = int(CONTEXT.multiply(CONTEXT.subtract(seconds, whole), Decimal(1_000_000)))
        return _EPOCH + timedelta(seconds=whole, microseconds=micros)
    except (OverflowError, InvalidOperation, ValueError):
        return None


def _seconds(at: datetime) -> Decimal:
    delta = at - _EPOCH
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000


def _limit(span: timedelta) -> Decimal:
    return Decimal(int(span.total_seconds()))


def expiry(item: Item, attribute: str | None, now: datetime) -> Expiry:
    """How the TTL `attribute` of `item` reads at `now` (an aware datetime)."""
    value = item.get(attribute) if attribute else None
    if value is None:
        return Expiry(NO_ATTRIBUTE, None)
    text = value.get("N") if isinstance(value, dict) and len(value) == 1 else None
    try:
        seconds = number(text) if isinstance(text, str) else None
    except ValueError:
        seconds = None
    if seconds is None:
        return Expiry(NOT_A_NUMBER, value)
    now_s = _seconds(now)
    at = _to_datetime(seconds)
    left = at - now if at is not None else None
    if seconds <= now_s - _limit(FAR_PAST_LIMIT):
        return Expiry(FAR_PAST, value, at, left)
    if seconds <= now_s:
        return Expiry(EXPIRED, value, at, left)
    horizon = now_s + _limit(FAR_FUTURE_LIMIT)
    if seconds <= horizon:
        return Expiry(EXPIRES, value, at, left)
    as_ms = CONTEXT.divide(seconds, Decimal(1000))
    if _MS_EARLIEST <= as_ms <= horizon:
        return Expiry(MILLISECONDS, value, at, left, intended=_to_datetime(as_ms))
    return Expiry(FAR_FUTURE, value, at, left)


def expiries(items: Iterable[Item], attribute: str | None, now: datetime) -> list[Expiry]:
    return [expiry(item, attribute, now) for item in items]


# ------------------------------------------------------------------ words

def duration_text(delta: timedelta) -> str:
    """A length of time in the largest sensible units: ``45 s``, ``12 min``,
    ``3 h 12 min``, ``1 day 4 h``, ``16 days``, ``3 years`` (rounded down)."""
    total = int(abs(delta).total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days >= 365:
        years = days // 365
        return f"{years} year{'s' if years != 1 else ''}"
    if days >= 2:
        return f"{days} days"
    if days == 1:
        return f"1 day {hours} h" if hours else "1 day"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


def relative_text(delta: timedelta) -> str:
    """``in 3 h 12 min`` for a time ahead, ``2 days ago`` for one past, ``now`` within 1 s."""
    if abs(delta) < timedelta(seconds=1):
        return "now"
    text = duration_text(delta)
    return f"in {text}" if delta > timedelta(0) else f"{text} ago"


def absolute_text(at: datetime, tz: tzinfo = UTC) -> str:
    """``2026-11-25 14:03:07 UTC`` (or in `tz`, named as it names itself)."""
    local = at.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M:%S} {local.tzname() or ''}".strip()


def expiry_text(e: Expiry) -> str:
    """What the "expires" column shows: ``in 3 h 12 min``, ``expired 2 days ago``, or why
    the TTL process ignores the value."""
    if e.state == EXPIRES and e.left is not None:
        return relative_text(e.left)
    if e.state == EXPIRED and e.left is not None:
        return "expired now" if -e.left < timedelta(seconds=1) else \
            f"expired {duration_text(e.left)} ago"
    if e.state == MILLISECONDS and e.intended is not None:
        return f"{MILLISECONDS} (meant {absolute_text(e.intended)}?)"
    if e.state == NO_ATTRIBUTE:
        return ""
    return e.state


# ------------------------------------------------------------------ the "hide expired" filter

def not_expired(attribute: str, now: datetime) -> Condition:
    """A filter condition that keeps every item that is not expired-awaiting-deletion at
    `now`: no TTL attribute, a value of another type, a time still ahead, or a time so far
    past (five years) that DynamoDB will never delete the item.

    Every ordering comparison is guarded by ``attribute_type(..., N)`` in the same AND, so
    it never compares a number with a string (DynamoDB just finds no match; moto 5.1 fails
    with HTTP 500 without the guard). Combine it with other filters with ``&``.
    """
    ttl = Attr.named(attribute)
    is_number = ttl.attribute_type("N")
    now_s = _seconds(now)
    oldest = now_s - _limit(FAR_PAST_LIMIT)
    return Or(ttl.not_exists(), Not(is_number),
              And(is_number, Or(ttl.gt(Value("N", str(now_s))),
                                ttl.lte(Value("N", str(oldest))))))


def hide_expired_filter(attribute: str,
                        now: datetime) -> tuple[str, dict[str, str], dict[str, Any]]:
    """`not_expired` rendered alone: (FilterExpression, names, values)."""
    return render(not_expired(attribute, now))


# ------------------------------------------------------------------ histogram

@dataclass(frozen=True)
class Bin:
    """Items whose time falls in ``[start, end)``: how many are expired, how many not."""

    start: datetime
    end: datetime
    expired: int = 0
    live: int = 0

    @property
    def total(self) -> int:
        return self.expired + self.live


@dataclass(frozen=True)
class Histogram:
    """Expiry times of loaded items in equal bins of one `unit` (hour, day, week, ...).

    Only items with a time DynamoDB acts on are binned; `ignored` counts the others by
    state and `missing` the items without the attribute.
    """

    unit: str
    width: timedelta
    bins: tuple[Bin, ...]
    now: datetime
    ignored: dict[str, int] = field(default_factory=dict)
    missing: int = 0

    @property
    def expired(self) -> int:
        return sum(b.expired for b in self.bins)

    @property
    def live(self) -> int:
        return sum(b.live for b in self.bins)

    @property
    def peak(self) -> int:
        return max((b.total for b in self.bins), default=0)


#: Bin widths, smallest first: the histogram takes the first that fits in `max_bins`.
UNITS = (("hour", timedelta(hours=1)), ("day", timedelta(days=1)), ("week", timedelta(days=7)),
         ("month", timedelta(days=30)), ("year", timedelta(days=365)))


def _floor(at: datetime, unit: str, tz: tzinfo) -> datetime:
    local = at.astimezone(tz)
    if unit == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def histogram(items: Iterable[Expiry], now: datetime, max_bins: int = 96,
              tz: tzinfo = UTC) -> Histogram:
    """Counts per hour when the times span at most `max_bins` hours, else per day, week,
    30 days or 365 days; bins start on whole hours or days in `tz`."""
    timed: list[Expiry] = []
    ignored: Counter[str] = Counter()
    missing = 0
    for e in items:
        if e.state in (EXPIRES, EXPIRED) and e.at is not None:
            timed.append(e)
        elif e.state == NO_ATTRIBUTE:
            missing += 1
        else:
            ignored[e.state] += 1
    if not timed:
        return Histogram("hour", UNITS[0][1], (), now, dict(ignored), missing)
    first = min(e.at for e in timed if e.at is not None)
    last = max(e.at for e in timed if e.at is not None)
    unit, width = UNITS[-1]
    for name, w in UNITS:
        origin = _floor(first, name, tz)
        if (last - origin) // w + 1 <= max_bins:
            unit, width = name, w
            break
    origin = _floor(first, unit, tz)
    count = (last - origin) // width + 1
    expired = [0] * count
    live = [0] * count
    for e in timed:
        i = (e.at - origin) // width  # type: ignore[operator]
        if e.state == EXPIRED:
            expired[i] += 1
        else:
            live[i] += 1
    bins = tuple(Bin(origin + i * width, origin + (i + 1) * width, expired[i], live[i])
                 for i in range(count))
    return Histogram(unit, width, bins, now, dict(ignored), missing)


__all__ = [
    "CHANGE_NOTE", "EXPIRED", "EXPIRES", "FAR_FUTURE", "FAR_FUTURE_LIMIT", "FAR_PAST",
    "FAR_PAST_LIMIT", "IGNORED", "MILLISECONDS", "NOT_A_NUMBER", "NO_ATTRIBUTE", "STATES",
    "UNITS", "Bin", "Expiry", "Histogram", "TtlError", "TtlStatus", "absolute_text",
    "describe_ttl", "disable_ttl", "duration_text", "enable_ttl", "expiries", "expiry",
    "expiry_text", "hide_expired_filter", "histogram", "not_expired", "relative_text",
]
