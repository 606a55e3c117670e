"""Streams: shard listing and order, iterators, history, expired iterators, live tail, changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from faults import Injector, response

from app import streams
from app.connections import connect
from app.diff import ADDED, CHANGED, REMOVED, diff
from app.errors import ReadOnlyError
from app.streams import (
    AFTER_SEQUENCE_NUMBER,
    AT_SEQUENCE_NUMBER,
    LATEST,
    TRIM_HORIZON,
    Backoff,
    NoStream,
    Shard,
    ShardReader,
    StreamError,
    Tail,
    order_shards,
)
from app.ttl import MILLISECONDS, expiry

TIMEOUT = 15  # seconds: an upper bound for waiting on a condition, never a pause
OLD_SHARD = "shardId-00000001500000000000-0ldshard"  # DynamoDB's ids have 28+ characters


class StreamsInjector(Injector):
    """`Injector` for the streams client, whose events are named "dynamodb-streams"."""

    def __init__(self, client, operation, responder):
        super().__init__(client, operation, responder)
        self.remove()
        self.event = f"before-send.dynamodb-streams.{operation}"
        client.meta.events.register_first(self.event, self._handler)


def _create(ddb, name, view_type="NEW_AND_OLD_IMAGES"):
    spec = {"StreamEnabled": True, "StreamViewType": view_type} if view_type else None
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     **({"StreamSpecification": spec} if spec else {}))


def _put_many(ddb, name, count):
    for i in range(count):
        ddb.put_item(TableName=name, Item={"id": {"S": f"i{i}"}, "n": {"N": str(i)}})


async def _arn(conn, table):
    return await streams.stream_arn(conn, table)


def test_put_update_delete_come_back_with_exact_images(conn, ddb, table_name):
    _create(ddb, table_name)
    blob = bytes(range(256))
    item = {"id": {"S": "a"}, "price": {"N": "12.50"}, "blob": {"B": blob},
            "tags": {"SS": ["x", "y"]},
            "address": {"M": {"geo": {"M": {"lat": {"N": "51.5072"}}}}}}
    ddb.put_item(TableName=table_name, Item=item)
    ddb.update_item(TableName=table_name, Key={"id": {"S": "a"}},
                    UpdateExpression="SET price = :p, address.geo.lat = :l REMOVE tags",
                    ExpressionAttributeValues={":p": {"N": "13.00"}, ":l": {"N": "48.8566"}})
    after_update = ddb.get_item(TableName=table_name, Key={"id": {"S": "a"}})["Item"]
    ddb.delete_item(TableName=table_name, Key={"id": {"S": "a"}})

    async def run():
        arn = await _arn(conn, table_name)
        client = streams.streams_client(conn)
        info = await streams.describe_stream(client, arn)
        return info, await streams.read_all(client, arn, info=info)

    info, records = asyncio.run(run())
    assert info.status == "ENABLED" and info.view_type == "NEW_AND_OLD_IMAGES"
    assert info.table == table_name and len(info.open_shards) == 1
    assert [r.event_name for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    insert, modify, remove = records
    assert insert.keys == {"id": {"S": "a"}} and insert.old_image is None
    assert insert.new_image == item  # "12.50" keeps its digits, the binary its bytes
    assert insert.new_image["price"] == {"N": "12.50"}
    assert insert.new_image["blob"]["B"] == blob
    assert modify.old_image == item and modify.new_image == after_update
    assert remove.old_image == after_update and remove.new_image is None
    assert [r.sequence for r in records] == sorted(r.sequence for r in records)
    assert len({r.event_id for r in records}) == 3
    assert all(r.shard_id == info.shards[0].shard_id for r in records)
    assert all(r.size_bytes > 0 and r.created.tzinfo is not None for r in records)
    assert abs((datetime.now(UTC) - insert.created).total_seconds()) < 300
    changes = [(c.path_text, c.kind) for c in diff(modify.old_image, modify.new_image)]
    assert changes == [("price", CHANGED), ("tags", REMOVED), ("address.geo.lat", CHANGED)]


def test_iterators_of_every_type(conn, ddb, table_name):
    _create(ddb, table_name, "KEYS_ONLY")
    _put_many(ddb, table_name, 4)

    async def run():
        arn = await _arn(conn, table_name)
        client = streams.streams_client(conn)
        shard = (await streams.describe_stream(client, arn)).shards[0].shard_id
        everything = await ShardReader(client, arn, shard, TRIM_HORIZON).next_page()
        second = everything[1].sequence_number
        at = await ShardReader(client, arn, shard, AT_SEQUENCE_NUMBER, second).next_page()
        after = await ShardReader(client, arn, shard, AFTER_SEQUENCE_NUMBER, second).next_page()
        latest = await ShardReader(client, arn, shard, LATEST).next_page()
        raw = await streams.get_iterator(client, arn, shard, LATEST)
        return everything, at, after, latest, raw

    everything, at, after, latest, raw = asyncio.run(run())
    keys = [r.keys["id"]["S"] for r in everything]
    assert keys == ["i0", "i1", "i2", "i3"]
    assert [r.keys["id"]["S"] for r in at] == ["i1", "i2", "i3"]
    assert [r.keys["id"]["S"] for r in after] == ["i2", "i3"]
    assert latest == [] and isinstance(raw, str) and raw
    assert everything[0].old_image is None and everything[0].new_image is None  # KEYS_ONLY


def test_iterator_arguments_are_checked(conn):
    client = streams.streams_client(conn)
    with pytest.raises(StreamError, match="not a shard iterator type"):
        asyncio.run(streams.get_iterator(client, "arn", "shard", "OLDEST"))
    with pytest.raises(StreamError, match="needs a sequence number"):
        asyncio.run(streams.get_iterator(client, "arn", "shard", AFTER_SEQUENCE_NUMBER))


def test_a_table_without_a_stream_says_how_to_get_one(conn, ddb, table_name):
    _create(ddb, table_name, view_type=None)
    with pytest.raises(NoStream, match="has no stream") as caught:
        asyncio.run(_arn(conn, table_name))
    assert "Enable the stream" in caught.value.hint


def test_shards_are_listed_page_by_page(conn, ddb, table_name):
    _create(ddb, table_name)
    client = streams.streams_client(conn, shared=False)

    def first_page_is_fake(request, n):
        if n > 1:
            return None  # the second page is moto's own
        return response({"StreamDescription": {
            "StreamArn": "arn:placeholder", "StreamStatus": "ENABLED",
            "StreamViewType": "NEW_AND_OLD_IMAGES", "TableName": table_name,
            "Shards": [{"ShardId": OLD_SHARD,
                        "SequenceNumberRange": {"StartingSequenceNumber": "100",
                                                "EndingSequenceNumber": "200"}}],
            "LastEvaluatedShardId": OLD_SHARD}})

    async def run():
        arn = await _arn(conn, table_name)
        seen = []
        info = await streams.describe_stream(client, arn, page_size=1, progress=seen.append)
        return arn, info, seen

    injector = StreamsInjector(client.client, "DescribeStream", first_page_is_fake)
    try:
        arn, info, seen = asyncio.run(run())
    finally:
        injector.remove()
    assert injector.bodies[0] == {"StreamArn": arn, "Limit": 1}
    assert injector.bodies[1] == {"StreamArn": arn, "Limit": 1,
                                  "ExclusiveStartShardId": OLD_SHARD}
    assert seen == [1, 2]
    old, live = info.shards
    assert old.shard_id == OLD_SHARD and not old.open and old.ending_sequence == "200"
    assert live.open and live.ending_sequence is None
    assert info.arn == arn and info.open_shards == (live,)


def test_a_shard_page_that_repeats_stops_the_listing(conn, ddb, table_name):
    _create(ddb, table_name)
    client = streams.streams_client(conn, shared=False)
    arn = asyncio.run(_arn(conn, table_name))
    page = {"StreamDescription": {"StreamArn": arn, "Shards": [],
                                  "LastEvaluatedShardId": "shardId-00000000000000000000-looploop"}}
    injector = StreamsInjector(client.client, "DescribeStream", lambda r, n: response(page))
    try:
        with pytest.raises(StreamError, match="same page twice"):
            asyncio.run(streams.describe_stream(client, arn))
    finally:
        injector.remove()
    assert injector.sent == 2


def _shard(sid, parent=None, start="0", end=None):
    return Shard(sid, parent, start, end)


def test_shards_are_ordered_parents_before_children():
    shards = [
        _shard("c2", "b1", "500"),
        _shard("b2", "a", "300", "399"),
        _shard("c1", "b1", "400"),
        _shard("b1", "a", "200", "299"),
        _shard("orphan", "trimmed-away", "50", "60"),
        _shard("a", None, "100", "199"),
    ]
    ordered = [s.shard_id for s in order_shards(shards)]
    assert ordered == ["orphan", "a", "b1", "c1", "c2", "b2"]
    position = {sid: i for i, sid in enumerate(ordered)}
    assert all(position[s.parent_id] < position[s.shard_id] for s in shards
               if s.parent_id in position)
    info = streams.StreamInfo("arn", "", "ENABLED", "KEYS_ONLY", "t", None,
                              order_shards(shards))
    assert info.depth("c2") == 2 and info.depth("orphan") == 0
    assert [s.shard_id for s in info.children("b1")] == ["c1", "c2"]
    assert [s.shard_id for s in info.open_shards] == ["c1", "c2"]
    # A shard claiming to be its own parent, or a cycle, is still listed once.
    odd = order_shards([_shard("x", "y"), _shard("y", "x"), _shard("z", "z")])
    assert sorted(s.shard_id for s in odd) == ["x", "y", "z"]


def test_a_tail_plans_where_each_shard_starts():
    a = _shard("a", None, "100", "199")  # closed
    b1 = _shard("b1", "a", "200", "299")  # closed
    c1 = _shard("c1", "b1", "300")  # open
    b2 = _shard("b2", "a", "250")  # open
    shards = [c1, b2, b1, a]

    def plan(**state):
        args = {"active": set(), "finished": set(), "skipped": set(), "after": {},
                "first": True, **state}
        return streams.plan_tail(shards, **args)

    # From now: open leaves at LATEST, closed shards are history.
    assert plan() == ({"b2": (LATEST, None), "c1": (LATEST, None)}, {"a", "b1"})
    # Resuming after a record of a closed shard: read it to its end, its successors wait.
    starts, skipped = plan(after={"a": "150"})
    assert starts == {"a": (AFTER_SEQUENCE_NUMBER, "150")} and skipped == set()
    # Once "a" is read to its end its children start from their first record; "c1" waits
    # for "b1" to end.
    starts, _ = plan(finished={"a"}, first=False)
    assert starts == {"b1": (TRIM_HORIZON, None), "b2": (TRIM_HORIZON, None)}
    starts, _ = plan(finished={"a", "b2"}, active={"b1"}, first=False)
    assert starts == {}
    starts, _ = plan(finished={"a", "b1", "b2"}, first=False)
    assert starts == {"c1": (TRIM_HORIZON, None)}
    # A shard that appears later is news from its first record, and nothing is started
    # twice.
    later = [*shards, _shard("d", "c1", "400")]
    state = {"finished": set(), "skipped": {"a", "b1"}, "after": {}, "first": False}
    assert streams.plan_tail(later, active={"b2", "c1"}, **state) == ({}, set())
    state["finished"] = {"c1"}
    assert streams.plan_tail(later, active={"b2"}, **state) == ({"d": (TRIM_HORIZON, None)},
                                                               set())


def _expired(request, n):
    return response({"__type": "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException",
                     "message": "Iterator expired (injected)"}, status=400)


@pytest.mark.parametrize("expire_at", [1, 2])
def test_an_expired_iterator_is_replaced_without_loss_or_repeats(conn, ddb, table_name,
                                                                 expire_at):
    _create(ddb, table_name)
    _put_many(ddb, table_name, 5)
    client = streams.streams_client(conn, shared=False)
    expire = StreamsInjector(client.client, "GetRecords",
                             lambda r, n: _expired(r, n) if n == expire_at else None)
    opened = StreamsInjector(client.client, "GetShardIterator", lambda r, n: None)

    async def run():
        arn = await _arn(conn, table_name)
        shard = (await streams.describe_stream(client, arn)).shards[0].shard_id
        reader = ShardReader(client, arn, shard, TRIM_HORIZON)
        pages = []
        while page := await reader.next_page(limit=2):
            pages.append(page)
        return reader, pages

    try:
        reader, pages = asyncio.run(run())
    finally:
        expire.remove()
        opened.remove()
    keys = [r.keys["id"]["S"] for page in pages for r in page]
    assert keys == ["i0", "i1", "i2", "i3", "i4"]
    assert reader.recoveries == 1 and not reader.ended  # an open shard never ends
    kinds = [b["ShardIteratorType"] for b in opened.bodies]
    if expire_at == 1:  # nothing read yet: start again from the beginning
        assert kinds == [TRIM_HORIZON, TRIM_HORIZON]
    else:  # after the last record read (i1)
        assert kinds == [TRIM_HORIZON, AFTER_SEQUENCE_NUMBER]
        assert opened.bodies[1]["SequenceNumber"] == pages[0][-1].sequence_number


def test_an_iterator_that_keeps_expiring_is_an_error(conn, ddb, table_name):
    _create(ddb, table_name)
    client = streams.streams_client(conn, shared=False)
    injector = StreamsInjector(client.client, "GetRecords", _expired)

    async def run():
        arn = await _arn(conn, table_name)
        shard = (await streams.describe_stream(client, arn)).shards[0].shard_id
        await ShardReader(client, arn, shard).next_page()

    try:
        with pytest.raises(StreamError, match="keeps expiring"):
            asyncio.run(run())
    finally:
        injector.remove()
    assert injector.sent == ShardReader.MAX_RECOVERIES + 1


def test_live_tail_picks_up_a_write_made_after_it_started(conn, ddb, table_name):
    _create(ddb, table_name)
    ddb.put_item(TableName=table_name, Item={"id": {"S": "before"}})

    async def run():
        arn = await _arn(conn, table_name)
        client = streams.streams_client(conn)
        tail = streams.tail(client, arn, backoff=Backoff(first=0.02, cap=0.1))
        await tail.start()
        await asyncio.to_thread(ddb.put_item, TableName=table_name,
                                Item={"id": {"S": "after"}, "price": {"N": "12.50"}})
        batch = await asyncio.wait_for(anext(tail), TIMEOUT)
        tail.stop()
        with pytest.raises(StopAsyncIteration):
            await anext(tail)
        # Resuming after the last record seen picks up what came in between.
        await asyncio.to_thread(ddb.put_item, TableName=table_name,
                                Item={"id": {"S": "while-paused"}})
        resumed = Tail(client, arn, after=tail.positions, backoff=Backoff(first=0.02, cap=0.1))
        again = await asyncio.wait_for(anext(resumed), TIMEOUT)
        resumed.stop()
        return batch, again

    batch, again = asyncio.run(run())
    assert [(r.event_name, r.keys["id"]["S"]) for r in batch] == [("INSERT", "after")]
    assert batch[0].new_image == {"id": {"S": "after"}, "price": {"N": "12.50"}}
    assert [r.keys["id"]["S"] for r in again] == ["while-paused"]


def test_tail_backs_off_while_quiet_and_resets_on_news(conn, ddb, table_name):
    _create(ddb, table_name)
    delays: list[float] = []

    async def run():
        arn = await _arn(conn, table_name)
        tail = Tail(streams.streams_client(conn), arn, backoff=Backoff(jitter=0))

        async def fake_sleep(delay):
            delays.append(delay)
            if len(delays) == 3:
                await asyncio.to_thread(ddb.put_item, TableName=table_name,
                                        Item={"id": {"S": "news"}})
            if len(delays) == 6:
                tail.stop()

        tail._sleep = fake_sleep
        return [batch async for batch in tail], tail.polls

    batches, polls = asyncio.run(run())
    assert [[r.keys["id"]["S"] for r in b] for b in batches] == [["news"]]
    assert delays == [0.25, 0.5, 1.0, 0.25, 0.5, 1.0]
    assert polls == 7
    capped = Backoff(first=0.25, cap=2.0, jitter=0)
    assert [capped.next() for _ in range(6)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_a_waiting_tail_can_be_cancelled(conn, ddb, table_name):
    _create(ddb, table_name)

    async def run():
        arn = await _arn(conn, table_name)
        sleeping = asyncio.Event()

        async def sleep_forever(delay):
            sleeping.set()
            await asyncio.Future()

        tail = Tail(streams.streams_client(conn), arn, sleep=sleep_forever)
        task = asyncio.ensure_future(anext(tail))
        await asyncio.wait_for(sleeping.wait(), TIMEOUT)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return task

    assert asyncio.run(run()).cancelled()


def test_a_tail_on_a_disabled_stream_ends_by_itself(conn, ddb, table_name):
    _create(ddb, table_name)
    client = streams.streams_client(conn, shared=False)
    disabled = {"StreamDescription": {
        "StreamArn": "arn:placeholder", "StreamStatus": "DISABLED",
        "StreamViewType": "NEW_AND_OLD_IMAGES",
        "Shards": [{"ShardId": OLD_SHARD,
                    "SequenceNumberRange": {"StartingSequenceNumber": "100",
                                            "EndingSequenceNumber": "200"}}]}}
    injector = StreamsInjector(client.client, "DescribeStream", lambda r, n: response(disabled))

    async def run():
        tail = Tail(client, await _arn(conn, table_name))
        return [batch async for batch in tail], tail

    try:
        batches, tail = asyncio.run(run())
    finally:
        injector.remove()
    assert batches == [] and tail.stopped and tail.shards == ()
    assert tail.info.status == "DISABLED" and tail.polls == 1


def test_history_can_be_limited_and_reports_progress(conn, ddb, table_name):
    _create(ddb, table_name)
    _put_many(ddb, table_name, 7)
    seen = []

    async def run():
        arn = await _arn(conn, table_name)
        client = streams.streams_client(conn)
        some = await streams.read_all(client, arn, limit=3, page_size=2)
        every = await streams.read_all(client, arn, page_size=3, progress=seen.append)
        return some, every

    some, every = asyncio.run(run())
    assert [r.keys["id"]["S"] for r in some] == ["i0", "i1", "i2"]
    assert [r.keys["id"]["S"] for r in every] == [f"i{i}" for i in range(7)]
    assert [p.records for p in seen] == [3, 6, 7, 7]
    assert seen[-1].shards_done == seen[-1].shards_total == 1


def test_sandbox_user_sessions_history(sandbox):
    conn = connect(sandbox.profile)
    now = datetime.now(UTC)

    async def run():
        arn = await streams.stream_arn(conn, "UserSessions")
        return await streams.read_all(streams.streams_client(conn), arn)

    records = asyncio.run(run())
    events = [r.event_name for r in records]
    assert events.count("INSERT") >= 300
    assert events.count("MODIFY") >= 25 and events.count("REMOVE") >= 10
    assert events.index("MODIFY") > events.index("INSERT")
    modify = next(r for r in records if r.event_name == "MODIFY")
    kinds = {c.path_text: c.kind for c in diff(modify.old_image, modify.new_image)}
    assert kinds == {"expires_at": CHANGED, "last_seen": ADDED}
    remove = next(r for r in records if r.event_name == "REMOVE")
    assert remove.new_image is None and remove.old_image["session_id"] == remove.keys[
        "session_id"]
    assert isinstance(remove.old_image["token_hash"]["B"], bytes)
    # The demo's millisecond expiry times arrive with their items and are never updated.
    millis = [r for r in records if r.event_name == "INSERT"
              and expiry(r.new_image, "expires_at", now).state == MILLISECONDS]
    assert len(millis) == 3
    assert not [r for r in records if r.event_name == "MODIFY"
                and expiry(r.old_image, "expires_at", now).state == MILLISECONDS]


def test_enable_and_disable_the_stream(conn, ddb, table_name):
    _create(ddb, table_name, view_type=None)

    async def run():
        arn = await streams.enable_stream(conn, table_name, "NEW_IMAGE")
        info = await streams.describe_stream(streams.streams_client(conn), arn)
        await streams.disable_stream(conn, table_name)
        return arn, info

    arn, info = asyncio.run(run())
    assert arn and info.view_type == "NEW_IMAGE" and info.status == "ENABLED"
    assert "StreamSpecification" not in ddb.describe_table(TableName=table_name)["Table"]


def test_changing_the_view_type_disables_waits_and_enables(conn, ddb, table_name):
    _create(ddb, table_name)
    updates = Injector(conn.client, "UpdateTable", lambda r, n: response(
        {"TableDescription": {"TableName": table_name, "LatestStreamArn": "arn:new"}})
        if n == 2 else None)  # moto cannot enable a stream again once disabled
    busy = Injector(conn.client, "DescribeTable", lambda r, n: response(
        {"Table": {"TableName": table_name, "TableStatus": "UPDATING"}}) if n == 1 else None)
    slept, steps = [], []

    async def fake_sleep(delay):
        slept.append(delay)

    try:
        arn = asyncio.run(streams.change_view_type(conn, table_name, "KEYS_ONLY",
                                                   sleep=fake_sleep, interval_s=3,
                                                   progress=steps.append))
    finally:
        updates.remove()
        busy.remove()
    assert arn == "arn:new"
    assert [b["StreamSpecification"] for b in updates.bodies] == [
        {"StreamEnabled": False}, {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}]
    assert busy.sent == 2 and slept == [3]
    assert steps == ["Disabling the stream", "Waiting for the table", "Enabling the stream"]


def test_stream_changes_are_checked_and_refused_when_read_only(conn, ddb, table_name):
    _create(ddb, table_name, view_type=None)
    locked = connect(replace(conn.profile, read_only=True))
    with pytest.raises(ReadOnlyError, match="read-only"):
        asyncio.run(streams.enable_stream(locked, table_name))
    with pytest.raises(StreamError, match="not a stream view type"):
        asyncio.run(streams.enable_stream(conn, table_name, "EVERYTHING"))
    assert "LatestStreamArn" not in ddb.describe_table(TableName=table_name)["Table"]
    asyncio.run(streams.enable_stream(conn, table_name))
    with pytest.raises(StreamError, match="Could not enable the stream"):
        asyncio.run(streams.enable_stream(conn, table_name))  # already enabled
