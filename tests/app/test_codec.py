"""The editor's two text views round-trip every valid item exactly and explain bad text."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from strategies import by_value, deep_values, depth, items

from app.codec import (
    DOCUMENT,
    DYNAMODB,
    VIEWS,
    CodecError,
    display,
    dumps,
    loads,
    number,
    path_text,
)
from app.demo_data import BIG_38_DIGITS, generate
from app.errors import DynascopeError

EXACT_NUMBERS = ["12.50", "1E-100", "-0.0001", BIG_38_DIGITS, "-" + BIG_38_DIGITS,
                 "9.9999999999999999999999999999999999999E+125", "1E-130", "-1E-130",
                 "0", "-0", "0.000", "1e+5", "100", "1.0"]
#: Valid for DynamoDB (it reads numbers like Java's BigDecimal), but not JSON number tokens.
UNUSUAL_NUMBERS = ["+3", ".123", "0001.23", "5.", "-.5", "+1E+5"]

SHOWCASE = {
    "id": {"S": "a"},
    "n": {"N": "12.50"},
    "b": {"B": b"\x00\x01\xff"},
    "empty_b": {"B": b""},
    "empty_s": {"S": ""},
    "yes": {"BOOL": True},
    "nothing": {"NULL": True},
    "tags": {"SS": ["b", "a"]},
    "nums": {"NS": ["2.5", "1", "+3"]},
    "blobs": {"BS": [b"x", b""]},
    "list": {"L": [{"N": "1"}, {"S": "two"}, {"L": []}, {"M": {}}]},
    "map": {"M": {"lat": {"N": "51.5072"}, "deep": {"M": {"x": {"NULL": True}}}}},
}


# -- round trips --------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(items())
def test_random_items_round_trip_through_both_views(item) -> None:
    for view in VIEWS:
        text = dumps(item, view)
        assert loads(text, view) == item
        assert dumps(loads(text, view), view) == text


@settings(max_examples=150, deadline=None)
@given(items())
def test_both_views_read_back_the_same_item(item) -> None:
    assert loads(dumps(item, DYNAMODB), DYNAMODB) == loads(dumps(item, DOCUMENT), DOCUMENT)


@settings(max_examples=25, deadline=None)
@given(deep_values(levels=32))
def test_values_nested_32_levels_round_trip(value) -> None:
    assert depth(value) == 32
    item = {"id": {"S": "deep"}, "deep": value}
    for view in VIEWS:
        assert loads(dumps(item, view), view) == item


def test_the_showcase_item_round_trips_with_its_types() -> None:
    for view in VIEWS:
        back = loads(dumps(SHOWCASE, view), view)
        assert back == SHOWCASE
        assert type(back["b"]["B"]) is bytes
        assert back["tags"]["SS"] == ["b", "a"]  # a set keeps its members' order


def test_demo_data_round_trips_through_both_views() -> None:
    tables = generate(now=datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    checked = 0
    for table in tables:
        for item in table.items:
            for view in VIEWS:
                assert loads(dumps(item, view), view) == item
            checked += 1
    assert checked > 2000


@pytest.mark.parametrize("text", EXACT_NUMBERS)
def test_document_view_writes_a_number_with_its_exact_digits(text: str) -> None:
    item = {"n": {"N": text}, "s": {"NS": [text]}}
    doc = dumps(item, DOCUMENT)
    assert f'"n": {text},\n' in doc
    assert f"\n      {text}\n" in doc  # the set member, bare too
    assert loads(doc, DOCUMENT) == item
    assert f'"N": "{text}"' in dumps(item, DYNAMODB)


@pytest.mark.parametrize("text", UNUSUAL_NUMBERS)
def test_numbers_json_cannot_write_bare_are_tagged(text: str) -> None:
    item = {"n": {"N": text}, "s": {"NS": [text, "7"]}}
    doc = dumps(item, DOCUMENT)
    assert json.loads(doc)["n"] == {"$N": text}
    assert json.loads(doc)["s"]["$NS"][0] == text
    assert loads(doc, DOCUMENT) == item


def test_document_view_of_every_type() -> None:
    doc = json.loads(dumps(SHOWCASE, DOCUMENT))
    assert doc["id"] == "a"
    assert doc["b"] == {"$B": "AAH/"}
    assert doc["empty_b"] == {"$B": ""}
    assert doc["empty_s"] == ""
    assert doc["yes"] is True
    assert doc["nothing"] is None
    assert doc["tags"] == {"$SS": ["b", "a"]}
    assert doc["blobs"] == {"$BS": ["eA==", ""]}
    assert doc["list"] == [1, "two", [], {}]
    assert doc["map"] == {"lat": 51.5072, "deep": {"x": None}}


def test_dynamodb_view_is_the_wire_json_indented_by_two() -> None:
    text = dumps(SHOWCASE, DYNAMODB)
    wire = json.loads(text)
    assert text == json.dumps(wire, indent=2, ensure_ascii=False)
    assert list(wire) == list(SHOWCASE)  # the item's own order
    assert wire["b"] == {"B": "AAH/"}
    assert wire["blobs"] == {"BS": ["eA==", ""]}
    assert wire["n"] == {"N": "12.50"}


def test_document_view_is_indented_by_two_in_the_items_order() -> None:
    item = {"z": {"N": "1.50"}, "a": {"L": [{"S": "x"}]}}
    assert dumps(item, DOCUMENT) == '{\n  "z": 1.50,\n  "a": [\n    "x"\n  ]\n}'


def test_unicode_is_written_as_itself() -> None:
    item = {"名前": {"S": "ünïcødé 🙂"}}
    for view in VIEWS:
        assert "ünïcødé 🙂" in dumps(item, view)
        assert loads(dumps(item, view), view) == item


# -- maps that look like tags ---------------------------------------------------------------

@pytest.mark.parametrize("names", [["$SS"], ["$M"], ["$B"], ["$N"], ["$unknown"], ["$"],
                                   ["a", "$b"], ["$SS", "$NS"]])
def test_a_map_whose_names_look_like_tags_is_wrapped_and_round_trips(names: list[str]) -> None:
    inner = {name: {"SS": ["a"]} for name in names}
    item = {"m": {"M": inner}}
    doc = dumps(item, DOCUMENT)
    assert json.loads(doc)["m"] == {"$M": {name: {"$SS": ["a"]} for name in names}}
    assert loads(doc, DOCUMENT) == item
    assert loads(dumps(item, DYNAMODB), DYNAMODB) == item


def test_a_wrapped_map_inside_a_wrapped_map_round_trips() -> None:
    item = {"m": {"M": {"$M": {"M": {"$M": {"M": {}}}}}}}
    doc = dumps(item, DOCUMENT)
    assert json.loads(doc) == {"m": {"$M": {"$M": {"$M": {"$M": {}}}}}}
    assert loads(doc, DOCUMENT) == item


def test_top_level_names_are_never_tags() -> None:
    item = {"$SS": {"S": "just a string"}, "$M": {"N": "1"}}
    doc = dumps(item, DOCUMENT)
    assert json.loads(doc) == {"$SS": "just a string", "$M": 1}
    assert loads(doc, DOCUMENT) == item


def test_a_map_with_ordinary_names_is_not_wrapped() -> None:
    item = {"m": {"M": {"a$": {"S": "x"}, "b": {"S": "y"}}}}
    assert json.loads(dumps(item, DOCUMENT)) == {"m": {"a$": "x", "b": "y"}}


def test_document_view_reads_number_set_members_written_as_strings() -> None:
    assert loads('{"s": {"$NS": ["1", 2.50]}}', DOCUMENT) == {"s": {"NS": ["1", "2.50"]}}


# -- malformed text: line, column and what was expected ------------------------------------

def _error(text: str, view: str = DOCUMENT) -> CodecError:
    with pytest.raises(CodecError) as caught:
        loads(text, view)
    return caught.value


def test_a_missing_comma_gives_line_column_and_what_was_expected() -> None:
    text = '{\n  "id": "a",\n  "price": 12.50 "name": "x"\n}'
    err = _error(text)
    assert (err.line, err.column) == (3, 18)
    assert str(err) == "Line 3, column 18: expected ',' or '}' after a value"
    assert isinstance(err, DynascopeError)


def test_a_missing_comma_in_an_array_expects_a_bracket() -> None:
    err = _error('{"l": [1, 2\n 3]}')
    assert (err.line, err.column) == (2, 2)
    assert err.reason == "expected ',' or ']' after a value"


@pytest.mark.parametrize(("text", "line", "column", "expected"), [
    ('{"a": 1,}', 1, 9, "expected a name in double quotes after ','"),
    ("{a: 1}", 1, 2, "expected a name in double quotes"),
    ('{"a" 1}', 1, 6, "expected ':' after a name"),
    ('{"a": }', 1, 7, "expected a value (a string, number, object, array, true, false or "
                      "null), found '}'"),
    ('{"a": [1,]}', 1, 10, "expected a value after ','"),
    ('{"a": ', 1, 7, "expected a value, found the end of the text"),
    ("", 1, 1, "the text is empty"),
    ('{"a": "b}', 1, 7, "a string starts here and is never closed"),
    ('{"a": "x\ny"}', 1, 9, "a line break or control character inside a string must be"),
    ('{"a": "\\q"}', 1, 8, "invalid escape in a string"),
    ('{"a": 1}\n{"b": 2}', 2, 1, "expected the end of the text after the item"),
])
def test_malformed_json_says_where_and_what(text: str, line: int, column: int,
                                            expected: str) -> None:
    for view in VIEWS:
        err = _error(text, view)
        assert (err.line, err.column) == (line, column), str(err)
        assert err.reason.startswith(expected), err.reason
        assert str(err).startswith(f"Line {line}, column {column}: ")


# -- well-formed JSON that is not an item: the path, and where ------------------------------

def test_a_bad_number_names_its_path_line_and_column() -> None:
    text = dumps({"address": {"M": {"geo": {"M": {"lat": {"N": "51.5"}}}}}}, DYNAMODB)
    text = text.replace('"51.5"', '"abc"')
    err = _error(text, DYNAMODB)
    assert err.path == "address.geo.lat"
    assert (err.line, err.column) == (7, 18)
    assert str(err) == 'Line 7, column 18: address.geo.lat: "abc" is not a number'


def test_a_list_member_is_named_by_its_index() -> None:
    text = '{\n  "history": [1, 2, 3, {"$B": "%%"}]\n}'
    err = _error(text)
    assert err.path == "history[3]"
    assert (err.line, err.column) == (2, 31)
    assert "not valid base64" in err.reason


@pytest.mark.parametrize(("text", "path", "expected"), [
    ('{"a": {"S": "x", "N": "1"}}', "a", "exactly one type key, this one has 2 (S, N)"),
    ('{"a": {}}', "a", "expected a type object"),
    ('{"a": "x"}', "a", "expected a type object"),
    ('{"a": {"X": "1"}}', "a", 'unknown type "X"'),
    ('{"a": {"N": "1.2.3"}}', "a", '"1.2.3" is not a number'),
    ('{"a": {"N": 5}}', "a", 'DynamoDB JSON writes a number as a string: {"N": "5"}'),
    ('{"a": {"NS": ["1", 2]}}', "a", "writes a number as a string"),
    ('{"a": {"N": "NaN"}}', "a", '"NaN" is not a number'),
    ('{"a": {"B": "!!"}}', "a", "not valid base64"),
    ('{"a": {"BS": ["QQ==", "Q"]}}', "a", "not valid base64"),
    ('{"a": {"NULL": false}}', "a", "NULL is always true"),
    ('{"a": {"BOOL": "true"}}', "a", "BOOL is true or false"),
    ('{"a": {"S": 1}}', "a", "a string (S) is a JSON string"),
    ('{"a": {"SS": "x"}}', "a", "expected an array of strings"),
    ('{"a": {"SS": [1]}}', "a", "a string set holds strings"),
    ('{"a": {"L": [{"S": "x"}, {"Q": 1}]}}', "a[1]", 'unknown type "Q"'),
    ('{"a": {"M": {"b": {"M": {"c.d": 1}}}}}', 'a.b."c.d"', "expected a type object"),
    ('{"a": {"M": {"x": {"S": "1"}, "x": {"S": "2"}}}}', "a.x", '"x" appears twice'),
    ('{"a": {"S": "1"}, "a": {"S": "2"}}', "a", '"a" appears twice'),
])
def test_dynamodb_json_semantic_errors_name_the_path(text: str, path: str,
                                                     expected: str) -> None:
    err = _error(text, DYNAMODB)
    assert err.path == path
    assert expected in err.reason, err.reason
    assert err.line == 1 and err.column is not None and err.column > 1


@pytest.mark.parametrize(("text", "path", "expected"), [
    ('{"a": {"$XS": []}}', "a", 'unknown tag "$XS"'),
    ('{"a": {"$SS": ["x"], "b": 1}}', "a", 'is written {"$M": {...}}'),
    ('{"a": {"$N": "abc"}}', "a", '"abc" is not a number'),
    ('{"a": {"$NS": [1, "x"]}}', "a", '"x" is not a number'),
    ('{"a": {"$NS": [1, true]}}', "a", "expected a number, found true"),
    ('{"a": {"$B": "abc"}}', "a", "not valid base64"),
    ('{"a": {"$BS": [1]}}', "a", "expected base64 text, found the number 1"),
    ('{"a": {"$M": []}}', "a", "$M holds an object"),
    ('{"a": [NaN]}', "a[0]", "NaN is not a number DynamoDB can store"),
    ('{"a": {"b": -Infinity}}', "a.b", "-Infinity is not a number"),
    ('{"a": {"b": 1, "b": 2}}', "a.b", '"b" appears twice'),
    ('{"a": {"$M": {"$x": 1, "$x": 2}}}', "a.$x", '"$x" appears twice'),
])
def test_document_semantic_errors_name_the_path(text: str, path: str, expected: str) -> None:
    err = _error(text, DOCUMENT)
    assert err.path == path
    assert expected in err.reason, err.reason
    assert err.line == 1 and err.column is not None and err.column > 1


@pytest.mark.parametrize("text", ["[1]", '"x"', "12", "null"])
def test_the_top_level_must_be_an_object(text: str) -> None:
    for view in VIEWS:
        err = _error(text, view)
        assert err.reason.startswith("expected an item: an object of attribute names")
        assert (err.line, err.column) == (1, 1)


def test_the_position_points_at_the_offending_value_on_its_own_line() -> None:
    good = dumps(SHOWCASE, DOCUMENT)
    bad = good.replace('"lat": 51.5072', '"lat": {"$N": "5x"}')
    err = _error(bad)
    line = bad.splitlines()[err.line - 1]
    assert line[err.column - 1:].startswith('"5x"')
    assert err.path == "map.lat"


def test_text_nested_beyond_reason_is_an_error_not_a_crash() -> None:
    for view in VIEWS:
        with pytest.raises(CodecError, match="nests too deeply"):
            loads('{"a": ' + "[" * 100_000, view)


def test_dumps_refuses_a_value_that_is_not_an_attribute_value() -> None:
    for view in VIEWS:
        with pytest.raises(CodecError, match=r'^m\.x\[0\]: unknown type "Q"'):
            dumps({"m": {"M": {"x": {"L": [{"Q": 1}]}}}}, view)
        with pytest.raises(CodecError, match="NULL"):
            dumps({"n": {"NULL": False}}, view)


def test_an_unknown_view_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown view"):
        dumps({}, "yaml")
    with pytest.raises(ValueError, match="unknown view"):
        loads("{}", "yaml")


# -- helpers --------------------------------------------------------------------------------

def test_number_is_exact_and_refuses_what_dynamodb_refuses() -> None:
    assert str(number(BIG_38_DIGITS + "1")) == BIG_38_DIGITS + "1"  # exact, even when invalid
    assert number("1E-130") < number("1E-129")
    assert number("1") == number("1.0")
    for bad in ["NaN", "Infinity", " 1", "1 ", "dog", "", "1e", "٣"]:
        with pytest.raises(ValueError):
            number(bad)


@pytest.mark.parametrize(("parts", "text"), [
    (("address", "geo", "lat"), "address.geo.lat"),
    (("history", 3), "history[3]"),
    (("m", 0, 1, "x"), "m[0][1].x"),
    (("first.name",), '"first.name"'),
    (("a", "with space"), 'a."with space"'),
    (("#tag", "a:b", "$SS"), "#tag.a:b.$SS"),
])
def test_path_text(parts: tuple, text: str) -> None:
    assert path_text(parts) == text


@pytest.mark.parametrize(("value", "text"), [
    ({"S": "plain"}, "plain"),
    ({"S": "two\nlines"}, "two↵lines"),
    ({"N": "12.50"}, "12.50"),
    ({"N": BIG_38_DIGITS}, BIG_38_DIGITS),
    ({"BOOL": True}, "true"),
    ({"BOOL": False}, "false"),
    ({"NULL": True}, "null"),
    ({"SS": ["a", 'b"c']}, '{"a", "b\\"c"}'),
    ({"NS": ["1", "2.50"]}, "{1, 2.50}"),
    ({"B": b"\x00\x01\x02\xff"}, "AAEC/w== (4 bytes)"),
    ({"B": b"x"}, "eA== (1 byte)"),
    ({"B": bytes(range(40))}, "AAECAwQFBgcICQoL… (40 bytes)"),
    ({"BS": [b"x", b""]}, "{eA== (1 byte),  (0 bytes)}"),
    ({"L": [{"N": "1.0"}, {"S": "x"}, {"SS": ["a"]}]}, '[1.0, "x", {"$SS": ["a"]}]'),
    ({"M": {"a": {"N": "1"}, "b": {"M": {}}}}, '{"a": 1, "b": {}}'),
    ({"M": {"$a": {"NULL": True}}}, '{"$M": {"$a": null}}'),
])
def test_display(value: dict, text: str) -> None:
    assert display(value) == text


def test_display_cuts_long_values() -> None:
    shown = display({"S": "x" * 1000}, limit=50)
    assert len(shown) == 50 and shown.endswith("…")
    assert display({"L": [{"S": "y" * 10}] * 100}, limit=30).endswith("…")


def test_display_of_something_that_is_not_a_value() -> None:
    assert display({"Q": 1}) == "?"
    assert display({}) == "?"


# -- saved to moto's server and read back ---------------------------------------------------

def _create(ddb, name: str) -> None:
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")


def _put_and_get(ddb, table: str, item: dict) -> dict:
    ddb.put_item(TableName=table, Item=item)
    return ddb.get_item(TableName=table, Key={"pk": item["pk"]}, ConsistentRead=True)["Item"]


def test_items_read_back_from_moto_equal_what_was_saved(ddb, table_name: str) -> None:
    _create(ddb, table_name)
    checked = []

    @settings(max_examples=30, deadline=None)
    @given(items())
    def save_and_read(item: dict) -> None:
        item = {**item, "pk": {"S": uuid.uuid4().hex}}
        for view in VIEWS:  # what the editor would send
            assert loads(dumps(item, view), view) == item
        back = _put_and_get(ddb, table_name, loads(dumps(item, DOCUMENT), DOCUMENT))
        assert by_value(back) == by_value(item)
        checked.append(item)

    save_and_read()
    assert len(checked) >= 30


def test_values_nested_32_levels_come_back_from_moto(ddb, table_name: str) -> None:
    _create(ddb, table_name)

    @settings(max_examples=5, deadline=None)
    @given(deep_values(levels=32))
    def save_and_read(value: dict) -> None:
        item = {"pk": {"S": uuid.uuid4().hex}, "deep": value}
        back = _put_and_get(ddb, table_name, loads(dumps(item, DYNAMODB), DYNAMODB))
        assert by_value(back) == by_value(item)
        assert depth(back["deep"]) == 32

    save_and_read()


def test_the_showcase_comes_back_from_moto_with_exact_types(ddb, table_name: str) -> None:
    _create(ddb, table_name)
    item = {**SHOWCASE, "pk": {"S": "showcase"}}
    back = _put_and_get(ddb, table_name, loads(dumps(item, DOCUMENT), DOCUMENT))
    assert by_value(back) == by_value(item)
    assert back["b"] == {"B": b"\x00\x01\xff"}
    assert back["empty_b"] == {"B": b""}
    assert set(back["tags"]["SS"]) == {"a", "b"}
