"""The grid's typed cell editors and the model's in-place editing, without a server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QValidator

from ui.cell_editor import CellError, NumberValidator, cell_text, inline_problem, parse_cell
from ui.results_model import EXPIRES, VALUE_ROLE, ResultsModel

BIG = "12345678901234567890123456789012345678"


@pytest.mark.parametrize("text", ["0", "-0.5", "12.50", BIG, "1E-130", "-9.9E+125", ".5",
                                  "+3", "1e5", "00012"])
def test_numbers_keep_their_exact_text(text):
    assert parse_cell("N", text) == {"N": text}
    assert parse_cell("N", f"  {text} ") == {"N": text}


@pytest.mark.parametrize(("text", "said"), [
    (BIG + "9", "at most 38 significant digits (this one has 39)"),
    ("1E-131", "at least 1E-130 in magnitude"),
    ("1E+126", "at most 9.99"),
    ("NaN", "is not a number"),
    ("", "a number cannot be empty"),
    ("1,5", "is not a number"),
])
def test_numbers_dynamodb_refuses_are_errors_that_say_why(text, said):
    with pytest.raises(CellError) as caught:
        parse_cell("N", text)
    assert said in caught.value.message and caught.value.message.startswith("Not saved:")
    assert "stored exactly as typed" in caught.value.hint


def test_strings_and_booleans():
    assert parse_cell("S", "") == {"S": ""}
    assert parse_cell("S", "  spaced  ") == {"S": "  spaced  "}  # kept as typed
    assert parse_cell("BOOL", "true") == {"BOOL": True}
    assert parse_cell("BOOL", " False ") == {"BOOL": False}
    with pytest.raises(CellError, match="true or false"):
        parse_cell("BOOL", "yes")
    with pytest.raises(CellError, match="item editor"):
        parse_cell("SS", "a")
    assert cell_text({"BOOL": False}) == "false" and cell_text({"N": "1.50"}) == "1.50"


def test_the_number_validator_lets_a_number_be_typed_and_nothing_else():
    v = NumberValidator()
    assert v.validate(BIG, 0)[0] == QValidator.State.Acceptable
    for partial in ("", "-", ".", "1e", "1E+", BIG + "9"):  # can still become one
        assert v.validate(partial, 0)[0] == QValidator.State.Intermediate, partial
    for wrong in ("a", "1,5", "1..2", "--1", "0x10"):
        assert v.validate(wrong, 0)[0] == QValidator.State.Invalid, wrong


@pytest.mark.parametrize(("value", "said", "editor"), [
    ({"SS": ["a"]}, "a string set (SS) values are edited in the item editor", True),
    ({"NS": ["1"]}, "a number set (NS)", True),
    ({"BS": [b"x"]}, "a binary set (BS)", True),
    ({"B": b"x"}, "binary (B)", True),
    ({"L": []}, "a list (L)", True),
    ({"M": {}}, "a map (M)", True),
    ({"NULL": True}, "null (NULL)", True),
    ({"S": "two\nlines"}, "line breaks", True),
    (None, "has no “a”", True),
])
def test_what_is_not_edited_in_place_says_why(value, said, editor):
    problem = inline_problem("a", value, ("pk",))
    assert problem is not None and said in problem[0] and problem[1] is editor
    assert inline_problem("a", {"S": "x"}, ("pk",)) is None
    key = inline_problem("pk", {"S": "x"}, ("pk",))
    assert key is not None and "moves the item" in key[0]


def _model() -> ResultsModel:
    model = ResultsModel()
    model.reset(["pk"], ttl_attribute="exp", now=datetime(2026, 1, 1, tzinfo=UTC))
    model.append([{"pk": {"S": "a"}, "n": {"N": "1"}, "exp": {"N": "1700000000"}},
                  {"pk": {"S": "b"}, "n": {"N": "2"}, "ss": {"SS": ["x"]}},
                  {"n": {"N": "3"}}])  # a projection without the key
    return model


def _index(model: ResultsModel, row: int, name: str):
    return model.index(row, model.columns.index(name))


def test_a_cell_edit_is_shown_as_saving_and_asked_for_not_applied(qapp):
    model = _model()
    asked = []
    model.editRequested.connect(lambda item, name, value: asked.append((item, name, value)))
    n = _index(model, 0, "n")
    assert n.flags() & Qt.ItemFlag.ItemIsEditable
    assert model.setData(n, {"N": "1.0E+1"}, VALUE_ROLE)
    assert asked == [(model.item(0), "n", {"N": "1.0E+1"})]
    assert model.item(0)["n"] == {"N": "1"}  # the row waits for the save
    assert n.data() == "1.0E+1" and n.data(Qt.ItemDataRole.FontRole).italic()
    assert n.data(Qt.ItemDataRole.ToolTipRole).startswith("Saving N: 1.0E+1")
    # while it saves, the row cannot be edited again
    assert "being saved" in model.inline_problem(_index(model, 0, "exp"))[0]
    model.clear_pending({"pk": {"S": "a"}})
    assert n.data() == "1" and n.data(Qt.ItemDataRole.FontRole) is None
    # the saved item puts an end to "saving" too
    model.setData(n, {"N": "5"}, VALUE_ROLE)
    model.replace_row(0, {"pk": {"S": "a"}, "n": {"N": "5"}})
    assert n.data() == "5" and n.data(Qt.ItemDataRole.FontRole) is None
    assert model.inline_problem(n) is None


def test_cells_that_are_not_edited_in_place(qapp):
    model = _model()
    assert not model.setData(_index(model, 0, "n"), {"N": "1"}, VALUE_ROLE)  # unchanged
    assert not _index(model, 0, "pk").flags() & Qt.ItemFlag.ItemIsEditable
    assert not _index(model, 0, EXPIRES).flags() & Qt.ItemFlag.ItemIsEditable
    assert "edit “exp” itself" in model.inline_problem(_index(model, 0, EXPIRES))[0]
    assert "item editor" in model.inline_problem(_index(model, 1, "ss"))[0]
    assert not model.setData(_index(model, 1, "ss"), {"SS": ["y"]}, VALUE_ROLE)
    problem = model.inline_problem(_index(model, 2, "n"))
    assert "lacks the key attribute “pk”" in problem[0] and problem[1] is False
    assert not model.setData(_index(model, 2, "n"), {"N": "4"}, VALUE_ROLE)
    model.writable = False
    assert not _index(model, 0, "n").flags() & Qt.ItemFlag.ItemIsEditable
    assert "read-only" in model.inline_problem(_index(model, 0, "n"))[0]
    assert not model.setData(_index(model, 0, "n"), {"N": "9"}, VALUE_ROLE)
    assert [model.item(r).get("n") for r in range(3)] == [{"N": "1"}, {"N": "2"}, {"N": "3"}]
