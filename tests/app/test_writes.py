"""Writes: minimal conditional saves, conflicts, lost responses, moves, deletes, batches."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import urllib.request
import uuid
from decimal import Decimal

import pytest
from botocore.exceptions import ReadTimeoutError
from faults import Injector, response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import by_value, items, names, values

from app import writes
from app.catalog import TableInfo, table_info
from app.codec import DOCUMENT, dumps, loads
from app.connections import connect
from app.expressions import MAX_EXPRESSION_BYTES
from app.writes import (
    LOST_RESPONSE_NOTE,
    Conflict,
    InvalidItem,
    ItemExists,
    ReadOnlyConnection,
    WriteError,
)

WRITE_OPERATIONS = ("UpdateItem", "PutItem", "DeleteItem", "TransactWriteItems",
                    "BatchWriteItem")
ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"


def run(coro):
    return asyncio.run(coro)


def make_table(ddb, name: str) -> TableInfo:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return table_info(ddb.describe_table(TableName=name)["Table"])


@pytest.fixture
def table(ddb, table_name) -> TableInfo:
    """A fresh table keyed by the string `pk`."""
    return make_table(ddb, table_name)


def get(ddb, table: TableInfo, pk: str):
    return ddb.get_item(TableName=table.name, Key={"pk": {"S": pk}},
                        ConsistentRead=True).get("Item")


def put(ddb, table: TableInfo, item):
    ddb.put_item(TableName=table.name, Item=item)
    return get(ddb, table, item["pk"]["S"])  # as the server hands it back


class Watch:
    """Counts (and keeps the bodies of) every write request a client sends."""

    def __init__(self, client) -> None:
        self.injectors = {op: Injector(client, op, lambda request, n: None)
                          for op in WRITE_OPERATIONS}

    @property
    def sent(self) -> int:
        return sum(i.sent for i in self.injectors.values())

    def bodies(self, operation: str) -> list[dict]:
        return self.injectors[operation].bodies

    def remove(self) -> None:
        for injector in self.injectors.values():
            injector.remove()


@pytest.fixture
def watch(conn):
    watcher = Watch(conn.client)
    yield watcher
    watcher.remove()


def spelled(body: dict, field: str) -> str:
    """An expression of a sent body with its placeholders spelled out."""
    text = body[field]
    text = re.sub(r"#n\d+", lambda m: body["ExpressionAttributeNames"][m.group()], text)
    return re.sub(r":v\d+", lambda m: json.dumps(body["ExpressionAttributeValues"][m.group()],
                                                  sort_keys=True), text)


def forward(request, body: dict | None = None) -> dict:
    """Send a captured request (or a changed body) to the server ourselves."""
    data = request.body if body is None else json.dumps(body).encode()
    headers = {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()
               if k.lower() != "content-length"}
    req = urllib.request.Request(request.url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as reply:
        return json.loads(reply.read() or b"{}")


def server_error():
    return response({"__type": ERROR_PREFIX + "InternalServerError",
                     "message": "injected: the response was lost"}, status=500)


ORDER = {"pk": {"S": "o1"}, "status": {"S": "NEW"}, "total": {"N": "12.50"},
         "tags": {"SS": ["a", "b"]}, "scores": {"NS": ["1", "2.5"]},
         "coupon": {"S": "WELCOME"}, "address": {"M": {"city": {"S": "Oslo"}}}}


# ------------------------------------------------------------------ diff

def test_diff_compares_by_value_at_the_top_level():
    loaded = {"n": {"N": "12.50"}, "ns": {"NS": ["1", "2.5"]}, "ss": {"SS": ["a", "b"]},
              "m": {"M": {"a": {"N": "1"}, "b": {"S": "x"}}}, "t": {"N": "1"},
              "gone": {"BOOL": True}}
    edited = {"n": {"N": "12.5"}, "ns": {"NS": ["2.50", "1E0"]}, "ss": {"SS": ["b", "a"]},
              "m": {"M": {"a": {"N": "1"}, "b": {"S": "y"}}}, "t": {"S": "1"},
              "new": {"NULL": True}}
    changes = writes.diff(loaded, edited)
    assert [(c.name, c.action) for c in changes] == [
        ("m", "set"), ("t", "set"), ("new", "add"), ("gone", "remove")]
    assert changes[0].new == edited["m"]  # the whole map, not the nested path
    assert changes[1].describe() == 't: 1 → "1"'
    assert not writes.same_value({"NS": ["1", "2"]}, {"NS": ["1", "2", "3"]})
    assert not writes.same_value({"L": [{"N": "1"}]}, {"L": [{"N": "1"}, {"N": "1"}]})


def test_a_loaded_item_saved_unchanged_sends_nothing(conn, ddb, table, watch):
    loaded = put(ddb, table, ORDER)
    for view in ("dynamodb", DOCUMENT):
        edited = loads(dumps(loaded, view), view)
        assert writes.plan_save(table, loaded, edited) is None
        assert run(writes.save_changes(conn, table, loaded, edited)) is None
    same_values = {**loaded, "total": {"N": "12.5"}, "scores": {"NS": ["2.50", "1"]},
                   "tags": {"SS": ["b", "a"]}}
    assert run(writes.save_changes(conn, table, loaded, same_values)) is None
    assert watch.sent == 0
    assert get(ddb, table, "o1")["total"] == {"N": "12.50"}


# ------------------------------------------------------------------ save

def test_a_save_sends_only_the_changed_paths_with_conditions(conn, ddb, table, watch):
    loaded = put(ddb, table, ORDER)
    edited = {k: v for k, v in loaded.items() if k != "coupon"}
    edited.update(status={"S": "PAID"}, total={"N": "12.5"}, note={"S": "gift"})
    result = run(writes.save_changes(conn, table, loaded, edited))
    (body,) = watch.bodies("UpdateItem")
    assert watch.sent == 1
    assert spelled(body, "UpdateExpression") == (
        'SET status = {"S": "PAID"}, note = {"S": "gift"} REMOVE coupon')
    assert spelled(body, "ConditionExpression") == (
        'attribute_exists(pk) AND status = {"S": "NEW"} AND attribute_not_exists(note) '
        'AND coupon = {"S": "WELCOME"}')
    assert body["Key"] == {"pk": {"S": "o1"}}
    assert body["ReturnValuesOnConditionCheckFailure"] == "ALL_OLD"
    assert body["ReturnValues"] == "ALL_NEW"
    assert set(body["ExpressionAttributeNames"].values()) == {"pk", "status", "note", "coupon"}
    back = get(ddb, table, "o1")
    assert back == result.item
    assert back["total"] == {"N": "12.50"}  # equal by value: not sent, not rewritten
    assert "coupon" not in back and back["note"] == {"S": "gift"}
    assert back["tags"] == loaded["tags"] and back["address"] == loaded["address"]
    assert result.note == "" and result.retried == 0


def test_racing_saves_the_second_is_a_conflict_and_nothing_is_lost(conn, endpoint_profile,
                                                                   ddb, table):
    other = connect(endpoint_profile)
    loaded = put(ddb, table, ORDER)
    mine_a = {**loaded, "status": {"S": "SHIPPED"}, "total": {"N": "15"}}
    mine_b = {**loaded, "status": {"S": "CANCELLED"}}
    a_result = run(writes.save_changes(conn, table, loaded, mine_a))
    with pytest.raises(Conflict) as caught:
        run(writes.save_changes(other, table, loaded, mine_b))
    conflict = caught.value
    assert "Someone else changed this item" in str(conflict) and "nothing was saved" in str(
        conflict)
    assert conflict.loaded == loaded and conflict.mine == mine_b
    assert by_value(conflict.theirs) == by_value(a_result.item) == by_value(mine_a)
    assert by_value(get(ddb, table, "o1")) == by_value(mine_a)

    # the user chooses to overwrite: B's change only, conditioned on what the conflict showed
    overwrite = writes.plan_overwrite(conflict)
    assert spelled(overwrite.request, "UpdateExpression") == 'SET status = {"S": "CANCELLED"}'
    assert 'status = {"S": "SHIPPED"}' in spelled(overwrite.request, "ConditionExpression")
    ddb.update_item(TableName=table.name, Key={"pk": {"S": "o1"}},
                    UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "status"},
                    ExpressionAttributeValues={":s": {"S": "RETURNED"}})
    with pytest.raises(Conflict) as again:  # a third change meanwhile: refused again
        run(writes.save(other, overwrite))
    assert again.value.theirs["status"] == {"S": "RETURNED"}
    run(writes.save(other, writes.plan_overwrite(again.value)))
    final = get(ddb, table, "o1")
    assert by_value(final) == by_value({**mine_a, "status": {"S": "CANCELLED"}})
    assert final["total"] == {"N": "15"}  # A's other change survives B's overwrite


def test_racing_saves_of_different_attributes_both_land(conn, endpoint_profile, ddb, table):
    other = connect(endpoint_profile)
    loaded = put(ddb, table, ORDER)
    run(writes.save_changes(conn, table, loaded, {**loaded, "status": {"S": "PAID"}}))
    run(writes.save_changes(other, table, loaded, {**loaded, "note": {"S": "ring twice"}}))
    back = get(ddb, table, "o1")
    assert back["status"] == {"S": "PAID"} and back["note"] == {"S": "ring twice"}


def test_a_save_of_an_item_deleted_meanwhile_is_a_conflict(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    ddb.delete_item(TableName=table.name, Key={"pk": {"S": "o1"}})
    mine = {**loaded, "status": {"S": "PAID"}}
    with pytest.raises(Conflict) as caught:
        run(writes.save_changes(conn, table, loaded, mine))
    assert caught.value.theirs is None and "deleted after you loaded it" in str(caught.value)
    assert get(ddb, table, "o1") is None  # not resurrected by the update
    recreate = writes.plan_overwrite(caught.value)
    assert recreate.kind == "create"
    run(writes.save(conn, recreate))
    assert by_value(get(ddb, table, "o1")) == by_value(mine)


@pytest.mark.parametrize("loss", ["http 500", "read timeout"])
def test_a_retried_save_whose_first_attempt_landed_is_not_a_conflict(conn, ddb, table, loss):
    """The first UpdateItem reaches the server, its answer is lost, botocore retries, the
    retry fails its condition: the app's own client reports success, with a note."""
    loaded = put(ddb, table, ORDER)
    mine = {**loaded, "status": {"S": "PAID"}}

    def lose_first_answer(request, n):
        if n == 1:
            forward(request)
            if loss == "read timeout":
                raise ReadTimeoutError(endpoint_url=request.url)
            return server_error()
        return None

    injector = Injector(conn.client, "UpdateItem", lose_first_answer)
    try:
        result = run(writes.save_changes(conn, table, loaded, mine))
    finally:
        injector.remove()
    assert injector.sent == 2
    assert result.note == LOST_RESPONSE_NOTE and result.retried == 1
    assert by_value(result.item) == by_value(mine) == by_value(get(ddb, table, "o1"))


