"""Paging: batches across requests, the cursor stack, the limit, the ledger, repeated keys."""

from __future__ import annotations

import asyncio
import json
import threading
from contextlib import aclosing

import pytest
from faults import Injector, response

from app.errors import DynascopeError
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


def test_a_batch_read_again_is_the_batch_first_read(conn, filled):
    """Going back after a bigger batch (Load all reads 1,000 at a time) must not skip the
    items past the new page size; nor may it read past the pager's limit."""
    pager = Pager(conn, "Scan", {"TableName": filled})
    limited = Pager(conn, "Scan", {"TableName": filled}, limit=17)

    async def run():
        first, second = await pager.next_batch(20), await pager.next_batch(20)
        back = await pager.goto(0, 5)  # the page size is 5 now
        on = await pager.next_batch(5)
        batches = [await limited.next_batch(8) for _ in range(3)]
        again = await limited.goto(2, 8)
        return first, second, back, on, batches, again

    first, second, back, on, batches, again = asyncio.run(run())
    assert _keys(back.items) == _keys(first.items)
    assert _keys(on.items) == _keys(second.items)
    assert [len(b.items) for b in batches] == [8, 8, 1] and len(again.items) == 1


def test_a_pager_streams_to_the_end(conn, filled):
    pager = Pager(conn, "Scan", {"TableName": filled})

    async def run():
        first = await pager.next_batch(5)
        return first, [b async for b in pager.stream(20)]

    first, rest = asyncio.run(run())
    assert [b.index for b in rest] == [1, 2, 3] and [len(b.items) for b in rest] == [20, 20, 5]
    keys = _keys(first.items) + [k for b in rest for k in _keys(b.items)]
    assert sorted(keys) == [f"p{i:02d}" for i in range(50)]
    assert not pager.has_next and pager.index == 3


class _Hold:
    """A `before-send` responder that holds (or fails) chosen requests: `rule(segment,
    nth request of that segment)` returns "hold", "fail" or None. Counted under a lock.
    A failure waits until `fail_at` requests were sent (the others are in flight)."""

    def __init__(self, rule, fail_at=0):
        self.rule = rule
        self.fail_at = fail_at
        self.lock = threading.Condition()
        self.per_segment: dict[int, int] = {}
        self.sent = 0
        self.release = threading.Event()

    def __call__(self, request, _n):
        segment = json.loads(request.body).get("Segment")
        with self.lock:
            self.sent += 1
            nth = self.per_segment[segment] = self.per_segment.get(segment, 0) + 1
            self.lock.notify_all()
        action = self.rule(segment, nth)
        if action == "hold":
            self.release.wait(10)
        elif action == "fail":
            with self.lock:
                self.lock.wait_for(lambda: self.sent >= self.fail_at, timeout=10)
            return response({"__type": "com.amazonaws.dynamodb.v20120810#ValidationException",
                             "message": "segment failed (injected)"}, status=400)
        return None


def _segments(table, n=3):
    return [{"TableName": table, "Segment": s, "TotalSegments": n} for s in range(n)]


