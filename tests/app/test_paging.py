"""Paging: batches across requests, the cursor stack, the limit, the ledger, repeated keys."""

from __future__ import annotations

import asyncio
import threading

import pytest
from faults import Injector, response

from app.paging import Capacity, Pager, PagingError, ParallelPager


@pytest.fixture
def filled(ddb, table_name):
    """A table of 50 items: pk p00..p49, `even` true on every other one."""
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for i in range(50):
        ddb.put_item(TableName=table_name, Item={"pk": {"S": f"p{i:02d}"}, "n": {"N": str(i)},
                                                 "even": {"BOOL": i % 2 == 0}})
    return table_name


def _keys(items):
    return [i["pk"]["S"] for i in items]


def test_batches_walk_forward_and_back(conn, filled):
    pager = Pager(conn, "Scan", {"TableName": filled, "ReturnConsumedCapacity": "INDEXES"})

    async def run():
        first = await pager.next_batch(20)
        second = await pager.next_batch(20)
        third = await pager.next_batch(20)
        assert not pager.has_next
        back = await pager.previous_batch(20)
        again = await pager.next_batch(20)
        return first, second, third, back, again

    first, second, third, back, again = asyncio.run(run())
    assert [len(b.items) for b in (first, second, third)] == [20, 20, 10]
    seen = _keys(first.items) + _keys(second.items) + _keys(third.items)
    assert sorted(seen) == [f"p{i:02d}" for i in range(50)]
    assert _keys(back.items) == _keys(second.items) and back.index == 1
    assert _keys(again.items) == _keys(third.items) and again.index == 2
    assert third.next is None and first.start is None and second.start == first.next
    assert pager.totals.count == 20 + 20 + 10 + 20 + 10
    assert len(pager.ledger) == pager.totals.requests


def test_a_filtered_scan_keeps_reading_past_empty_pages(conn, filled):
    request = {"TableName": filled, "Limit": 4, "FilterExpression": "#n >= :v",
               "ExpressionAttributeNames": {"#n": "n"},
               "ExpressionAttributeValues": {":v": {"N": "45"}}}
    pager = Pager(conn, "Scan", request)
    batch = asyncio.run(pager.next_batch(100))
    assert sorted(_keys(batch.items)) == ["p45", "p46", "p47", "p48", "p49"]
    assert batch.scanned == 50  # the whole table was read to find five
    assert len(batch.requests) >= 13  # 50 items, at most 4 evaluated per request
    assert any(r.count == 0 for r in batch.requests)
    assert all(r.scanned_count <= 4 for r in batch.requests)
    assert pager.totals.ratio == pytest.approx(5 / 50)
    assert not pager.has_next


def test_the_limit_is_never_exceeded_and_cursors_stay_exact(conn, filled):
    pager = Pager(conn, "Scan", {"TableName": filled, "Limit": 10}, limit=17)

    async def run():
        return [await pager.next_batch(8), await pager.next_batch(8), await pager.next_batch(8)]

    batches = asyncio.run(run())
    assert [len(b.items) for b in batches] == [8, 8, 1]
    assert not pager.has_next
    assert pager.totals.scanned == 17  # nothing read beyond what was wanted
    keys = [k for b in batches for k in _keys(b.items)]
    assert len(set(keys)) == 17


def test_a_query_pages_in_key_order(conn, ddb, table_name):
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}])
    for i in range(12):
        ddb.put_item(TableName=table_name, Item={"pk": {"S": "a"}, "sk": {"N": str(i)}})
    request = {"TableName": table_name, "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "a"}}, "ScanIndexForward": False}
    pager = Pager(conn, "Query", request)

    async def run():
        return await pager.next_batch(5), await pager.next_batch(5), await pager.next_batch(5)

    batches = asyncio.run(run())
    order = [int(i["sk"]["N"]) for b in batches for i in b.items]
    assert order == list(range(11, -1, -1))


def test_a_repeated_continuation_key_stops_with_an_error(conn, filled):
    keys: list = []

    def responder(request, n):
        if n == 3:  # the endpoint hands back the first page's key again
            return response({"Items": [], "Count": 0, "ScannedCount": 2,
                             "LastEvaluatedKey": keys[0]})
        return None

    injector = Injector(conn.client, "Scan", responder)
    pager = Pager(conn, "Scan", {"TableName": filled, "Limit": 2})

    async def run():
        first = await pager.next_batch(2)
        keys.append(first.next)
        await pager.next_batch(2)
        await pager.next_batch(2)

    try:
        with pytest.raises(PagingError, match="same continuation key twice"):
            asyncio.run(run())
    finally:
        injector.remove()
    assert injector.sent == 3
    assert pager.index == 1  # the page shown is still the last good one


def test_a_cancelled_batch_leaves_the_pager_where_it_was(conn, filled):
    in_flight, release = threading.Event(), threading.Event()

    def responder(request, n):
        if n == 2:  # hold the second request on the wire until the test lets it go
            in_flight.set()
            release.wait(10)
        return None

    injector = Injector(conn.client, "Scan", responder)
    pager = Pager(conn, "Scan", {"TableName": filled, "Limit": 5})

    async def run():
        await pager.next_batch(5)
        task = asyncio.ensure_future(pager.next_batch(40))
        assert await asyncio.to_thread(in_flight.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pager.index == 0 and pager.has_next
        release.set()
        return await pager.next_batch(5)

    try:
        batch = asyncio.run(run())
    finally:
        release.set()
        injector.remove()
    assert batch.index == 1 and len(batch.items) == 5


def test_consumed_capacity_keeps_table_and_index_parts():
    raw = {"TableName": "T", "CapacityUnits": 3.5, "Table": {"CapacityUnits": 1.5},
           "GlobalSecondaryIndexes": {"g": {"CapacityUnits": 2.0}}}
    cap = Capacity.parse(raw)
    assert cap is not None
    assert str(cap.total) == "3.5" and str(cap.table) == "1.5"
    assert dict(cap.indexes) == {"g": Capacity.parse(raw).indexes[0][1]}
    both = cap + cap
    assert str(both.total) == "7.0" and dict(both.indexes)["g"] == 4
    assert Capacity.parse(None) is None
    assert Capacity.parse([{"CapacityUnits": 1}, {"CapacityUnits": 2}]).total == 3


def test_partiql_pages_with_next_token(conn, filled):
    pager = Pager(conn, "ExecuteStatement", {"Statement": f'SELECT * FROM "{filled}"'})
    batch = asyncio.run(pager.next_batch(100))
    assert sorted(_keys(batch.items)) == [f"p{i:02d}" for i in range(50)]
    assert batch.requests[0].scanned_count is None  # PartiQL does not say


def test_a_parallel_scan_reads_every_segment_once_and_can_go_back(conn, filled):
    requests = [{"TableName": filled, "Segment": s, "TotalSegments": 3} for s in range(3)]
    pager = ParallelPager(conn, requests)

    async def run():
        batches = [await pager.next_batch(12)]
        while pager.has_next:
            batches.append(await pager.next_batch(12))
        back = await pager.goto(0, 12)
        return batches, back

    batches, back = asyncio.run(run())
    keys = [k for b in batches for k in _keys(b.items)]
    assert sorted(keys) == [f"p{i:02d}" for i in range(50)]  # all of them, none twice
    assert len(batches) >= 4
    assert all(len(b.items) <= 12 for b in batches)
    assert sorted(_keys(back.items)) == sorted(_keys(batches[0].items))
    assert {line.segment for line in pager.ledger} == {0, 1, 2}
    assert pager.totals.count == len(keys) + len(back.items)