def test_a_retried_save_that_meets_someone_elses_change_is_a_conflict(conn, ddb, table):
    loaded = put(ddb, table, ORDER)

    def someone_else_first(request, n):
        if n == 1:  # our first attempt is lost before the server; another writer lands
            ddb.put_item(TableName=table.name, Item={**ORDER, "status": {"S": "VOID"}})
            return server_error()
        return None

    injector = Injector(conn.client, "UpdateItem", someone_else_first)
    try:
        with pytest.raises(Conflict) as caught:
            run(writes.save_changes(conn, table, loaded, {**loaded, "status": {"S": "PAID"}}))
    finally:
        injector.remove()
    assert injector.sent == 2
    assert caught.value.theirs["status"] == {"S": "VOID"}
    assert get(ddb, table, "o1")["status"] == {"S": "VOID"}


# ------------------------------------------------------------------ versions

def test_a_version_attribute_increments_exactly_and_guards_the_save(conn, ddb, table, watch):
    nines = "9" * 38
    loaded = put(ddb, table, {**ORDER, "v": {"N": nines}})
    plan = writes.plan_save(table, loaded, {**loaded, "status": {"S": "PAID"}}, "v")
    assert spelled(plan.request, "ConditionExpression") == (
        f'attribute_exists(pk) AND v = {{"N": "{nines}"}}')
    assert spelled(plan.request, "UpdateExpression") == (
        'SET status = {"S": "PAID"}, v = {"N": "1' + "0" * 38 + '"}')
    run(writes.save(conn, plan))
    back = get(ddb, table, "o1")
    assert Decimal(back["v"]["N"]) == Decimal(nines) + 1  # no float: 1E+38 exactly
    assert back["status"] == {"S": "PAID"}

    with pytest.raises(WriteError, match="cannot go up by one"):  # 1E+38 + 1: 39 digits
        writes.plan_save(table, back, {**back, "status": {"S": "X"}}, "v")

    loaded = put(ddb, table, {**ORDER, "v": {"N": "7"}})
    # someone else bumps the version (changing an attribute we do not touch)
    ddb.update_item(TableName=table.name, Key={"pk": {"S": "o1"}},
                    UpdateExpression="SET #v = :v, #n = :n",
                    ExpressionAttributeNames={"#v": "v", "#n": "note"},
                    ExpressionAttributeValues={":v": {"N": "8"}, ":n": {"S": "theirs"}})
    with pytest.raises(Conflict) as caught:
        run(writes.save_changes(conn, table, loaded, {**loaded, "total": {"N": "1"}}, "v"))
    assert caught.value.theirs["v"] == {"N": "8"}
    after = get(ddb, table, "o1")
    assert after["total"] == {"N": "12.50"} and after["note"] == {"S": "theirs"}
    assert watch.sent == 2