async def _until(condition, seconds=10.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def test_a_parallel_stream_reads_every_item_once_in_full_pages(conn, filled):
    want = 6
    hold = _Hold(lambda segment, nth: None)
    injector = Injector(conn.client, "Scan", hold)
    pager = ParallelPager(conn, _segments(filled))
    single = Pager(conn, "Scan", {"TableName": filled})

    async def run():
        batches = [b async for b in pager.stream(want)]
        return batches, [b async for b in single.stream(want)]

    try:
        batches, alone = asyncio.run(run())
    finally:
        injector.remove()
    keys = [k for b in batches for k in _keys(b.items)]
    assert len(keys) == 50 and set(keys) == {k for b in alone for k in _keys(b.items)}
    assert [b.index for b in batches] == list(range(len(batches)))
    assert all(len({r.segment for r in b.requests}) == 1 for b in batches)  # one segment
    # Each segment asks for whole pages (not a third of one), so no more requests than a
    # segment's items need: one per `want` items, plus at most the empty last one.
    parallel = [body for body in injector.bodies if "Segment" in body]
    assert {body["Limit"] for body in parallel} == {want}
    per_segment = {s: sum(r.count for r in pager.ledger if r.segment == s) for s in range(3)}
    assert len(parallel) <= sum(n // want + 1 for n in per_segment.values())
    assert pager.totals.requests == len(pager.ledger) == len(parallel)
    assert pager.totals.count == 50 and not pager.has_next
    assert pager.index == len(batches) - 1

    async def back():  # going back steps through the segment batches as they came
        return await pager.previous_batch(2), await pager.goto(0, 2), await pager.next_batch(2)

    previous, first, second = asyncio.run(back())
    assert _keys(previous.items) == _keys(batches[-2].items)
    assert _keys(first.items) == _keys(batches[0].items)
    assert _keys(second.items) == _keys(batches[1].items)


def test_a_parallel_stream_does_not_wait_for_the_slowest_segment(conn, filled):
    """Segment 0's second request hangs: the other segments read on to their ends."""
    hold = _Hold(lambda segment, nth: "hold" if (segment, nth) == (0, 2) else None)
    injector = Injector(conn.client, "Scan", hold)
    pager = ParallelPager(conn, _segments(filled))

    async def run():
        got, when_released = [], None
        async with aclosing(pager.stream(4)) as batches:
            async for batch in batches:
                got.append(batch)
                if when_released is None and pager._unread() == [0]:  # 1 and 2 are done
                    when_released = [b.requests[0].segment for b in got]
                    hold.release.set()
        return got, when_released

    try:
        got, when_released = asyncio.run(run())
    finally:
        hold.release.set()
        injector.remove()
    assert when_released is not None and when_released.count(0) == 1
    assert sorted(k for b in got for k in _keys(b.items)) == [f"p{i:02d}" for i in range(50)]


def test_cancelling_a_parallel_stream_stops_every_segment(conn, filled):
    hold = _Hold(lambda segment, nth: "hold" if nth == 2 else None)
    injector = Injector(conn.client, "Scan", hold)
    pager = ParallelPager(conn, _segments(filled))

    async def run():
        got: list = []

        async def load_all():
            async with aclosing(pager.stream(3)) as batches:
                async for batch in batches:
                    got.append(batch)

        task = asyncio.create_task(load_all())
        await _until(lambda: len(got) == 3 and hold.sent == 6)  # 3 second requests held
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        left = asyncio.all_tasks() - {asyncio.current_task()}
        hold.release.set()
        await asyncio.sleep(0.5)  # the held requests end on their threads; nothing follows
        sent = hold.sent
        state = (pager.index, pager.has_next, len(pager.ledger))
        rest = [b async for b in pager.stream(3)]  # and it can go on where it stopped
        return got, left, sent, state, rest

    try:
        got, left, sent, state, rest = asyncio.run(run())
    finally:
        hold.release.set()
        injector.remove()
    assert not left  # no segment task outlives the stream
    assert sent == 6  # no request was sent after the cancel
    assert state == (2, True, 3)  # the held requests' answers were dropped, not counted
    keys = [k for b in got + rest for k in _keys(b.items)]
    assert sorted(keys) == [f"p{i:02d}" for i in range(50)]  # each once, none lost
    assert [b.index for b in got + rest] == list(range(len(got) + len(rest)))
    assert pager.totals.requests == len(pager.ledger) and pager.totals.count == 50


def test_an_error_in_one_segment_stops_the_others_and_surfaces(conn, filled):
    hold = _Hold(lambda segment, nth: None if nth == 1 else "fail" if segment == 1 else "hold",
                 fail_at=6)
    injector = Injector(conn.client, "Scan", hold)
    pager = ParallelPager(conn, _segments(filled))

    async def run():
        got = []
        with pytest.raises(DynascopeError, match="segment failed"):
            async with aclosing(pager.stream(3)) as batches:
                async for batch in batches:
                    got.append(batch)
        left = asyncio.all_tasks() - {asyncio.current_task()}
        hold.release.set()
        await asyncio.sleep(0.5)
        return got, left

    try:
        got, left = asyncio.run(run())
    finally:
        hold.release.set()
        injector.remove()
    assert not left and hold.sent == 6  # 3 first pages, 1 failure, 2 held and dropped
    assert len(got) <= 3 and pager.has_next


def test_next_then_load_all_then_back_on_a_parallel_scan(conn, filled):
    pager = ParallelPager(conn, _segments(filled))

    async def run():
        first = await pager.next_batch(12)  # a third of 12 from each segment
        rest = [b async for b in pager.stream(10)]
        at_end = pager.has_next, pager.index
        back = await pager.goto(0, 30)  # read again as it was read: 4 + 4 + 4
        return first, rest, at_end, back

    first, rest, at_end, back = asyncio.run(run())
    assert at_end == (False, len(rest))
    assert len(first.items) == 12 and len(first.requests) == 3
    keys = _keys(first.items) + [k for b in rest for k in _keys(b.items)]
    assert sorted(keys) == [f"p{i:02d}" for i in range(50)]
    assert [b.index for b in rest] == list(range(1, len(rest) + 1))
    assert _keys(back.items) == _keys(first.items) and pager.index == 0 and pager.has_next


def test_a_failed_parallel_page_leaves_no_segment_reading(conn, filled):
    hold = _Hold(lambda segment, nth: "fail" if segment == 1 else "hold", fail_at=3)
    injector = Injector(conn.client, "Scan", hold)
    pager = ParallelPager(conn, _segments(filled))

    async def run():
        with pytest.raises(DynascopeError, match="segment failed"):
            await pager.next_batch(9)
        left = asyncio.all_tasks() - {asyncio.current_task()}
        hold.release.set()
        await asyncio.sleep(0.3)
        return left

    try:
        left = asyncio.run(run())
    finally:
        hold.release.set()
        injector.remove()
    assert not left and hold.sent == 3
    assert pager.index == -1 and pager.has_next and not pager.ledger
