"""The demo data set: deterministic, valid for DynamoDB, and full of awkward values."""

from __future__ import annotations

import decimal
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.demo_data import BIG_38_DIGITS, DemoTable, generate

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
EPOCH = int(NOW.timestamp())
TABLE_NAMES = ["Users", "Orders", "Products", "UserSessions", "AppData"]
ALL_TYPES = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}

# Wide enough for DynamoDB's whole number range (boto3's own context is not).
WIDE = decimal.Context(prec=38, Emin=-130, Emax=125,
                       traps=[decimal.Inexact, decimal.Rounded, decimal.Overflow,
                              decimal.Subnormal, decimal.InvalidOperation])


@pytest.fixture(scope="module")
def tables() -> list[DemoTable]:
    return generate(now=NOW)


@pytest.fixture(scope="module")
def by_name(tables: list[DemoTable]) -> dict[str, DemoTable]:
    return {t.name: t for t in tables}


def walk(value: dict[str, Any], depth: int = 0) -> Iterator[tuple[str, Any, int]]:
    """Every AttributeValue inside `value` as (type, payload, maps enclosing it)."""
    assert len(value) == 1, value
    ((typ, payload),) = value.items()
    yield typ, payload, depth
    if typ == "L":
        for member in payload:
            yield from walk(member, depth)
    elif typ == "M":
        for member in payload.values():
            yield from walk(member, depth + 1)


def all_values(tables: list[DemoTable]) -> Iterator[tuple[str, Any, int]]:
    for table in tables:
        for item in table.items:
            for value in item.values():
                yield from walk(value)


def key_of(item: dict[str, Any], names: list[str]) -> tuple:
    return tuple((n, *item[n].items()) for n in names)


def key_names(table: DemoTable) -> list[str]:
    return [k["AttributeName"] for k in table.create["KeySchema"]]


def test_same_seed_and_now_give_the_same_data() -> None:
    assert generate(now=NOW) == generate(now=NOW)


def test_another_seed_gives_other_data() -> None:
    assert generate(seed=1, now=NOW) != generate(seed=2, now=NOW)


def test_five_named_tables(tables: list[DemoTable]) -> None:
    assert [t.name for t in tables] == TABLE_NAMES


def test_a_few_thousand_items(tables: list[DemoTable]) -> None:
    total = sum(len(t.items) for t in tables)
    assert 2000 <= total <= 6000, total


def test_every_dynamodb_type_appears(tables: list[DemoTable]) -> None:
    assert {typ for typ, _, _ in all_values(tables)} == ALL_TYPES


def test_numbers_at_the_edges_appear_exactly(tables: list[DemoTable]) -> None:
    numbers = {payload for typ, payload, _ in all_values(tables) if typ == "N"}
    assert BIG_38_DIGITS in numbers
    assert len(BIG_38_DIGITS.lstrip("-").replace(".", "")) == 38
    assert "1E-100" in numbers


def test_every_number_is_valid_for_dynamodb(tables: list[DemoTable]) -> None:
    numbers = [payload for typ, payload, _ in all_values(tables) if typ == "N"]
    numbers += [m for typ, payload, _ in all_values(tables) if typ == "NS" for m in payload]
    for text in numbers:
        assert isinstance(text, str), text
        # Raises on more than 38 significant digits or an exponent out of range.
        WIDE.create_decimal(text)


def test_an_empty_string_appears(tables: list[DemoTable]) -> None:
    assert any(typ == "S" and payload == "" for typ, payload, _ in all_values(tables))


def test_a_map_nested_five_levels_deep_appears(tables: list[DemoTable]) -> None:
    deepest = max(depth + 1 for typ, _, depth in all_values(tables) if typ == "M")
    assert deepest >= 5, deepest


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_items_have_their_keys_with_the_declared_types(
        by_name: dict[str, DemoTable], name: str) -> None:
    table = by_name[name]
    declared = {a["AttributeName"]: a["AttributeType"]
                for a in table.create["AttributeDefinitions"]}
    keys = key_names(table)
    assert table.items
    for item in table.items:
        for k in keys:
            assert k in item, (name, k, item)
        # Index key attributes are optional, but when present must have the declared type.
        for attr, typ in declared.items():
            if attr in item:
                assert list(item[attr]) == [typ], (name, attr, item[attr])


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_keys_are_unique(by_name: dict[str, DemoTable], name: str) -> None:
    table = by_name[name]
    keys = [key_of(item, key_names(table)) for item in table.items]
    assert len(set(keys)) == len(keys)


