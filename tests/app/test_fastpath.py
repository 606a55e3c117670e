"""The fast page path gives the very items botocore's parser gives, and survives faults."""

from __future__ import annotations

import asyncio
import base64
import json
import zlib
from typing import Any

import botocore.session
import pytest
import strategies
from faults import Injector, response, throttle
from hypothesis import given, settings
from hypothesis import strategies as st

from app import codec, fastpath
from app.connections import Connection, connect
from app.errors import DynascopeError
from app.paging import Pager

BIG = "12345678901234567890123456789012345678"  # 38 digits


def _mixed(i: int) -> dict[str, Any]:
    """Every type DynamoDB has, binary nested in lists and maps, empty strings."""
    return {
        "s": {"S": ["", "plain", "é ☃ \u2028 \"B\": not binary", "x" * 300][i % 4]},
        "n": {"N": [BIG, "1E-100", "-0.50", "12.50", "-9.9E+125"][i % 5]},
        "b": {"B": bytes([i, 0, 255]) * (i % 3)},
        "t": {"BOOL": i % 2 == 0},
        "z": {"NULL": True},
        "ss": {"SS": ["a", "", f"s{i}"]},
        "ns": {"NS": [BIG, "1E-100", str(i)]},
        "bs": {"BS": [b"\x00", bytes([i + 1]) * 5]},
        "l": {"L": [{"B": b"\x01\x02"}, {"N": "0.000"}, {"L": [{"BS": [b"deep"]}]},
                    {"M": {"k": {"B": bytes([i])}}}, {"S": ""}]},
        "m": {"M": {"inner": {"M": {"bin": {"B": b"\xfe" * i}, "num": {"N": "7E+3"}}},
                    "empty": {"M": {}}, "list": {"L": []}, "null": {"NULL": True}}},
    }


def _plain(i: int) -> dict[str, Any]:
    """No binary anywhere: the fast path does not walk these pages at all."""
    item = _mixed(i)
    for name in ("b", "bs", "l", "m"):
        del item[name]
    item["m"] = {"M": {"a": {"L": [{"N": BIG}, {"S": ""}, {"SS": ["q"]}]}}}
    return item


@pytest.fixture(params=["binary", "plain"])
def table(request, ddb, table_name) -> str:
    """12 items under two partition keys: with a binary sort key and binary values
    everywhere, or with a number sort key and no binary at all."""
    binary = request.param == "binary"
    ddb.create_table(
        TableName=table_name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "B" if binary else "N"}])
    for i in range(12):
        item = _mixed(i) if binary else _plain(i)
        item["pk"] = {"S": f"p{i % 2}"}
        item["sk"] = {"B": bytes([i, 7])} if binary else {"N": f"{i}.5"}
        ddb.put_item(TableName=table_name, Item=item)
    return table_name


def _typed(value: Any) -> Any:
    """A value with the type of every part spelled out: bytes must stay bytes, key order
    must be kept."""
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _content(page: dict[str, Any]) -> dict[str, Any]:
    """The response without its metadata (request id, dates), fields in name order (the
    fast path adds Items after the fields botocore parsed)."""
    return {k: page[k] for k in sorted(page) if k != "ResponseMetadata"}


class _Watch:
    """Counts the pages whose Items the fast path took (a `before-parse` handler that
    runs after it)."""

    def __init__(self, client: Any, operation: str) -> None:
        self.taken = self.pages = 0
        self.event = f"before-parse.dynamodb.{operation}"
        self.client = client
        client.meta.events.register_last(self.event, self._seen)

    def _seen(self, response_dict: dict, customized_response_dict: dict, **_: Any) -> None:
        self.pages += 1
        if "Items" in customized_response_dict:
            assert b'"Items"' not in response_dict["body"]  # botocore parses only the rest
            self.taken += 1

    def remove(self) -> None:
        self.client.meta.events.unregister(self.event, self._seen)


def _pages(conn: Connection, operation: str, request: dict[str, Any]) -> list[dict]:
    """Every page of a request, following LastEvaluatedKey / NextToken."""
    method = {"Scan": "scan", "Query": "query", "ExecuteStatement": "execute_statement"}
    cursor_in, cursor_out = (("NextToken", "NextToken") if operation == "ExecuteStatement"
                             else ("ExclusiveStartKey", "LastEvaluatedKey"))
    pages, kwargs = [], dict(request)
    while True:
        page = getattr(conn.client, method[operation])(**kwargs)
        pages.append(page)
        if cursor_out not in page:
            return pages
        kwargs[cursor_in] = page[cursor_out]


