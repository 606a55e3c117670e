"""QuerySpec: the exact request, the checks against the table, and the sandbox's access patterns."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import FrozenInstanceError
from decimal import Decimal

import boto3
import pytest
from botocore.exceptions import ClientError

from app import catalog
from app.catalog import TableInfo, table_info
from app.connections import connect
from app.expressions import Attr, Key, Path, SpecError
from app.query import QuerySpec
from app.sandbox import Sandbox


def _key(name: str, kind: str) -> dict[str, str]:
    return {"AttributeName": name, "KeyType": kind}


ORDERS = table_info({
    "TableName": "Orders",
    "KeySchema": [_key("customer_id", "HASH"), _key("order_date", "RANGE")],
    "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in [
        ("customer_id", "S"), ("order_date", "S"), ("status", "S"), ("total", "N"),
        ("blob", "B")]],
    "GlobalSecondaryIndexes": [
        {"IndexName": "by-total", "KeySchema": [_key("status", "HASH"), _key("total", "RANGE")],
         "Projection": {"ProjectionType": "KEYS_ONLY"}},
        {"IndexName": "by-blob", "KeySchema": [_key("blob", "HASH")],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total"]}}],
    "LocalSecondaryIndexes": [
        {"IndexName": "by-status", "KeySchema": [_key("customer_id", "HASH"),
                                                 _key("status", "RANGE")],
         "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["order_id"]}}],
})
CUSTOMER = Key("customer_id").eq("user-0001")

# ---------------------------------------------------------------- the request


def test_scan_sends_only_what_it_needs() -> None:
    spec = QuerySpec("Orders")
    assert spec.operation == "Scan"
    assert spec.to_request() == {"TableName": "Orders", "ReturnConsumedCapacity": "INDEXES"}


def test_query_request_is_exactly_the_client_kwargs() -> None:
    spec = QuerySpec("Orders", index="by-status",
                     key_condition=CUSTOMER & Key("status").begins_with("PA"),
                     filter=Attr("total").gt({"N": "12.50"}) & Attr("gift").eq(True),
                     projection=(Path.attr("order_id"), Path.attr("status"), Path.attr("total")),
                     forward=False, page_size=25, limit=10, consistent_read=True)
    assert spec.operation == "Query"
    assert spec.to_request(ORDERS) == {
        "TableName": "Orders",
        "IndexName": "by-status",
        "KeyConditionExpression": "#n0 = :v0 AND begins_with(#n1, :v1)",
        "FilterExpression": "#n2 > :v2 AND #n3 = :v3",
        "ProjectionExpression": "#n4, #n1, #n2",
        "ExpressionAttributeNames": {"#n0": "customer_id", "#n1": "status", "#n2": "total",
                                     "#n3": "gift", "#n4": "order_id"},
        "ExpressionAttributeValues": {":v0": {"S": "user-0001"}, ":v1": {"S": "PA"},
                                      ":v2": {"N": "12.50"}, ":v3": {"BOOL": True}},
        "ScanIndexForward": False,
        "Limit": 25,
        "ConsistentRead": True,
        "ReturnConsumedCapacity": "INDEXES",
    }


def test_defaults_are_left_out() -> None:
    request = QuerySpec("Orders", key_condition=CUSTOMER).to_request()
    for absent in ("ScanIndexForward", "ConsistentRead", "Limit", "Select", "Segment",
                   "TotalSegments", "IndexName", "FilterExpression", "ProjectionExpression"):
        assert absent not in request


def test_scan_never_sends_scan_index_forward() -> None:
    assert "ScanIndexForward" not in QuerySpec("Orders", forward=False).to_request()


def test_limit_of_items_wanted_is_not_sent() -> None:
    request = QuerySpec("Orders", page_size=7, limit=3).to_request()
    assert request["Limit"] == 7
    assert 3 not in request.values()


def test_projection_without_a_filter_sends_names_and_no_values() -> None:
    request = QuerySpec("Orders", projection=["status", "lines[0].product_id"]).to_request()
    assert request["ProjectionExpression"] == "#n0, #n1[0].#n2"
    assert request["ExpressionAttributeNames"] == {"#n0": "status", "#n1": "lines",
                                                   "#n2": "product_id"}
    assert "ExpressionAttributeValues" not in request


def test_table_info_puts_the_partition_key_first() -> None:
    spec = QuerySpec("Orders", key_condition=Key("order_date").eq("2025") & CUSTOMER)
    assert spec.to_request()["ExpressionAttributeNames"]["#n0"] == "order_date"
    assert spec.to_request(ORDERS)["ExpressionAttributeNames"]["#n0"] == "customer_id"


def test_count_sends_select_count() -> None:
    assert QuerySpec("Orders", select_count=True).to_request()["Select"] == "COUNT"


def test_parallel_scan_sends_one_request_per_segment() -> None:
    requests = QuerySpec("Orders", segments=3).requests()
    assert [(r["Segment"], r["TotalSegments"]) for r in requests] == [(0, 3), (1, 3), (2, 3)]
    assert QuerySpec("Orders").requests() == [QuerySpec("Orders").to_request()]


def test_spec_is_immutable_and_hashable() -> None:
    spec = QuerySpec("Orders", key_condition=CUSTOMER, projection=["a.b"])
    assert spec.projection == (Path.of("a", "b"),)
    assert hash(spec) == hash(QuerySpec("Orders", key_condition=CUSTOMER, projection=["a.b"]))
    with pytest.raises(FrozenInstanceError):
        spec.table = "Other"  # type: ignore[misc]


# ---------------------------------------------------------------- validation


def _refused(spec: QuerySpec, match: str, info: TableInfo | None = ORDERS) -> SpecError:
    with pytest.raises(SpecError, match=match) as caught:
        spec.to_request(info)
    return caught.value


def test_filter_on_the_sort_key_of_a_query_is_refused() -> None:
    spec = QuerySpec("Orders", key_condition=CUSTOMER, filter=Attr("order_date").gt("2025"))
    err = _refused(spec, "Filter on key attribute order_date: put it in the key condition")
    assert err.hint


def test_filter_on_the_partition_key_of_a_query_is_refused() -> None:
    spec = QuerySpec("Orders", key_condition=CUSTOMER,
                     filter=Attr("total").gt(1) | Attr("customer_id").eq("x"))
    _refused(spec, "Filter on key attribute customer_id")


def test_filter_on_an_index_key_is_refused_for_that_index() -> None:
    spec = QuerySpec("Orders", index="by-status", key_condition=CUSTOMER,
                     filter=Attr("status").eq("PAID"))
    _refused(spec, "Filter on key attribute status")


def test_filter_on_a_table_key_is_fine_on_a_gsi_and_in_a_scan() -> None:
    on_gsi = QuerySpec("Orders", index="by-total", key_condition=Key("status").eq("PAID"),
                       filter=Attr("customer_id").eq("user-0001"))
    assert on_gsi.to_request(ORDERS)["FilterExpression"] == "#n1 = :v1"
    scan = QuerySpec("Orders", filter=Attr("customer_id").eq("user-0001"))
    assert scan.to_request(ORDERS)["FilterExpression"] == "#n0 = :v0"


def test_consistent_read_on_a_gsi_is_refused() -> None:
    _refused(QuerySpec("Orders", index="by-total", consistent_read=True),
             "Global secondary index by-total cannot be read consistently")
    _refused(QuerySpec("Orders", index="by-total", key_condition=Key("status").eq("x"),
                       consistent_read=True), "cannot be read consistently")


def test_consistent_read_on_the_table_and_an_lsi_is_fine() -> None:
    assert QuerySpec("Orders", consistent_read=True).to_request(ORDERS)["ConsistentRead"]
    lsi = QuerySpec("Orders", index="by-status", key_condition=CUSTOMER, consistent_read=True)
    assert lsi.to_request(ORDERS)["ConsistentRead"] is True


def test_segments_are_for_scans_only() -> None:
    _refused(QuerySpec("Orders", key_condition=CUSTOMER, segments=2), "for a Scan", None)


@pytest.mark.parametrize("segments", [0, -1, 1_000_001])
def test_segments_out_of_range_are_refused(segments: int) -> None:
    _refused(QuerySpec("Orders", segments=segments), "1 to 1,000,000 segments", None)


def test_a_million_segments_are_allowed() -> None:
    assert QuerySpec("Orders", segments=1_000_000).to_request(segment=999_999)["Segment"] == 999_999


@pytest.mark.parametrize("segment", [None, 4, -1])
def test_parallel_scan_needs_a_segment_in_range(segment: int | None) -> None:
    with pytest.raises(SpecError, match="from 0 to 3"):
        QuerySpec("Orders", segments=4).to_request(segment=segment)


def test_segment_of_an_ordinary_scan_is_refused() -> None:
    with pytest.raises(SpecError, match="not a parallel scan"):
        QuerySpec("Orders").to_request(segment=2)


def test_value_type_must_match_the_key_type() -> None:
    _refused(QuerySpec("Orders", key_condition=Key("customer_id").eq(5)),
             "customer_id is a partition key of type S, but the value 5 is a number")
    _refused(QuerySpec("Orders", index="by-total",
                       key_condition=Key("status").eq("x") & Key("total").between("1", "2")),
             "total is a sort key of type N")
    _refused(QuerySpec("Orders", index="by-blob", key_condition=Key("blob").eq("text")),
             "blob is a partition key of type B")


def test_binary_key_value_is_accepted() -> None:
    spec = QuerySpec("Orders", index="by-blob", key_condition=Key("blob").eq(b"\x00\xff"))
    assert spec.to_request(ORDERS)["ExpressionAttributeValues"] == {":v0": {"B": b"\x00\xff"}}


def test_index_must_exist() -> None:
    err = _refused(QuerySpec("Orders", index="by-nothing"), "Table Orders has no index by-nothing")
    assert "by-total" in err.hint


def test_key_condition_must_use_the_partition_key() -> None:
    _refused(QuerySpec("Orders", key_condition=Key("order_date").eq("2025")),
             "needs its partition key customer_id")
    _refused(QuerySpec("Orders", index="by-total", key_condition=Key("total").eq(5)),
             "needs its partition key status")


def test_partition_key_only_takes_equality() -> None:
    spec = QuerySpec("Orders", key_condition=Key("order_date").eq("2025")
                     & Key("customer_id").gt("user"))
    _refused(spec, "partition key customer_id can only be compared with =")


def test_key_condition_on_a_non_key_is_refused() -> None:
    err = _refused(QuerySpec("Orders", key_condition=CUSTOMER & Key("total").gt(1)),
                   "total is not a key of table Orders")
    assert "filter" in err.hint


def test_begins_with_on_a_number_sort_key_is_refused() -> None:
    spec = QuerySpec("Orders", index="by-total",
                     key_condition=Key("status").eq("PAID") & Key("total").begins_with("1"))
    _refused(spec, "begins_with cannot be used on the number sort key total")


def test_spec_for_another_table_is_refused() -> None:
    _refused(QuerySpec("Users"), "reads Users, not Orders")


def test_count_with_a_projection_is_refused() -> None:
    _refused(QuerySpec("Orders", select_count=True, projection=["a"]), "count", None)


@pytest.mark.parametrize("field", ["page_size", "limit"])
def test_sizes_below_one_are_refused(field: str) -> None:
    with pytest.raises(SpecError, match="at least 1"):
        QuerySpec("Orders", **{field: 0}).to_request()


def test_projecting_attributes_an_index_does_not_hold_is_allowed() -> None:
    spec = QuerySpec("Orders", index="by-total", key_condition=Key("status").eq("PAID"),
                     projection=["customer_id", "lines"])
    assert spec.to_request(ORDERS)["ProjectionExpression"] == "#n1, #n2"


# ---------------------------------------------------------------- the sandbox's access patterns


@pytest.fixture(scope="module")
def box(sandbox: Sandbox):
    return boto3.client("dynamodb", endpoint_url=sandbox.endpoint_url, region_name=sandbox.region,
                        aws_access_key_id="any", aws_secret_access_key="any")


@pytest.fixture(scope="module")
def infos(sandbox: Sandbox) -> dict[str, TableInfo]:
    conn = connect(sandbox.profile)

    async def describe_all() -> list[TableInfo]:
        return await asyncio.gather(*(catalog.describe_table(conn, name) for name in
                                      ("Orders", "Users", "Products", "UserSessions")))

    return {info.name: info for info in asyncio.run(describe_all())}


def _pages(box, spec: QuerySpec, info: TableInfo, segment: int | None = None) -> list[dict]:
    """Every page of the spec, following LastEvaluatedKey, up to `spec.limit` items."""
    request = spec.to_request(info, segment)
    method = box.query if spec.is_query else box.scan
    items: list[dict] = []
    while True:
        page = method(**request)
        assert page["ConsumedCapacity"]["TableName"] == spec.table
        items += page.get("Items", [])
        if spec.limit is not None and len(items) >= spec.limit:
            return items[:spec.limit]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


_full_scans: dict[str, list[dict]] = {}


def _everything(box, table: str) -> list[dict]:
    if table not in _full_scans:
        items: list[dict] = []
        for page in box.get_paginator("scan").paginate(TableName=table):
            items += page["Items"]
        _full_scans[table] = items
    return _full_scans[table]


def test_a_customers_orders_newest_first_with_a_limit(box, infos) -> None:
    orders = _everything(box, "Orders")
    customer, count = Counter(o["customer_id"]["S"] for o in orders).most_common(1)[0]
    assert count > 3
    spec = QuerySpec("Orders", key_condition=Key("customer_id").eq(customer), forward=False,
                     page_size=3, limit=3)
    request = spec.to_request(infos["Orders"])
    assert request["ScanIndexForward"] is False
    assert request["Limit"] == 3
    page = box.query(**request)
    newest = sorted((o for o in orders if o["customer_id"]["S"] == customer),
                    key=lambda o: o["order_date"]["S"], reverse=True)
    assert page["Items"] == newest[:3]
    assert page["LastEvaluatedKey"] == {"customer_id": newest[2]["customer_id"],
                                        "order_date": newest[2]["order_date"]}


def test_orders_in_a_date_range(box, infos) -> None:
    orders = _everything(box, "Orders")
    customer = Counter(o["customer_id"]["S"] for o in orders).most_common(1)[0][0]
    dates = sorted(o["order_date"]["S"] for o in orders if o["customer_id"]["S"] == customer)
    low, high = dates[1], dates[-2]
    spec = QuerySpec("Orders", key_condition=Key("customer_id").eq(customer)
                     & Key("order_date").between(low, high))
    got = [o["order_date"]["S"] for o in _pages(box, spec, infos["Orders"])]
    assert got == dates[1:-1]
    assert len(got) >= 2


def test_active_users_of_a_month_by_scan_with_filter_and_projection(box, infos) -> None:
    users = _everything(box, "Users")
    active = [u for u in users if u.get("is_active") == {"BOOL": True}]
    # not the showcase user's month: moto 500s projecting its binary set (see below)
    showcase = next(u for u in users if u["user_id"]["S"] == "user-0000")
    month = Counter(u["signup_date"]["S"][:7] for u in active
                    if u["signup_date"]["S"][:7] != showcase["signup_date"]["S"][:7]
                    ).most_common(1)[0][0]
    spec = QuerySpec("Users", filter=Attr("is_active").eq(True)
                     & Attr("signup_date").begins_with(month),
                     projection=("user_id", "name", "signup_date"))
    got = _pages(box, spec, infos["Users"])
    expected = {u["user_id"]["S"] for u in active if u["signup_date"]["S"].startswith(month)}
    assert {u["user_id"]["S"] for u in got} == expected
    assert len(expected) >= 2
    assert all(set(u) == {"user_id", "name", "signup_date"} for u in got)


def test_products_by_category_on_the_category_index(box, infos) -> None:
    products = _everything(box, "Products")
    spec = QuerySpec("Products", index="category-index", key_condition=Key("category").eq("books"))
    got = _pages(box, spec, infos["Products"])
    expected = {p["product_id"]["S"] for p in products if p["category"]["S"] == "books"}
    assert {p["product_id"]["S"] for p in got} == expected
    prices = [Decimal(p["price"]["N"]) for p in got]
    assert prices == sorted(prices)  # the sort key orders numbers by value


def test_products_by_price_range_with_a_category_filter(box, infos) -> None:
    products = _everything(box, "Products")
    low, high = {"N": "25"}, {"N": "100.00"}
    expected = {p["product_id"]["S"] for p in products if p["category"]["S"] == "kitchen"
                and Decimal("25") <= Decimal(p["price"]["N"]) <= Decimal("100")}
    assert expected
    scan = QuerySpec("Products", filter=Attr("price").between(low, high)
                     & Attr("category").eq("kitchen"))
    assert {p["product_id"]["S"] for p in _pages(box, scan, infos["Products"])} == expected
    # the same answer from the index, reading only the matches
    query = QuerySpec("Products", index="category-index",
                      key_condition=Key("category").eq("kitchen") & Key("price").between(low, high))
    page = box.query(**query.to_request(infos["Products"]))
    assert {p["product_id"]["S"] for p in page["Items"]} == expected
    assert page["ScannedCount"] == len(expected)


def _expired(box) -> tuple[int, set[str]]:
    now = int(time.time())
    sessions = _everything(box, "UserSessions")
    expired = {s["session_id"]["S"] for s in sessions
               if "N" in s["expires_at"] and Decimal(s["expires_at"]["N"]) < now}
    assert expired
    assert any("S" in s["expires_at"] for s in sessions)  # the data holds "never" too
    return now, expired


def test_expired_sessions_typed_filter(box, infos) -> None:
    now, expired = _expired(box)
    spec = QuerySpec("UserSessions", filter=Attr("expires_at").attribute_type("N")
                     & Attr("expires_at").lt(now))
    assert {s["session_id"]["S"] for s in _pages(box, spec, infos["UserSessions"])} == expired


@pytest.mark.xfail(raises=ClientError, strict=True,
                   reason="moto 5.1.22: HTTP 500 comparing the string 'never' with a number; "
                          "DynamoDB skips items of another type")
def test_expired_sessions(box, infos) -> None:
    now, expired = _expired(box)
    spec = QuerySpec("UserSessions", filter=Attr("expires_at").lt(now))
    assert {s["session_id"]["S"] for s in _pages(box, spec, infos["UserSessions"])} == expired


def test_page_size_pages_through_everything_once(box, infos) -> None:
    spec = QuerySpec("Products", page_size=45)
    got = [p["product_id"]["S"] for p in _pages(box, spec, infos["Products"])]
    assert len(got) == len(set(got)) == len(_everything(box, "Products"))


def test_parallel_scan_segments_cover_the_table_once(box, infos) -> None:
    spec = QuerySpec("Products", segments=4)
    parts = [[p["product_id"]["S"] for p in _pages(box, spec, infos["Products"], s)]
             for s in range(spec.segments)]
    together = [pid for part in parts for pid in part]
    assert len(together) == len(set(together))
    assert set(together) == {p["product_id"]["S"] for p in _everything(box, "Products")}


@pytest.mark.xfail(raises=ClientError, strict=True,
                   reason="moto 5.1.22: HTTP 500 projecting any item that holds a binary set")
def test_projection_of_items_holding_a_binary_set(box, infos) -> None:
    spec = QuerySpec("Products", index="category-index", key_condition=Key("category").eq("toys"),
                     projection=["product_id"])
    got = _pages(box, spec, infos["Products"])
    assert {p["product_id"]["S"] for p in got} == {
        p["product_id"]["S"] for p in _everything(box, "Products") if p["category"]["S"] == "toys"}


def test_count_of_a_category(box, infos) -> None:
    spec = QuerySpec("Products", index="category-index", key_condition=Key("category").eq("toys"),
                     select_count=True)
    page = box.query(**spec.to_request(infos["Products"]))
    assert "Items" not in page
    assert page["Count"] == sum(p["category"]["S"] == "toys" for p in _everything(box, "Products"))
    assert page["Count"] > 0
