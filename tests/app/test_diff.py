"""Attribute-level diff: added, removed, changed, nested paths, numbers by value, sets."""

from __future__ import annotations

from app.diff import ADDED, CHANGED, REMOVED, Change, changed_attributes, counts, diff, equal


def _summary(changes: list[Change]) -> list[tuple[str, str]]:
    return [(c.path_text, c.kind) for c in changes]


def test_added_removed_and_changed_top_level_attributes():
    old = {"id": {"S": "a"}, "name": {"S": "Ada"}, "gone": {"BOOL": True}}
    new = {"id": {"S": "a"}, "name": {"S": "Grace"}, "fresh": {"NULL": True}}
    changes = diff(old, new)
    assert _summary(changes) == [("name", CHANGED), ("gone", REMOVED), ("fresh", ADDED)]
    name, gone, fresh = changes
    assert (name.old, name.new) == ({"S": "Ada"}, {"S": "Grace"})
    assert (gone.old, gone.new) == ({"BOOL": True}, None)
    assert (fresh.old, fresh.new) == (None, {"NULL": True})
    assert counts(changes) == {ADDED: 1, REMOVED: 1, CHANGED: 1}


def test_identical_items_have_no_changes():
    item = {"id": {"S": "a"}, "b": {"B": b"\x00\xff"}, "l": {"L": [{"N": "1"}]},
            "m": {"M": {"x": {"SS": ["p", "q"]}}}}
    assert diff(item, {k: v for k, v in reversed(item.items())}) == []


def test_nested_maps_report_the_deepest_path():
    old = {"address": {"M": {"city": {"S": "London"},
                             "geo": {"M": {"lat": {"N": "51.5072"}, "lon": {"N": "-0.1276"}}}}}}
    new = {"address": {"M": {"city": {"S": "London"},
                             "geo": {"M": {"lat": {"N": "51.5"}, "alt": {"N": "11"}}}}}}
    assert _summary(diff(old, new)) == [("address.geo.lat", CHANGED),
                                        ("address.geo.lon", REMOVED),
                                        ("address.geo.alt", ADDED)]
    assert diff(old, new)[0].path == ("address", "geo", "lat")


def test_lists_compare_index_by_index_and_into_their_maps():
    old = {"history": {"L": [{"S": "a"}, {"S": "b"}, {"M": {"event": {"S": "x"}}},
                             {"N": "4"}]}}
    new = {"history": {"L": [{"S": "a"}, {"S": "B"}, {"M": {"event": {"S": "y"}}}]}}
    changes = diff(old, new)
    assert _summary(changes) == [("history[1]", CHANGED), ("history[2].event", CHANGED),
                                 ("history[3]", REMOVED)]
    longer = {"history": {"L": [*old["history"]["L"], {"BOOL": False}]}}
    assert _summary(diff(old, longer)) == [("history[4]", ADDED)]
    assert diff(old, longer)[0].new == {"BOOL": False}


def test_numbers_compare_by_value_not_by_text():
    assert diff({"p": {"N": "12.50"}}, {"p": {"N": "12.5"}}) == []
    assert diff({"p": {"N": "1E+2"}}, {"p": {"N": "100"}}) == []
    assert equal({"N": "-0"}, {"N": "0"})
    changed = diff({"p": {"N": "12.50"}}, {"p": {"N": "12.51"}})
    assert _summary(changed) == [("p", CHANGED)]
    # 38 significant digits differ only in the last one: still a change (no float).
    big = "12345678901234567890123456789012345678"
    assert _summary(diff({"n": {"N": big}}, {"n": {"N": big[:-1] + "9"}})) == [("n", CHANGED)]


def test_sets_compare_as_sets_and_name_their_members():
    assert diff({"s": {"SS": ["a", "b"]}}, {"s": {"SS": ["b", "a"]}}) == []
    assert diff({"n": {"NS": ["1.0", "2"]}}, {"n": {"NS": ["2", "1"]}}) == []
    assert diff({"b": {"BS": [b"\x01", b"\x02"]}}, {"b": {"BS": [b"\x02", b"\x01"]}}) == []
    (change,) = diff({"s": {"SS": ["a", "b", "c"]}}, {"s": {"SS": ["c", "d", "a"]}})
    assert change.kind == CHANGED and change.path_text == "s"
    assert change.added_members == ("d",) and change.removed_members == ("b",)
    (numbers,) = diff({"n": {"NS": ["1", "2.50"]}}, {"n": {"NS": ["2.5", "3"]}})
    assert numbers.added_members == ("3",) and numbers.removed_members == ("1",)


def test_a_type_change_is_one_change_at_its_path():
    old = {"v": {"N": "1"}, "m": {"M": {"a": {"S": "x"}}}, "s": {"SS": ["1"]}}
    new = {"v": {"S": "1"}, "m": {"L": [{"S": "x"}]}, "s": {"NS": ["1"]}}
    changes = diff(old, new)
    assert _summary(changes) == [("v", CHANGED), ("m", CHANGED), ("s", CHANGED)]
    assert changes[1].old == {"M": {"a": {"S": "x"}}} and changes[1].new == {"L": [{"S": "x"}]}


def test_insert_and_remove_images_compare_against_nothing():
    item = {"id": {"S": "a"}, "n": {"N": "1"}}
    assert _summary(diff(None, item)) == [("id", ADDED), ("n", ADDED)]
    assert _summary(diff(item, None)) == [("id", REMOVED), ("n", REMOVED)]


def test_awkward_names_are_quoted_in_path_text():
    changes = diff({"first.name": {"M": {"a b": {"S": "x"}}}},
                   {"first.name": {"M": {"a b": {"S": "y"}}}})
    assert changes[0].path == ("first.name", "a b")
    assert changes[0].path_text == '"first.name"."a b"'
    assert changed_attributes(changes) == ["first.name"]


def test_order_is_stable_old_order_then_new_names():
    old = {"c": {"S": "1"}, "a": {"S": "1"}, "b": {"S": "1"}}
    new = {"z": {"S": "1"}, "b": {"S": "2"}, "a": {"S": "2"}, "y": {"S": "1"}}
    assert _summary(diff(old, new)) == [("c", REMOVED), ("a", CHANGED), ("b", CHANGED),
                                        ("z", ADDED), ("y", ADDED)]