def _requests(table: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("Scan", {"TableName": table, "Limit": 5, "ReturnConsumedCapacity": "INDEXES"}),
        ("Query", {"TableName": table, "Limit": 2, "ReturnConsumedCapacity": "TOTAL",
                   "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": {"S": "p1"}}}),
        ("ExecuteStatement", {"Statement": f'SELECT * FROM "{table}"',
                              "ReturnConsumedCapacity": "TOTAL"}),
    ]


@pytest.mark.parametrize("which", range(3), ids=["Scan", "Query", "ExecuteStatement"])
def test_the_fast_path_gives_exactly_the_items_botocore_gives(endpoint_profile, table, which):
    operation, request = _requests(table)[which]
    fast = connect(endpoint_profile, fast_path=True)
    normal = connect(endpoint_profile, fast_path=False)
    watch, unwatched = _Watch(fast.client, operation), _Watch(normal.client, operation)
    try:
        ours = _pages(fast, operation, request)
        theirs = _pages(normal, operation, request)
    finally:
        watch.remove()
        unwatched.remove()
    assert [_content(p) for p in ours] == [_content(p) for p in theirs]
    assert [_typed(_content(p)) for p in ours] == [_typed(_content(p)) for p in theirs]
    items = [i for p in ours for i in p["Items"]]
    if operation == "Scan":
        assert len(items) == 12 and len(ours) > 2  # paged by LastEvaluatedKey
        assert "LastEvaluatedKey" in ours[0] and "ConsumedCapacity" in ours[0]
    if operation == "Query":
        assert len(items) == 6 and len(ours) > 2
    assert watch.taken == watch.pages == len(ours)  # every page took the fast path
    assert unwatched.taken == 0 and unwatched.pages == len(theirs)


def test_values_keep_their_exact_form(endpoint_profile, table):
    conn = connect(endpoint_profile, fast_path=True)
    items = conn.client.scan(TableName=table)["Items"]
    first = next(i for i in items if i["pk"]["S"] == "p0" and i["s"]["S"] == "")
    assert first["n"] == {"N": BIG} and first["ns"]["NS"].count(BIG) == 1
    assert {i["n"]["N"] for i in items} >= {"1E-100", "-0.50", "12.50", "-9.9E+125"}
    if "bs" in first:
        assert all(type(m) is bytes for i in items for m in i["bs"]["BS"])
        assert first["l"]["L"][2] == {"L": [{"BS": [b"deep"]}]}
        assert type(first["m"]["M"]["inner"]["M"]["bin"]["B"]) is bytes


def test_a_pager_reads_the_same_batches_and_ledger(endpoint_profile, table):
    def run(conn: Connection) -> tuple[list, list]:
        pager = Pager(conn, "Scan", {"TableName": table, "Limit": 4,
                                     "ReturnConsumedCapacity": "TOTAL"})

        async def go():
            return [await pager.next_batch(5) for _ in range(3)]

        batches = asyncio.run(go())
        return ([b.items for b in batches],
                [(r.count, r.scanned_count, r.capacity) for r in pager.ledger])

    fast_items, fast_ledger = run(connect(endpoint_profile, fast_path=True))
    items, ledger = run(connect(endpoint_profile, fast_path=False))
    assert _typed(fast_items) == _typed(items) and sum(map(len, items)) == 12
    assert fast_ledger == ledger and all(line[2] is not None for line in ledger)


def _scan(conn: Connection, table: str) -> dict[str, Any]:
    return asyncio.run(conn.call("scan", "scan", TableName=table, Limit=5))


def _with_faults(conn: Connection, responder, table: str) -> tuple[dict[str, Any], int]:
    injector = Injector(conn.client, "Scan", responder)
    try:
        return _scan(conn, table), injector.sent
    finally:
        injector.remove()


def _corrupt(body: bytes) -> Any:
    """A 200 whose x-amz-crc32 does not match its body, as a damaged transfer would be."""
    resp = response({})
    resp.raw._body = body
    resp.headers["x-amz-crc32"] = str((zlib.crc32(body) + 1) & 0xFFFFFFFF)
    return resp


