"""Editing values in place in the results grid, against moto's server through the window."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox

from app.connections import connect
from ui.item_editor import ItemEditor

sys.path.insert(0, str(Path(__file__).parents[1] / "app"))
from faults import Injector

WAIT_MS = 20_000
BIG = "12345678901234567890123456789012345678"  # 38 digits: the most DynamoDB keeps
WRITES = ("UpdateItem", "PutItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


def row_item(i: int) -> dict:
    return {"pk": {"S": f"k{i}"}, "name": {"S": f"name {i}"}, "n": {"N": "12.5"},
            "flag": {"BOOL": True}, "tags": {"SS": ["a", "b"]}, "blob": {"B": b"\x00\x01"},
            "note": {"S": "keep me"}}


class Grid:
    """The window with a table of three items in its grid, and a count of the writes
    its connection sends."""

    def __init__(self, window, qtbot, ddb, table: str, conn) -> None:
        self.window, self.qtbot, self.ddb, self.table = window, qtbot, ddb, table
        self.injectors = {op: Injector(conn.client, op, lambda request, n: None)
                          for op in WRITES}
        window.add_connection(conn.profile, conn)
        qtbot.waitUntil(lambda: window.model.find_table(0, table).isValid(), timeout=WAIT_MS)
        window.tree.setCurrentIndex(window.model.find_table(0, table))
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.table_tabs,
                        timeout=WAIT_MS)
        window.show_items()
        self.panel = window.results
        self.model = self.panel.model
        qtbot.waitUntil(lambda: self.model.rowCount() == 3 and not self.panel.busy,
                        timeout=WAIT_MS)

    def sent(self, operation: str | None = None) -> int:
        if operation is not None:
            return self.injectors[operation].sent
        return sum(i.sent for i in self.injectors.values())

    def body(self, operation: str) -> dict:
        return self.injectors[operation].bodies[-1]

    def index(self, pk: str, name: str):
        row = self.model.row_of({"pk": {"S": pk}})
        return self.model.index(row, self.model.columns.index(name))

    def stored(self, pk: str) -> dict:
        return self.ddb.get_item(TableName=self.table, Key={"pk": {"S": pk}},
                                 ConsistentRead=True)["Item"]

    def press_f2(self, pk: str, name: str):
        """F2 on the cell, as a user does; the open editor widget (or None)."""
        grid = self.panel.grid
        grid.setFocus()
        grid.setCurrentIndex(self.index(pk, name))
        self.qtbot.keyClick(grid, Qt.Key.Key_F2)
        return grid.indexWidget(self.index(pk, name)) or self.editor_widget()

    def editor_widget(self):
        found = self.panel.grid.findChildren(QLineEdit, "cellEditor") + \
            self.panel.grid.findChildren(QComboBox, "cellEditor")
        visible = [w for w in found if w.isVisible()]
        return visible[0] if visible else None

    def type_and_enter(self, editor: QLineEdit, text: str) -> None:
        editor.selectAll()
        self.qtbot.keyClicks(editor, text)
        self.qtbot.keyClick(editor, Qt.Key.Key_Return)

    def wait_saved(self, pk: str) -> None:
        self.qtbot.waitUntil(lambda: self.window.status_label.text().startswith("Saved ")
            and pk in self.window.status_label.text(), timeout=WAIT_MS)

    def close(self) -> None:
        for injector in self.injectors.values():
            injector.remove()


def make_grid(window, qtbot, ddb, table_name, profile):
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for i in range(3):
        ddb.put_item(TableName=table_name, Item=row_item(i))
    return Grid(window, qtbot, ddb, table_name, connect(profile))


@pytest.fixture
def grid(window, qtbot, ddb, table_name, endpoint_profile):
    g = make_grid(window, qtbot, ddb, table_name, endpoint_profile)
    yield g
    g.close()


def test_f2_edits_a_number_exactly_and_sends_only_that_attribute(grid, qtbot):
    editor = grid.press_f2("k1", "n")
    assert isinstance(editor, QLineEdit) and editor.text() == "12.5"
    # someone else changes another attribute after the grid read the item
    grid.ddb.update_item(TableName=grid.table, Key={"pk": {"S": "k1"}},
                         UpdateExpression="SET note = :v",
                         ExpressionAttributeValues={":v": {"S": "theirs"}})
    grid.type_and_enter(editor, BIG)
    grid.wait_saved("k1")
    stored = grid.stored("k1")
    assert stored["n"] == {"N": BIG}  # all 38 digits, no float on the way
    assert stored["note"] == {"S": "theirs"}  # their change survives
    assert grid.sent() == 1 and grid.sent("UpdateItem") == 1
    body = grid.body("UpdateItem")
    assert body["UpdateExpression"].startswith("SET ") and "REMOVE" not in body["UpdateExpression"]
    assert list(body["ExpressionAttributeValues"].values()).count({"N": BIG}) == 1
    assert "attribute_exists" in body["ConditionExpression"]  # conditional, and on n
    assert "n" in body["ExpressionAttributeNames"].values()
    assert "note" not in body["ExpressionAttributeNames"].values()
    # the row shows the item as saved, theirs included; the other rows are untouched
    assert grid.model.item(grid.model.row_of({"pk": {"S": "k1"}})) == stored
    assert grid.model.item(grid.model.row_of({"pk": {"S": "k0"}})) == grid.stored("k0")
    assert grid.window.status_label.text() == "Saved n of pk = \"k1\" in table " \
                                              f"{grid.table}."


def test_a_number_dynamodb_refuses_cannot_be_saved(grid, qtbot):
    editor = grid.press_f2("k0", "n")
    editor.selectAll()
    qtbot.keyClicks(editor, "abc")  # not a number: cannot even be typed
    assert editor.text() == "12.5"
    editor.selectAll()
    qtbot.keyClicks(editor, BIG + "9")  # 39 digits: typed, but Enter refuses it
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert grid.editor_widget() is editor  # still editing
    assert "at most 38 significant digits (this one has 39)" in grid.panel.status.text()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: grid.editor_widget() is None, timeout=WAIT_MS)
    assert grid.sent() == 0 and grid.stored("k0")["n"] == {"N": "12.5"}
    assert grid.model.item(grid.model.row_of({"pk": {"S": "k0"}}))["n"] == {"N": "12.5"}


def test_the_same_number_written_otherwise_sends_nothing(grid, qtbot):
    editor = grid.press_f2("k0", "n")
    grid.type_and_enter(editor, "12.50")
    qtbot.waitUntil(lambda: "Nothing to save" in grid.window.status_label.text(),
                    timeout=WAIT_MS)
    assert grid.sent() == 0
    assert grid.model.index(0, 0).data(Qt.ItemDataRole.FontRole) is None  # not "saving"


def test_strings_and_booleans_are_edited_in_place(grid, qtbot):
    editor = grid.press_f2("k2", "name")
    assert editor.text() == "name 2"
    editor.setText("Zoë “quoted” 名前")  # QTest types ASCII only
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    grid.wait_saved("k2")
    assert grid.stored("k2")["name"] == {"S": "Zoë “quoted” 名前"}

    box = grid.press_f2("k2", "flag")
    assert isinstance(box, QComboBox) and box.currentText() == "true"
    box.setCurrentText("false")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.stored("k2")["flag"] == {"BOOL": False}, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: grid.model.item(grid.model.row_of({"pk": {"S": "k2"}}))["flag"]
                    == {"BOOL": False}, timeout=WAIT_MS)
    assert grid.sent("UpdateItem") == 2 and grid.sent() == 2


def test_escape_leaves_the_value_and_sends_nothing(grid, qtbot):
    editor = grid.press_f2("k1", "name")
    editor.selectAll()
    qtbot.keyClicks(editor, "not this")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: grid.editor_widget() is None, timeout=WAIT_MS)
    assert grid.sent() == 0
    assert grid.index("k1", "name").data() == "name 1"


@pytest.mark.parametrize(("name", "said"), [
    ("tags", "a string set (SS) values are edited in the item editor"),
    ("blob", "binary (B) values are edited in the item editor"),
    ("pk", "key attribute: changing it moves the item"),
])
def test_sets_binary_and_keys_open_the_item_editor(grid, qtbot, name, said):
    assert grid.press_f2("k1", name) is None
    (editor,) = grid.window.editors
    assert isinstance(editor, ItemEditor)
    qtbot.waitUntil(lambda: not editor.loading, timeout=WAIT_MS)
    assert editor.loaded == grid.stored("k1")
    assert said in grid.panel.status.text()
    assert grid.sent() == 0
    editor.reject()


def test_the_context_menu_edits_a_value(grid, qtbot):
    index = grid.index("k0", "name")
    menu = grid.panel.grid.menu_for(index)
    (edit,) = [a for a in menu.actions() if a.text().startswith("Edit value")]
    edit.trigger()
    editor = grid.editor_widget()
    assert isinstance(editor, QLineEdit) and editor.text() == "name 0"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert [a.text() for a in menu.actions() if a.text()] == \
        ["Edit value\tF2", "Open item…\tEnter", "Delete…\tDel"]


def test_a_change_made_meanwhile_opens_the_conflict_view(grid, qtbot):
    grid.ddb.update_item(TableName=grid.table, Key={"pk": {"S": "k1"}},
                         UpdateExpression="SET n = :v",
                         ExpressionAttributeValues={":v": {"N": "99"}})
    editor = grid.press_f2("k1", "n")
    grid.type_and_enter(editor, "7")
    qtbot.waitUntil(lambda: len(grid.window.editors) == 1, timeout=WAIT_MS)
    (item_editor,) = grid.window.editors
    assert item_editor.pages.currentWidget() is item_editor.conflict_page
    conflict = item_editor.conflict
    assert conflict.loaded["n"] == {"N": "12.5"} and conflict.theirs["n"] == {"N": "99"}
    assert conflict.mine["n"] == {"N": "7"}
    assert item_editor.conflict_summary.text() == \
        "They changed: n. You changed: n. Both changed: n."
    assert grid.stored("k1")["n"] == {"N": "99"}  # theirs is kept
    assert "someone else changed n" in grid.window.status_label.text()
    # the row no longer shows 7 as "saving"
    assert grid.index("k1", "n").data(Qt.ItemDataRole.FontRole) is None
    # overwrite, confirmed in the editor, then makes mine the value
    item_editor.overwrite()
    assert item_editor.pages.currentWidget() is item_editor.confirm_page
    with qtbot.waitSignal(item_editor.saved, timeout=WAIT_MS):
        item_editor.send()
    assert grid.stored("k1")["n"] == {"N": "7"}
    qtbot.waitUntil(lambda: grid.index("k1", "n").data() == "7", timeout=WAIT_MS)
    item_editor.reject()


def test_an_item_deleted_meanwhile_is_not_created_again(grid, qtbot):
    grid.ddb.delete_item(TableName=grid.table, Key={"pk": {"S": "k0"}})
    editor = grid.press_f2("k0", "name")
    grid.type_and_enter(editor, "ghost")
    qtbot.waitUntil(lambda: grid.window.findChild(QMessageBox, "errorBox") is not None
                    and grid.window.findChild(QMessageBox, "errorBox").isVisible(),
                    timeout=WAIT_MS)
    box = grid.window.findChild(QMessageBox, "errorBox")
    assert "was deleted from table" in box.text() and "Nothing was written" in box.text()
    box.close()
    assert "Item" not in grid.ddb.get_item(TableName=grid.table, Key={"pk": {"S": "k0"}},
                                           ConsistentRead=True)
    assert grid.window.editors == []


def test_a_read_only_connection_edits_nothing_in_place(window, qtbot, ddb, table_name,
                                                       endpoint_profile):
    g = make_grid(window, qtbot, ddb, table_name,
                  dataclasses.replace(endpoint_profile, read_only=True))
    try:
        assert g.press_f2("k0", "name") is None
        assert "read-only" in g.panel.status.text()
        assert window.editors == []
        assert not g.index("k0", "name").flags() & Qt.ItemFlag.ItemIsEditable
        assert g.sent() == 0
    finally:
        g.close()


def test_production_asks_first_and_cancel_sends_nothing(window, qtbot, ddb, table_name,
                                                        endpoint_profile):
    g = make_grid(window, qtbot, ddb, table_name,
                  dataclasses.replace(endpoint_profile, production=True))
    try:
        editor = g.press_f2("k0", "name")
        g.type_and_enter(editor, "prod value")  # Qt commits the edit on its next turn
        qtbot.waitUntil(lambda: window.cell_box is not None, timeout=WAIT_MS)
        box = window.cell_box
        assert box.isVisible()
        assert "saving name = prod value on pk = \"k0\"" in box.text()
        assert g.index("k0", "name").data(Qt.ItemDataRole.FontRole).italic()  # pending
        box.reject()
        qtbot.waitUntil(lambda: g.index("k0", "name").data() == "name 0", timeout=WAIT_MS)
        assert g.sent() == 0 and g.stored("k0")["name"] == {"S": "name 0"}

        editor = g.press_f2("k0", "name")
        g.type_and_enter(editor, "prod value")
        qtbot.waitUntil(lambda: window.cell_box is not None, timeout=WAIT_MS)
        box = window.cell_box
        (send,) = [b for b in box.buttons() if b.text().startswith("Send to")]
        send.click()
        g.wait_saved("k0")
        assert g.stored("k0")["name"] == {"S": "prod value"} and g.sent() == 1
    finally:
        g.close()