def test_a_version_starts_at_one_and_cannot_be_edited_by_hand(ddb, table):
    loaded = put(ddb, table, ORDER)
    plan = writes.plan_save(table, loaded, {**loaded, "status": {"S": "X"}}, "v")
    assert "attribute_not_exists(v)" in spelled(plan.request, "ConditionExpression")
    assert plan.mine["v"] == {"N": "1"}
    with pytest.raises(WriteError, match="set by each save"):
        writes.plan_save(table, loaded, {**loaded, "v": {"N": "3"}}, "v")
    with pytest.raises(WriteError, match="not a number"):
        writes.plan_save(table, loaded, {**loaded, "total": {"N": "1"}}, "status")


# ------------------------------------------------------------------ create, move

def test_create_refuses_an_existing_key_and_duplicate_needs_a_new_one(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    with pytest.raises(ItemExists) as caught:
        run(writes.save(conn, writes.plan_create(table, {"pk": {"S": "o1"}})))
    assert str(caught.value).startswith('An item with key pk = "o1" already exists')
    assert by_value(caught.value.existing) == by_value(loaded)
    with pytest.raises(WriteError, match="same key"):
        writes.plan_duplicate(table, loaded, {"pk": {"S": "o1"}})
    run(writes.save(conn, writes.plan_duplicate(table, loaded, {"pk": {"S": "o2"}})))
    assert by_value(get(ddb, table, "o2")) == by_value({**loaded, "pk": {"S": "o2"}})
    assert by_value(get(ddb, table, "o1")) == by_value(loaded)


def test_a_key_change_moves_the_item_atomically(conn, ddb, table, watch):
    loaded = put(ddb, table, ORDER)
    edited = {**loaded, "pk": {"S": "o9"}, "status": {"S": "MOVED"}}
    plan = writes.plan_save(table, loaded, edited)
    assert plan.kind == "move" and plan.operation == "transact_write_items"
    result = run(writes.save(conn, plan))
    (body,) = watch.bodies("TransactWriteItems")
    put_action, delete_action = (a["Put"] if "Put" in a else a["Delete"]
                                 for a in body["TransactItems"])
    assert spelled(put_action, "ConditionExpression") == "attribute_not_exists(pk)"
    assert delete_action["Key"] == {"pk": {"S": "o1"}}
    assert 'status = {"S": "NEW"}' in spelled(delete_action, "ConditionExpression")
    assert body["ClientRequestToken"] == plan.request["ClientRequestToken"]
    assert get(ddb, table, "o1") is None
    assert by_value(get(ddb, table, "o9")) == by_value(edited) == by_value(result.item)


def test_a_move_onto_an_existing_key_changes_nothing(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    taken = put(ddb, table, {"pk": {"S": "o2"}, "status": {"S": "OTHER"}})
    with pytest.raises(ItemExists) as caught:
        run(writes.save_changes(conn, table, loaded, {**loaded, "pk": {"S": "o2"}}))
    assert 'pk = "o2" already exists' in str(caught.value)
    assert "nothing was changed" in str(caught.value)
    assert get(ddb, table, "o1") == loaded and get(ddb, table, "o2") == taken


def test_a_move_of_an_item_changed_meanwhile_is_a_conflict(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    changed = put(ddb, table, {**ORDER, "total": {"N": "99"}})
    with pytest.raises(Conflict) as caught:
        run(writes.save_changes(conn, table, loaded, {**loaded, "pk": {"S": "o3"}}))
    assert by_value(caught.value.theirs) == by_value(changed)
    assert get(ddb, table, "o3") is None and get(ddb, table, "o1") == changed


def test_a_retried_move_whose_first_attempt_landed_is_not_an_error(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    edited = {**loaded, "pk": {"S": "o7"}}

    def lose_first_answer(request, n):
        if n == 1:
            forward(request)
            return server_error()
        return None

    injector = Injector(conn.client, "TransactWriteItems", lose_first_answer)
    try:
        result = run(writes.save_changes(conn, table, loaded, edited))
    finally:
        injector.remove()
    assert injector.sent == 2 and result.note == LOST_RESPONSE_NOTE
    assert injector.bodies[0]["ClientRequestToken"] == injector.bodies[1]["ClientRequestToken"]
    assert get(ddb, table, "o1") is None
    assert by_value(get(ddb, table, "o7")) == by_value(edited)


def test_a_conflicting_transaction_is_retried_with_the_same_token(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    busy = {"__type": ERROR_PREFIX + "TransactionCanceledException",
            "Message": "Transaction cancelled [TransactionConflict, None]",
            "CancellationReasons": [{"Code": "TransactionConflict", "Message": "busy"},
                                    {"Code": "None"}]}
    injector = Injector(conn.client, "TransactWriteItems",
                        lambda request, n: response(busy, 400) if n <= 2 else None)
    delays: list[float] = []

    async def sleep(seconds):
        delays.append(seconds)

    plan = writes.plan_save(table, loaded, {**loaded, "pk": {"S": "o4"}})
    try:
        run(writes.save(conn, plan, sleep=sleep, rng=lambda: 1.0))
    finally:
        injector.remove()
    assert injector.sent == 3
    assert len({b["ClientRequestToken"] for b in injector.bodies}) == 1
    assert delays == [writes.BACKOFF_BASE_S, writes.BACKOFF_BASE_S * 2]  # capped, growing
    assert get(ddb, table, "o1") is None and get(ddb, table, "o4") is not None
    assert writes.backoff(40, rng=lambda: 1.0) == writes.BACKOFF_CAP_S
    assert writes.backoff(3, rng=lambda: 0.0) == 0.0


# ------------------------------------------------------------------ delete

def test_a_delete_is_conditioned_on_the_loaded_item(conn, ddb, table):
    loaded = put(ddb, table, ORDER)
    plan = writes.plan_delete(table, loaded)
    condition = spelled(plan.request, "ConditionExpression")
    assert condition.startswith("attribute_exists(pk) AND status = ")
    assert 'total = {"N": "12.50"}' in condition and plan.note == ""
    changed = put(ddb, table, {**ORDER, "coupon": {"S": "SPRING"}})
    with pytest.raises(Conflict) as caught:
        run(writes.save(conn, plan))
    assert "nothing was deleted" in str(caught.value)
    assert caught.value.theirs == changed and get(ddb, table, "o1") == changed
    result = run(writes.save(conn, writes.plan_overwrite(caught.value)))
    assert result.item is None and get(ddb, table, "o1") is None
    gone = run(writes.save(conn, writes.plan_delete(table, changed)))
    assert "already been deleted" in gone.note


def test_a_delete_of_a_very_wide_item_checks_what_fits_and_says_so(conn, ddb, table):
    wide = {"pk": {"S": "w"}, **{f"attribute_{i:03d}": {"N": str(i)} for i in range(400)}}
    loaded = put(ddb, table, wide)
    plan = writes.plan_delete(table, loaded)
    assert len(plan.request["ConditionExpression"].encode()) <= MAX_EXPRESSION_BYTES
    assert "400 attributes" in plan.note and "version attribute" in plan.note
    versioned = writes.plan_delete(table, {**loaded, "v": {"N": "2"}}, "v")
    assert spelled(versioned.request, "ConditionExpression") == (
        'attribute_exists(pk) AND v = {"N": "2"}')
    run(writes.save(conn, plan))
    assert get(ddb, table, "w") is None


# ------------------------------------------------------------------ batch delete

def fill(ddb, table: TableInfo, count: int) -> list[dict]:
    keys = [{"pk": {"S": f"k{i:04d}"}} for i in range(count)]
    for start in range(0, count, 25):
        ddb.batch_write_item(RequestItems={table.name: [
            {"PutRequest": {"Item": {**k, "n": {"N": "1"}}}} for k in keys[start:start + 25]]})
    return keys


def count(ddb, table: TableInfo) -> int:
    return ddb.scan(TableName=table.name, Select="COUNT")["Count"]


def test_delete_many_rides_over_unprocessed_items(conn, ddb, table):
    keys = fill(ddb, table, 1000)
    keys.append(dict(keys[0]))  # a repeated key is deleted once

    def sometimes_unprocessed(request, n):
        body = json.loads(request.body)
        batch = body["RequestItems"][table.name]
        assert len(batch) <= writes.BATCH_WRITE_LIMIT
        if n == 1:  # nothing processed at all
            return response({"UnprocessedItems": body["RequestItems"]})
        if n in (2, 3, 7, 20):  # half processed, half handed back
            done, left = batch[:len(batch) // 2], batch[len(batch) // 2:]
            forward(request, {**body, "RequestItems": {table.name: done}})
            return response({"UnprocessedItems": {table.name: left}})
        return None

    injector = Injector(conn.client, "BatchWriteItem", sometimes_unprocessed)
    seen: list[tuple[int, int]] = []
    delays: list[float] = []

    async def sleep(seconds):
        delays.append(seconds)

    try:
        summary = run(writes.delete_many(conn, table, keys, lambda d, t: seen.append((d, t)),
                                         sleep=sleep))
    finally:
        injector.remove()
    assert summary.deleted == summary.total == 1000
    assert summary.failed == [] and not summary.cancelled and summary.remaining == 0
    assert seen[-1] == (1000, 1000) and seen[0] == (0, 1000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(delays) == 5 and all(0 <= d <= writes.BACKOFF_CAP_S for d in delays)
    # 1,000 keys plus 77 sent again (25 + 4 x 13), in full batches of 25
    assert injector.sent == 44
    assert count(ddb, table) == 0


def test_delete_many_stops_when_cancelled(conn, ddb, table):
    keys = fill(ddb, table, 300)
    stop = asyncio.Event()

    def progress(done, total):
        if done >= 100:
            stop.set()

    summary = run(writes.delete_many(conn, table, keys, progress, stop))
    assert summary.cancelled and summary.deleted == 100 and summary.remaining == 200
    assert "Cancelled: 200 were not attempted" in summary.message
    assert count(ddb, table) == 200
    halfway = run(writes.delete_many(conn, table, keys[100:], cancelled=lambda: True))
    assert halfway.cancelled and halfway.deleted == 0 and count(ddb, table) == 200


def test_delete_many_reports_bad_keys_without_sending_them(conn, ddb, table, watch):
    keys = fill(ddb, table, 3)
    bad = [{"pk": {"N": "1"}}, {"pk": {"S": "k0001"}, "n": {"N": "1"}}, {}]
    summary = run(writes.delete_many(conn, table, [keys[0], *bad]))
    assert summary.deleted == 1 and len(summary.failed) == 3
    reasons = [reason for _, reason in summary.failed]
    assert "must be a string (S)" in reasons[0]
    assert "a key holds only the key attributes" in reasons[1]
    assert (watch.sent, count(ddb, table)) == (1, 2)
    assert writes.confirm_delete_text(table.name, 1000) == (
        f"Delete 1,000 items from table {table.name}? This cannot be undone.")


# ------------------------------------------------------------------ refusals

BAD_ITEMS = {
    "39 digits": ({**ORDER, "total": {"N": "1" * 39}}, "at most 38 significant digits"),
    "empty set": ({**ORDER, "tags": {"SS": []}}, "a set cannot be empty"),
    "missing key": ({k: v for k, v in ORDER.items() if k != "pk"}, "has no partition key"),
    "401 KB": ({**ORDER, "blob": {"B": b"x" * 401 * 1024}}, "at most 409,600 bytes (400 KB)"),
}


@pytest.mark.parametrize("case", list(BAD_ITEMS))
def test_bad_input_is_refused_with_a_clear_message_and_nothing_sent(conn, ddb, table, watch,
                                                                    case):
    bad, rule = BAD_ITEMS[case]
    loaded = put(ddb, table, ORDER)
    attempts = [lambda: writes.plan_create(table, bad),
                lambda: run(writes.save_changes(conn, table, loaded, bad)),
                lambda: writes.plan_move(table, loaded, {**bad, "pk": {"S": "new"}})]
    for attempt in attempts[:2 if case == "missing key" else 3]:
        with pytest.raises(InvalidItem) as caught:
            attempt()
        assert str(caught.value).startswith("Nothing was sent: the item has a problem")
        assert rule in str(caught.value)
    assert watch.sent == 0 and get(ddb, table, "o1") == loaded


def test_a_read_only_connection_refuses_every_write(endpoint_profile, ddb, table):
    read_only = connect(dataclasses.replace(endpoint_profile, name="Production",
                                            read_only=True))
    watcher = Watch(read_only.client)
    loaded = put(ddb, table, ORDER)
    plans = [writes.plan_save(table, loaded, {**loaded, "status": {"S": "X"}}),
             writes.plan_create(table, {"pk": {"S": "new"}}),
             writes.plan_delete(table, loaded),
             writes.plan_move(table, loaded, {**loaded, "pk": {"S": "o5"}})]
    calls = [lambda plan=plan: writes.save(read_only, plan) for plan in plans]
    calls += [lambda: writes.save_changes(read_only, table, loaded, {**loaded, "a": {"S": "b"}}),
              lambda: writes.delete_many(read_only, table, [{"pk": {"S": "o1"}}])]
    try:
        for call in calls:
            with pytest.raises(ReadOnlyConnection) as caught:
                run(call())
            assert str(caught.value).startswith("Production is read-only: Dynascope did not")
    finally:
        watcher.remove()
    assert watcher.sent == 0
    assert get(ddb, table, "o1") == loaded and get(ddb, table, "new") is None


# ------------------------------------------------------------------ property

@st.composite
def edit(draw, item):
    """`item` changed in one to three ways: a value replaced, added or removed."""
    edited = dict(item)
    for _ in range(draw(st.integers(1, 3))):
        others = [n for n in edited if n != "pk"]
        how = draw(st.sampled_from(["add", "set", "remove"] if others else ["add"]))
        if how == "add":
            edited[draw(names.filter(lambda n: n != "pk"))] = draw(values(max_leaves=6))
        elif how == "set":
            edited[draw(st.sampled_from(others))] = draw(values(max_leaves=6))
        else:
            del edited[draw(st.sampled_from(others))]
    return edited


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_items_edited_and_saved_read_back_equal(conn, ddb, table, data):
    item = {**data.draw(items(max_size=5)), "pk": {"S": uuid.uuid4().hex}}
    run(writes.save(conn, writes.plan_create(table, item)))
    loaded = get(ddb, table, item["pk"]["S"])
    assert by_value(loaded) == by_value(item)
    edited = data.draw(edit(loaded))
    result = run(writes.save_changes(conn, table, loaded, edited))
    back = get(ddb, table, item["pk"]["S"])
    assert by_value(back) == by_value(edited)
    if result is None:
        assert writes.same_item(loaded, edited)
    else:
        assert by_value(result.item) == by_value(edited)