FAULTS = {
    "a throttle": lambda request, n: throttle() if n == 1 else None,
    "two 500s": lambda request, n: response({"__type": "InternalServerError",
                                             "message": "boom"}, 500) if n <= 2 else None,
    "a damaged item page": lambda request, n: _corrupt(json.dumps(
        {"Items": [{"pk": {"S": "forged"}, "b": {"B": "AAE="}}], "Count": 1,
         "ScannedCount": 1}).encode()) if n == 1 else None,
    "a cut-off page": lambda request, n: _corrupt(b'{"Items":[{"pk":{"S":"p') if n == 1
    else None,
}


@pytest.mark.parametrize("fault", FAULTS)
def test_faults_are_retried_and_the_page_parsed_the_same(endpoint_profile, table, fault):
    fast = connect(endpoint_profile, fast_path=True)
    normal = connect(endpoint_profile, fast_path=False)
    watch = _Watch(fast.client, "Scan")
    try:
        ours, sent = _with_faults(fast, FAULTS[fault], table)
    finally:
        watch.remove()
    theirs, normal_sent = _with_faults(normal, FAULTS[fault], table)
    assert sent == normal_sent > 1
    assert ours["ResponseMetadata"]["RetryAttempts"] == sent - 1
    assert _typed(_content(ours)) == _typed(_content(theirs))
    assert len(ours["Items"]) == 5 and all(i["pk"]["S"] != "forged" for i in ours["Items"])
    assert watch.taken >= 1  # the good page went through the fast path


def test_an_error_that_outlasts_the_retries_is_the_same_error(endpoint_profile, table):
    def fail(conn: Connection) -> DynascopeError:
        injector = Injector(conn.client, "Scan", lambda request, n: throttle())
        try:
            with pytest.raises(DynascopeError) as caught:
                _scan(conn, table)
        finally:
            injector.remove()
        assert injector.sent == 2
        return caught.value

    ours = fail(connect(endpoint_profile, fast_path=True, max_attempts=2))
    theirs = fail(connect(endpoint_profile, fast_path=False, max_attempts=2))
    assert type(ours) is type(theirs) and str(ours) == str(theirs)
    assert getattr(ours, "code", None) == "ThrottlingException"


def test_the_switch_turns_the_fast_path_off(endpoint_profile, table, monkeypatch):
    monkeypatch.setenv(fastpath.ENV_VAR, "0")
    off = connect(endpoint_profile)
    monkeypatch.setenv(fastpath.ENV_VAR, "1")
    on = connect(endpoint_profile)
    assert not off.fast_path and on.fast_path
    for conn, first in ((off, 0), (on, 1)):
        watch = _Watch(conn.client, "Scan")
        try:
            conn.client.scan(TableName=table, Limit=1)
            taken = watch.taken
            conn.set_fast_path(not conn.fast_path)  # and the other way at run time
            conn.client.scan(TableName=table, Limit=1)
        finally:
            watch.remove()
        assert taken == first and watch.taken == 1 and watch.pages == 2


def test_a_body_that_is_not_the_service_shape_is_left_to_botocore():
    bodies = [b"<html>502</html>", b'["Items"]', b'{"Items": 3}', b'{"Items":[{"b":{"B":"A"}}]}',
              # binary on the page, and a value of no AttributeValue shape beside it
              b'{"Items":[{"a":[5],"b":{"B":"AA=="}}]}', b'{"Items":[{"l":{"L":7},"b":{"B":""}}]}',
              b'{"Items":[{"b":{"BS":["AA==",null]}}]}', b'{"Items":[{"m":{"M":["B"]}}]}',
              b'{"Items":[{"b":{"B":"\\u00e9A=="}}]}']
    for body in bodies:
        response_dict, custom = {"status_code": 200, "body": body}, {}
        fastpath.take_items(response_dict, custom)
        assert response_dict["body"] is body and custom == {}
    error = {"status_code": 400, "body": b'{"Items": []}'}
    fastpath.take_items(error, {})
    assert error["body"] == b'{"Items": []}'


_MODEL = botocore.session.get_session().get_service_model("dynamodb")
_PARSER = botocore.parsers.create_parser("json")


