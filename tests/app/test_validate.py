"""DynamoDB's rules (not moto's): one small test per rule, just inside and just outside."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from strategies import items, nest

from app.catalog import TableInfo, table_info
from app.demo_data import BIG_38_DIGITS, LARGEST, generate
from app.validate import (
    MAX_ITEM_BYTES,
    capacity_units,
    item_size,
    number_problem,
    problems,
    value_size,
)

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def _table(*keys: tuple[str, str, str], indexes: list[dict] | None = None,
           extra_types: dict[str, str] | None = None) -> TableInfo:
    """A TableInfo from a describe-like dict: keys are (name, HASH/RANGE, S/N/B)."""
    types = {name: typ for name, _, typ in keys} | (extra_types or {})
    description = {
        "TableName": "T",
        "KeySchema": [{"AttributeName": n, "KeyType": k} for n, k, _ in keys],
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t}
                                 for n, t in types.items()],
        "GlobalSecondaryIndexes": indexes or [],
    }
    return table_info(description)


PK_S = _table(("pk", "HASH", "S"))
PK_SK_S = _table(("pk", "HASH", "S"), ("sk", "RANGE", "S"))
PK_B = _table(("pk", "HASH", "B"))
PK_N_SK_N = _table(("pk", "HASH", "N"), ("sk", "RANGE", "N"))
WITH_GSI = _table(("pk", "HASH", "S"), indexes=[{
    "IndexName": "by-status",
    "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"},
                  {"AttributeName": "rank", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"},
}], extra_types={"status": "S", "rank": "N"})


# -- everything valid is accepted ------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(items())
def test_random_valid_items_have_no_problems(item: dict) -> None:
    assert problems(item) == []
    assert problems({**item, "pk": {"S": "k"}}, PK_S) == []


def test_every_demo_item_is_valid_for_its_table() -> None:
    checked = 0
    for demo in generate(now=NOW):
        table = table_info(demo.create)
        assert table.keys  # the create request did describe the keys
        for item in demo.items:
            assert problems(item, table) == [], (demo.name, item)
            checked += 1
    assert checked > 2000


def test_empty_strings_and_binary_are_fine_outside_keys() -> None:
    item = {"pk": {"S": "k"}, "s": {"S": ""}, "b": {"B": b""},
            "m": {"M": {"s": {"S": ""}, "b": {"B": b""}}}, "l": {"L": [{"S": ""}]}}
    assert problems(item, PK_S) == []


# -- numbers ---------------------------------------------------------------------------------

def test_38_significant_digits_are_fine_39_are_not() -> None:
    assert problems({"price": {"N": BIG_38_DIGITS}}) == []
    assert problems({"price": {"N": BIG_38_DIGITS + "1"}}) == [
        "price: a number has at most 38 significant digits (this one has 39)"]


@pytest.mark.parametrize("text", [
    "1" + "0" * 60,  # 1E+60: trailing zeros are not significant
    "0." + "0" * 60 + "1",  # leading zeros neither
    BIG_38_DIGITS + ".000",
    "-" + BIG_38_DIGITS[:20] + "." + BIG_38_DIGITS[20:],
    "1.2345678901234567890123456789012345678E-100",
])
def test_zeros_at_either_end_are_not_significant(text: str) -> None:
    assert number_problem(text) is None


@pytest.mark.parametrize("text", ["1.23456789012345678901234567890123456789",
                                  "-123456789012345678901234567890123456789E+10",
                                  "0.000123456789012345678901234567890123456789"])
def test_39_significant_digits_anywhere_are_refused(text: str) -> None:
    assert number_problem(text) == \
        "a number has at most 38 significant digits (this one has 39)"


@pytest.mark.parametrize("text", ["1E-130", "-1E-130", "1.5E-130", "0.0000001E-123"])
def test_the_smallest_magnitude_is_1e_minus_130(text: str) -> None:
    assert problems({"tiny": {"N": text}}) == []


@pytest.mark.parametrize("text", ["1E-131", "-1E-131", "0.9E-130", "9.9999E-131"])
def test_smaller_magnitudes_are_refused(text: str) -> None:
    assert problems({"tiny": {"N": text}}) == [
        f"tiny: a number other than 0 is at least 1E-130 in magnitude (this one is {text})"]


@pytest.mark.parametrize("text", [LARGEST, "-" + LARGEST, "1E+125", "9" * 38 + "E+88"])
def test_the_largest_magnitude_is_just_under_1e126(text: str) -> None:
    assert problems({"big": {"N": text}}) == []


@pytest.mark.parametrize("text", ["1E+126", "-1E+126", "10E+125", "1" + "0" * 126])
def test_larger_magnitudes_are_refused(text: str) -> None:
    assert problems({"big": {"N": text}}) == [
        f"big: a number is at most {LARGEST} in magnitude (this one is {text})"]


@pytest.mark.parametrize("text", ["0", "-0", "0.000", "0E+1000", "0e-9999"])
def test_zero_is_fine_whatever_its_exponent(text: str) -> None:
    assert number_problem(text) is None


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "dog", " 1", "1 ", "",
                                  "1e", "1.2.3", "0x10", "1_000"])
def test_text_that_is_not_a_number_is_refused(text: str) -> None:
    assert problems({"n": {"N": text}}) == [f'n: "{text}" is not a number']


@pytest.mark.parametrize("text", ["+3", ".123", "0001.23", "1e+5", "-17.4E37", "5."])
def test_forms_dynamodb_reads_like_bigdecimal_are_fine(text: str) -> None:
    assert number_problem(text) is None


def test_a_bad_number_deep_inside_names_its_path() -> None:
    item = {"address": {"M": {"geo": {"M": {"lat": {"N": "1E+200"}}}}},
            "history": {"L": [{"S": "a"}, {"N": "1"}, {"N": "2"}, {"N": "1E-200"}]}}
    found = problems(item)
    assert len(found) == 2
    assert found[0].startswith("address.geo.lat: a number is at most")
    assert found[1].startswith("history[3]: a number other than 0 is at least 1E-130")


# -- sets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typ", ["SS", "NS", "BS"])
def test_a_set_cannot_be_empty(typ: str) -> None:
    assert problems({"tags": {typ: []}}) == [
        "tags: a set cannot be empty (remove the attribute, or use an empty list)"]


def test_a_set_of_one_is_fine() -> None:
    assert problems({"a": {"SS": [""]}, "b": {"NS": ["0"]}, "c": {"BS": [b"x"]}}) == []


def test_number_set_members_are_compared_by_value() -> None:
    assert problems({"nums": {"NS": ["1", "10", "0.1"]}}) == []
    assert problems({"nums": {"NS": ["1", "2", "1.0"]}}) == [
        "nums: a set's members are unique, but 1 and 1.0 are the same number"]
    assert problems({"nums": {"NS": ["1E+2", "100"]}}) == [
        "nums: a set's members are unique, but 1E+2 and 100 are the same number"]


def test_string_and_binary_set_members_are_unique() -> None:
    assert problems({"s": {"SS": ["a", "A", "a "]}, "b": {"BS": [b"x", b"X"]}}) == []
    assert problems({"s": {"SS": ["a", "b", "a"]}}) == [
        "s: a set's members are unique, but \"a\" appears more than once"]
    assert problems({"b": {"BS": [b"\x01", b"\x01"]}}) == [
        "b: a set's members are unique, but \"01\" appears more than once"]


def test_a_bad_number_set_member_is_named() -> None:
    assert problems({"nums": {"NS": ["1", "x"]}}) == ['nums: member 2: "x" is not a number']


# -- nesting -------------------------------------------------------------------------------

@pytest.mark.parametrize("kinds", ["M" * 31, "L" * 31, "LM" * 15 + "L"])
def test_32_levels_are_fine(kinds: str) -> None:
    assert problems({"deep": nest({"S": "x"}, kinds)}) == []
    assert problems({"deep": nest({"M": {}}, kinds)}) == []  # an empty map is a level too


@pytest.mark.parametrize("kinds", ["M" * 32, "L" * 32, "ML" * 16])
def test_33_levels_are_refused_once(kinds: str) -> None:
    leaf = {"L": [{"S": "x"}, {"S": "y"}, {"N": "1"}]}  # three values at level 33
    found = problems({"deep": nest(leaf, kinds[:-1])})
    assert len(found) == 1
    assert found[0].startswith("deep")
    assert found[0].endswith(": values nest at most 32 levels deep (this one is at level 33)")


# -- size ----------------------------------------------------------------------------------

def test_400_kb_exactly_is_fine_one_byte_more_is_not() -> None:
    base = {"pk": {"S": "k"}, "blob": {"B": b""}}
    room = MAX_ITEM_BYTES - item_size(base)
    fits = {"pk": {"S": "k"}, "blob": {"B": b"x" * room}}
    assert item_size(fits) == 409_600
    assert problems(fits, PK_S) == []
    over = {"pk": {"S": "k"}, "blob": {"B": b"x" * (room + 1)}}
    assert problems(over, PK_S) == [
        "the item is 409,601 bytes; an item is at most 409,600 bytes (400 KB)"]


def test_item_size_by_the_documented_rules() -> None:
    # Strings: name + UTF-8 bytes. Numbers: 1 byte per two significant digits, plus 1.
    # BOOL/NULL 1. A list or map 3, plus 1 per element (and its name, for a map).
    assert item_size({"id": {"S": "abc"}}) == 2 + 3
    assert item_size({"é": {"S": "日本"}}) == 2 + 6
    assert item_size({"n": {"N": "12345"}}) == 1 + (3 + 1)
    assert item_size({"flag": {"BOOL": True}}) == 4 + 1
    assert item_size({"l": {"L": [{"S": "xy"}]}}) == 1 + (3 + 1 + 2)
    assert item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + (3 + 1 + 1 + 1)
    assert item_size({"e": {"M": {}}, "f": {"L": []}}) == (1 + 3) + (1 + 3)
    assert item_size({"id": {"S": "abc"}, "n": {"N": "12345"}, "flag": {"BOOL": True},
                      "l": {"L": [{"S": "xy"}]}}) == 22


@pytest.mark.parametrize(("value", "size"), [
    ({"N": "12.50"}, 3),  # 1, 2, 5 significant: 2 + 1
    ({"N": "0.0001"}, 2),
    ({"N": "-7"}, 2),
    ({"N": "1E-130"}, 2),
    ({"N": "0"}, 1),
    ({"N": BIG_38_DIGITS}, 20),
    ({"B": b"\x00\x01"}, 2),
    ({"S": ""}, 0),
    ({"NULL": True}, 1),
    ({"SS": ["a", "bc"]}, 3),
    ({"NS": ["1", "22", "333"]}, 2 + 2 + 3),
    ({"BS": [b"\x00", b""]}, 1),
    ({"L": [{"N": "1"}, {"NULL": True}]}, 3 + (1 + 2) + (1 + 1)),
    ({"M": {"ab": {"M": {}}}}, 3 + 1 + 2 + 3),
])
def test_value_sizes(value: dict, size: int) -> None:
    assert value_size(value) == size


@pytest.mark.parametrize(("size", "units"), [
    (1, (1, 0.5, 1)),
    (1024, (1, 0.5, 1)),
    (1025, (1, 0.5, 2)),
    (4096, (1, 0.5, 4)),
    (4097, (2, 1.0, 5)),
    (409_600, (100, 50.0, 400)),
])
def test_capacity_units(size: int, units: tuple) -> None:
    assert capacity_units(size) == units


# -- keys ----------------------------------------------------------------------------------

def test_a_missing_key_is_named() -> None:
    assert problems({"pk": {"S": "k"}, "sk": {"S": "s"}}, PK_SK_S) == []
    assert problems({"other": {"S": "x"}}, PK_SK_S) == [
        "pk: the item has no partition key; it must be a string (S)",
        "sk: the item has no sort key; it must be a string (S)",
    ]


def test_a_key_of_the_wrong_type() -> None:
    assert problems({"pk": {"N": "1"}, "sk": {"N": "2"}}, PK_N_SK_N) == []
    assert problems({"pk": {"S": "1"}, "sk": {"N": "2"}}, PK_N_SK_N) == [
        "pk: the partition key must be a number (N), not a string (S)"]
    assert problems({"pk": {"SS": ["k"]}}, PK_S) == [
        "pk: the partition key must be a string (S), not a string set (SS)"]


def test_a_key_cannot_be_empty() -> None:
    assert problems({"pk": {"S": ""}, "sk": {"S": "s"}}, PK_SK_S) == [
        "pk: the partition key cannot be an empty string"]
    assert problems({"pk": {"S": "p"}, "sk": {"S": ""}}, PK_SK_S) == [
        "sk: the sort key cannot be an empty string"]
    assert problems({"pk": {"B": b""}}, PK_B) == ["pk: the partition key cannot be empty binary"]
    assert problems({"pk": {"B": b"\x00"}}, PK_B) == []


def test_a_partition_key_is_at_most_2048_bytes() -> None:
    assert problems({"pk": {"S": "a" * 2048}}, PK_S) == []
    assert problems({"pk": {"S": "a" * 2049}}, PK_S) == [
        "pk: the partition key is at most 2048 bytes (this one is 2049)"]
    assert problems({"pk": {"S": "é" * 1024}}, PK_S) == []  # bytes, not characters
    assert problems({"pk": {"S": "é" * 1025}}, PK_S) == [
        "pk: the partition key is at most 2048 bytes (this one is 2050)"]
    assert problems({"pk": {"B": b"x" * 2048}}, PK_B) == []
    assert problems({"pk": {"B": b"x" * 2049}}, PK_B) == [
        "pk: the partition key is at most 2048 bytes (this one is 2049)"]


def test_a_sort_key_is_at_most_1024_bytes() -> None:
    assert problems({"pk": {"S": "p"}, "sk": {"S": "a" * 1024}}, PK_SK_S) == []
    assert problems({"pk": {"S": "p"}, "sk": {"S": "a" * 1025}}, PK_SK_S) == [
        "sk: the sort key is at most 1024 bytes (this one is 1025)"]


def test_index_keys_are_optional_but_typed_and_non_empty() -> None:
    assert problems({"pk": {"S": "p"}}, WITH_GSI) == []
    assert problems({"pk": {"S": "p"}, "status": {"S": "NEW"}, "rank": {"N": "1"}},
                    WITH_GSI) == []
    assert problems({"pk": {"S": "p"}, "status": {"N": "1"}, "rank": {"S": "x"}}, WITH_GSI) == [
        "status: the partition key of index by-status must be a string (S), not a number (N)",
        "rank: the sort key of index by-status must be a number (N), not a string (S)",
    ]
    assert problems({"pk": {"S": "p"}, "status": {"S": ""}}, WITH_GSI) == [
        "status: the partition key of index by-status cannot be an empty string"]


# -- shape ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "problem"), [
    ({"S": "x", "N": "1"}, 'a value is one type and its payload'),
    ({"Q": "x"}, "a value is one type and its payload"),
    ("x", "a value is one type and its payload"),
    ({"N": 5}, "a number (N) is held as a string"),
    ({"B": "AAE="}, "binary (B) is held as bytes"),
    ({"NULL": False}, "NULL is always true"),
    ({"BOOL": "true"}, "a boolean (BOOL) is true or false"),
    ({"S": "\ud800"}, "a string (S) must be valid Unicode"),
    ({"SS": ["a", 1]}, "a string set (SS) holds a list of its members"),
    ({"L": {"a": 1}}, "a list (L) holds a list of values"),
])
def test_values_of_the_wrong_shape_are_named(value: object, problem: str) -> None:
    found = problems({"x": value})
    assert len(found) == 1
    assert found[0].startswith(f"x: {problem}"), found


def test_an_attribute_name_cannot_be_empty() -> None:
    assert problems({"": {"S": "x"}}) == ['"": an attribute name cannot be empty']