def test_sets_are_non_empty_with_unique_members(tables: list[DemoTable]) -> None:
    seen = 0
    for typ, payload, _ in all_values(tables):
        if typ not in ("SS", "NS", "BS"):
            continue
        seen += 1
        assert payload, typ
        members = [WIDE.create_decimal(m) for m in payload] if typ == "NS" else payload
        assert len(set(members)) == len(members), payload
        kind = bytes if typ == "BS" else str
        assert all(isinstance(m, kind) for m in payload), payload
    assert seen > 0


def test_binary_values_are_bytes(tables: list[DemoTable]) -> None:
    binaries = [payload for typ, payload, _ in all_values(tables) if typ == "B"]
    assert binaries
    assert all(isinstance(b, bytes) for b in binaries)


def _floats(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, float):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _floats(v, f"{path}.{k}")
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _floats(v, f"{path}[{i}]")


def test_no_python_float_anywhere(tables: list[DemoTable]) -> None:
    for table in tables:
        everything = [table.create, table.items, table.updates, table.deletes]
        assert list(_floats(everything, table.name)) == []


def test_user_sessions_expiry_covers_every_ttl_case(by_name: dict[str, DemoTable]) -> None:
    expiries = [item["expires_at"] for item in by_name["UserSessions"].items]
    numeric = [int(e["N"]) for e in expiries if "N" in e]
    assert any(n < EPOCH for n in numeric), "no session already expired"
    assert any(EPOCH < n < EPOCH * 100 for n in numeric), "no session live in seconds"
    assert any(n > EPOCH * 100 for n in numeric), "no expiry in milliseconds"
    assert any("N" not in e for e in expiries), "no non-numeric expiry"


def test_user_sessions_ttl_attribute(by_name: dict[str, DemoTable]) -> None:
    assert by_name["UserSessions"].ttl_attribute == "expires_at"


def test_app_data_has_the_single_table_shapes(by_name: dict[str, DemoTable]) -> None:
    pairs = [(item["PK"]["S"], item["SK"]["S"]) for item in by_name["AppData"].items]
    metadata = [p for p in pairs if re.fullmatch(r"USER#\d+", p[0]) and p[1] == "METADATA"]
    user_orders = {(m[1], m[2]) for pk, sk in pairs
                   if (m := re.fullmatch(r"USER#(\d+)\|ORDER#(\d+)", f"{pk}|{sk}"))}
    order_users = {(m[2], m[1]) for pk, sk in pairs
                   if (m := re.fullmatch(r"ORDER#(\d+)\|USER#(\d+)", f"{pk}|{sk}"))}
    assert metadata
    assert user_orders
    # Each order is stored both ways round: the inverted index reads it from either side.
    assert user_orders == order_users


def test_session_updates_and_deletes_target_existing_items(
        by_name: dict[str, DemoTable]) -> None:
    table = by_name["UserSessions"]
    existing = {key_of(item, ["session_id"]) for item in table.items}
    assert table.updates
    assert table.deletes
    for key, update in table.updates:
        assert list(key) == ["session_id"]
        assert key_of(key, ["session_id"]) in existing
        assert "UpdateExpression" in update
    for key in table.deletes:
        assert list(key) == ["session_id"]
        assert key_of(key, ["session_id"]) in existing


def test_the_history_leaves_the_odd_expiry_values_in_place(
        by_name: dict[str, DemoTable]) -> None:
    """Updates and deletes touch ordinary sessions only: after seeding, the table still
    holds millisecond and non-numeric expiry values for the TTL view to show."""
    table = by_name["UserSessions"]
    touched = {key_of(k, ["session_id"]) for k, _ in table.updates}
    touched |= {key_of(k, ["session_id"]) for k in table.deletes}
    odd = [i for i in table.items if "S" in i["expires_at"]
           or int(i["expires_at"]["N"]) > 100 * 1_900_000_000]
    assert len(odd) >= 4
    assert not {key_of(i, ["session_id"]) for i in odd} & touched


def test_now_defaults_to_the_current_time() -> None:
    before = int(datetime.now(UTC).timestamp())
    sessions = next(t for t in generate() if t.name == "UserSessions")
    after = int(datetime.now(UTC).timestamp())
    numeric = [int(i["expires_at"]["N"]) for i in sessions.items if "N" in i["expires_at"]]
    assert any(before < n < before * 100 for n in numeric)
    assert any(n < after for n in numeric)
    assert sessions.items != next(t for t in generate(now=NOW) if t.name == "UserSessions").items