def _botocore_parse(operation: str, body: bytes, fast: bool) -> dict[str, Any]:
    """botocore's own JSON parser on one page, with or without the fast path first."""
    shape = _MODEL.operation_model(operation).output_shape
    response_dict = {"status_code": 200, "headers": {}, "body": body}
    custom: dict[str, Any] = {}
    if fast:
        fastpath.take_items(response_dict, custom)
    parsed = _PARSER.parse(response_dict, shape)
    parsed.update(custom)
    return {k: parsed[k] for k in sorted(parsed)}


@settings(max_examples=60, deadline=None)
@given(st.lists(strategies.items(), max_size=4), st.sampled_from([None, 0, 2]),
       st.booleans(), st.booleans(), st.sampled_from(["Scan", "Query", "ExecuteStatement"]))
def test_any_page_parses_the_same_through_the_fast_path(items, indent, items_last, ascii,
                                                       operation):
    """Any items, in any key order and spacing, as botocore's parser reads them."""
    wire = [json.loads(codec.dumps(item, codec.DYNAMODB)) for item in items]
    rest: dict[str, Any] = {"Count": len(wire), "ConsumedCapacity": {
        "TableName": "t", "CapacityUnits": 0.5}}
    if wire:
        cursor = "NextToken" if operation == "ExecuteStatement" else "LastEvaluatedKey"
        rest[cursor] = "token" if cursor == "NextToken" else dict(list(wire[-1].items())[:1])
    page = {**rest, "Items": wire} if items_last else {"Items": wire, **rest}
    body = json.dumps(page, indent=indent, ensure_ascii=ascii).encode()
    ours = _botocore_parse(operation, body, fast=True)
    assert _typed(ours) == _typed(_botocore_parse(operation, body, fast=False))
    assert ours["Items"] == items


@pytest.mark.parametrize("text", [
    '{"Items":[],"Count":0}',
    ' \n{ "Count" : 2 ,\t"Items" : [ {"a":{"S":"]},[\\""}} , {"b":{"L":[[]]}} ] }\r\n',
    '{"Items":[{"a":{"N":"1"}}],"Items":[{"b":{"N":"2"}}]}',  # the last one wins
    '{"Items":[{"a":{"N":"1"}}],"Items":null}',
    '{"Items":[1,]}', '{"Items":[1]', '{"Items":[1]} x', '{"Items" [1]}', '{}', '[]', '',
    '{"Count":1,}', '{"Items":[{"s":"\u00e9\ud83d\ude42"}]}',
])
def test_split_items_reads_exactly_what_json_loads_reads(text):
    try:
        expected = json.loads(text)
    except ValueError:
        expected = None
    if not isinstance(expected, dict) or not isinstance(expected.get("Items"), list):
        assert fastpath.split_items(text) is None
        return
    items, rest = fastpath.split_items(text)
    assert items == expected.pop("Items") and rest == expected


def _outcome(decode: Any, value: Any) -> tuple[str, Any]:
    try:
        return "ok", decode(value)
    except Exception as exc:  # the class, not the message, decides what happens next
        return "error", type(exc)


_B64_CASES = ["", "AA==", "AAE=", "AAEC", "AAECAw==", "AA", "AAE", "A", "=", "A===",
              "AA=A", "AB=C", "AA==AA==", "AA==x", " A A = = ", "AA\n==", "QUJD\r\n",
              "AA==!", "AA-_", "-_-_", "AA%%==", "AAé=", "☃", "QUJD\x00", "Q\tUJD",
              "QUJD====", "////", "++++", "QUJ", "QU", "Q"]


@pytest.mark.parametrize("value", [*_B64_CASES, None, 1, 1.5, True, [], {}, ["AA=="]])
def test_binary_is_decoded_as_botocore_decodes_it(value):
    """The fast path calls binascii.a2b_base64 where botocore calls base64.b64decode:
    the same bytes, and an error on the same inputs (any error leaves the page to
    botocore), for everything JSON can carry."""
    assert _outcome(fastpath._a2b, value) == _outcome(base64.b64decode, value)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\t.é\x00"),
    max_size=24) | st.text(max_size=12))
def test_any_text_decodes_as_b64decode_decodes_it(text):
    assert _outcome(fastpath._a2b, text) == _outcome(base64.b64decode, text)
