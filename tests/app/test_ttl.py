"""TTL: per-item expiry with a fixed clock, the setting round trip, the hide-expired filter."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest

from app import ttl
from app.connections import connect
from app.errors import ReadOnlyError
from app.expressions import Attr, build
from app.ttl import (
    EXPIRED,
    EXPIRES,
    FAR_FUTURE,
    FAR_PAST,
    MILLISECONDS,
    NO_ATTRIBUTE,
    NOT_A_NUMBER,
    expiry,
)

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
T = int(NOW.timestamp())  # 1795608000


def _at(value: dict) -> ttl.Expiry:
    return expiry({"id": {"S": "x"}, "expires_at": value}, "expires_at", NOW)


def test_a_time_ahead_expires_and_says_when():
    e = _at({"N": str(T + 3 * 3600 + 12 * 60 + 30)})
    assert e.state == EXPIRES and not e.expired and not e.ignored
    assert e.at == datetime(2026, 11, 25, 15, 12, 30, tzinfo=UTC)
    assert e.left == timedelta(hours=3, minutes=12, seconds=30)
    assert ttl.expiry_text(e) == "in 3 h 12 min"


def test_a_time_past_is_expired_but_not_yet_deleted():
    e = _at({"N": str(T - 2 * 86400 - 3600)})
    assert e.state == EXPIRED == "expired, not yet deleted" and e.expired
    assert e.left == -timedelta(days=2, hours=1)
    assert ttl.expiry_text(e) == "expired 2 days ago"
    assert _at({"N": str(T)}).state == EXPIRED  # at the very second: expired
    assert _at({"N": str(T + 1)}).state == EXPIRES


def test_milliseconds_are_detected_and_read_as_what_they_meant():
    e = _at({"N": str((T + 3600) * 1000)})
    assert e.state == MILLISECONDS and e.ignored and not e.expired
    assert e.intended == NOW + timedelta(hours=1)
    assert e.at is None  # year 58,000 in seconds: beyond any date
    assert "2026-11-25 13:00:00 UTC" in ttl.expiry_text(e)
    # Milliseconds of a past date too, and fractional milliseconds.
    assert _at({"N": str((T - 86400) * 1000)}).state == MILLISECONDS
    assert _at({"N": f"{(T + 60) * 1000}.5"}).state == MILLISECONDS


def test_values_the_ttl_process_ignores():
    assert _at({"S": str(T + 60)}).state == NOT_A_NUMBER
    assert _at({"NS": [str(T + 60)]}).state == NOT_A_NUMBER
    assert _at({"NULL": True}).state == NOT_A_NUMBER
    assert _at({"N": "not-a-number"}).state == NOT_A_NUMBER
    assert _at({"N": "99999999999999999"}).state == FAR_FUTURE  # microseconds-ish
    assert _at({"N": "1E+100"}).state == FAR_FUTURE
    assert _at({"N": "0"}).state == FAR_PAST
    assert _at({"N": str(T - 6 * 365 * 86400)}).state == FAR_PAST
    for value in ({"S": "x"}, {"N": "0"}, {"N": "1E+100"}):
        assert _at(value).ignored
    # Long retention is taken at its word: 50 years ahead still expires.
    assert _at({"N": str(T + 50 * 365 * 86400)}).state == EXPIRES
    assert _at({"N": str(T - 4 * 365 * 86400)}).state == EXPIRED


def test_no_attribute_or_no_ttl_setting():
    assert expiry({"id": {"S": "x"}}, "expires_at", NOW).state == NO_ATTRIBUTE
    assert expiry({"id": {"S": "x"}}, "", NOW).state == NO_ATTRIBUTE
    assert ttl.expiry_text(expiry({"id": {"S": "x"}}, "expires_at", NOW)) == ""


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(0), "now"),
    (timedelta(seconds=45), "in 45 s"),
    (timedelta(minutes=12, seconds=59), "in 12 min"),
    (timedelta(hours=3, minutes=12), "in 3 h 12 min"),
    (timedelta(hours=3), "in 3 h"),
    (timedelta(days=1, hours=4, minutes=5), "in 1 day 4 h"),
    (-timedelta(days=2, hours=23), "2 days ago"),
    (-timedelta(days=400), "1 year ago"),
    (timedelta(days=3 * 365 + 10), "in 3 years"),
])
def test_relative_text(delta, text):
    assert ttl.relative_text(delta) == text


def test_absolute_text_in_utc_and_a_local_zone():
    assert ttl.absolute_text(NOW) == "2026-11-25 12:00:00 UTC"
    assert ttl.absolute_text(NOW, ZoneInfo("Europe/Paris")) == "2026-11-25 13:00:00 CET"


def test_histogram_bins_by_hour_for_a_short_span():
    items = [_at({"N": str(T + s)}) for s in (-5400, -60, 30, 120, 3599, 3600, 7300)]
    items += [_at({"S": "x"}), _at({"N": "0"}), expiry({}, "expires_at", NOW)]
    h = ttl.histogram(items, NOW)
    assert h.unit == "hour"
    assert h.bins[0].start == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert [(b.expired, b.live) for b in h.bins] == [(1, 0), (1, 0), (0, 3), (0, 1), (0, 1)]
    assert h.bins[-1].end == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert h.expired == 2 and h.live == 5 and h.peak == 3
    assert h.ignored == {NOT_A_NUMBER: 1, FAR_PAST: 1} and h.missing == 1


def test_histogram_bins_by_day_for_two_weeks_and_wider_for_years():
    items = [_at({"N": str(T + d * 86400)}) for d in (-3, -1, 0, 2, 14)]
    h = ttl.histogram(items, NOW)
    assert h.unit == "day" and len(h.bins) == 18
    assert h.bins[0].start == datetime(2026, 11, 22, tzinfo=UTC)
    assert sum(b.total for b in h.bins) == 5 and h.expired == 3
    wide = ttl.histogram([*items, _at({"N": str(T + 20 * 365 * 86400)})], NOW)
    assert wide.unit == "year" and len(wide.bins) <= 96
    assert ttl.histogram([], NOW).bins == ()


def _create(ddb, name):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def test_enable_and_disable_round_trip(conn, ddb, table_name):
    _create(ddb, table_name)

    async def run():
        before = await ttl.describe_ttl(conn, table_name)
        on = await ttl.enable_ttl(conn, table_name, "expires_at")
        off = await ttl.disable_ttl(conn, table_name)
        return before, on, off

    before, on, off = asyncio.run(run())
    assert not before.enabled
    assert on.enabled and on.attribute == "expires_at" and on.status == "ENABLED"
    assert not off.enabled and off.status == "DISABLED"
    raw = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert raw["TimeToLiveStatus"] == "DISABLED"


def test_a_read_only_connection_refuses_to_change_ttl(conn, ddb, table_name):
    _create(ddb, table_name)
    locked = connect(replace(conn.profile, read_only=True))
    with pytest.raises(ReadOnlyError, match="read-only"):
        asyncio.run(ttl.enable_ttl(locked, table_name, "expires_at"))
    status = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert status["TimeToLiveStatus"] == "DISABLED"


CASES = {
    "expired": {"N": str(T - 3600)},
    "expired-now": {"N": str(T)},
    "live": {"N": str(T + 60)},
    "live-fraction": {"N": f"{T}.5"},
    "string": {"S": "never"},
    "millis": {"N": str((T - 3600) * 1000)},
    "far-past": {"N": "0"},
    "far-future": {"N": "1E+30"},
    "missing": None,
}


def test_the_hide_expired_filter_keeps_exactly_the_items_not_expired(ddb, table_name):
    _create(ddb, table_name)
    items = []
    for key, value in CASES.items():
        kind = "a" if key in ("expired", "live", "string") else "b"
        item = {"id": {"S": key}, "kind": {"S": kind}}
        if value is not None:
            item["expires_at"] = value
        ddb.put_item(TableName=table_name, Item=item)
        items.append(item)
    expression, names, values = ttl.hide_expired_filter("expires_at", NOW)
    got = ddb.scan(TableName=table_name, FilterExpression=expression,
                   ExpressionAttributeNames=names, ExpressionAttributeValues=values)["Items"]
    kept = {i["id"]["S"] for i in got}
    assert kept == set(CASES) - {"expired", "expired-now"}
    assert kept == {i["id"]["S"] for i in items if not expiry(i, "expires_at", NOW).expired}
    # It composes with the query builder's own filter.
    e = build(filter=Attr("kind").eq("b") & ttl.not_expired("expires_at", NOW))
    got = ddb.scan(TableName=table_name, FilterExpression=e.filter,
                   ExpressionAttributeNames=e.names, ExpressionAttributeValues=e.values)["Items"]
    assert {i["id"]["S"] for i in got} == kept - {"live", "string"}


def test_sandbox_sessions_show_every_state(sandbox):
    now = datetime.now(UTC)
    client = boto3.client("dynamodb", endpoint_url=sandbox.endpoint_url,
                          region_name=sandbox.region, aws_access_key_id="sandbox",
                          aws_secret_access_key="sandbox")
    items = []
    for page in client.get_paginator("scan").paginate(TableName="UserSessions"):
        items.extend(page["Items"])
    states = [expiry(i, "expires_at", now).state for i in items]
    # The demo's millisecond sessions are rewritten by its own updates (see test_streams).
    assert states.count(NOT_A_NUMBER) == 2
    assert states.count(EXPIRED) > 10 and states.count(EXPIRES) > 100
    expression, names, values = ttl.hide_expired_filter("expires_at", now)
    hidden = []
    for page in client.get_paginator("scan").paginate(
            TableName="UserSessions", FilterExpression=expression,
            ExpressionAttributeNames=names, ExpressionAttributeValues=values):
        hidden.extend(page["Items"])
    assert len(hidden) == len(items) - states.count(EXPIRED)
