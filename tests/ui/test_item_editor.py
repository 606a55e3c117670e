"""The item editor on moto's server: exact views, what a save sends, conflicts, moves, copies."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app import codec, writes
from app.catalog import TableInfo, table_info
from app.connections import connect
from ui.item_editor import DOCUMENT, DYNAMODB, TREE, ItemEditor, attribute_spans, size_text

sys.path.insert(0, str(Path(__file__).parents[1] / "app"))
from faults import Injector

WAIT_MS = 10_000
WRITES = ("UpdateItem", "PutItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")
BIG = "12345678901234567890123456789012345678"  # 38 digits: the most DynamoDB keeps

ITEM = {
    "pk": {"S": "u1"},
    "name": {"S": "Ada"},
    "big": {"N": BIG},
    "tiny": {"N": "1E-100"},
    "price": {"N": "12.50"},
    "avatar": {"B": b"\x89PNG\x00\xff"},
    "tags": {"SS": ["admin", "beta"]},
    "scores": {"NS": ["1", "2.5", "-3"]},
    "blobs": {"BS": [b"\x00", b"\x01\x02"]},
    "address": {"M": {"city": {"S": "London"},
                      "geo": {"M": {"lat": {"N": "51.5072"}, "tags": {"L": []}}}}},
    "history": {"L": [{"S": "joined"}, {"N": "2024"}, {"M": {"$SS": {"S": "tag-like"}}}]},
    "nothing": {"NULL": True},
    "active": {"BOOL": False},
    "note": {"S": ""},
}


class Sends:
    """Counts (and keeps the bodies of) every write request a client sends."""

    def __init__(self, client) -> None:
        self.injectors = {op: Injector(client, op, lambda request, n: None) for op in WRITES}

    def count(self, operation: str | None = None) -> int:
        if operation is not None:
            return self.injectors[operation].sent
        return sum(i.sent for i in self.injectors.values())

    def remove(self) -> None:
        for injector in self.injectors.values():
            injector.remove()


@pytest.fixture
def sends(conn):
    watch = Sends(conn.client)
    yield watch
    watch.remove()


@pytest.fixture
def table(ddb, table_name) -> TableInfo:
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return table_info(ddb.describe_table(TableName=table_name)["Table"])


def get(ddb, table: TableInfo, pk: str):
    return ddb.get_item(TableName=table.name, Key={"pk": {"S": pk}},
                        ConsistentRead=True).get("Item")


@pytest.fixture
def stored(ddb, table):
    """ITEM in the table, as the server hands it back."""
    ddb.put_item(TableName=table.name, Item=ITEM)
    item = get(ddb, table, "u1")
    assert writes.same_item(item, ITEM)
    return item


@pytest.fixture
def open_editor(qtbot, qloop, conn, table):
    """Opens an editor and waits until it has read the item's latest version."""
    editors: list[ItemEditor] = []

    def open_(item, connection=None, **options) -> ItemEditor:
        editor = ItemEditor(connection or conn, table, item, **options)
        qtbot.addWidget(editor)
        editor.show()
        qtbot.waitUntil(lambda: not editor.loading, timeout=WAIT_MS)
        editors.append(editor)
        return editor

    yield open_
    for editor in editors:
        if editor.isVisible():
            editor.discard_and_close()


def edit(editor: ItemEditor, old: str, new: str) -> None:
    """Change the text as a user would, and let the editor read it."""
    text = editor.text()
    assert old in text
    editor.set_text(text.replace(old, new, 1))
    editor.check()


def send(qtbot, editor: ItemEditor) -> None:
    assert editor.pages.currentWidget() is editor.confirm_page
    editor.send()
    qtbot.waitUntil(lambda: not editor.sending, timeout=WAIT_MS)


def change_rows(editor: ItemEditor) -> list[list[str]]:
    view = editor.changes_view
    return [[view.topLevelItem(r).text(c) for c in range(4)]
            for r in range(view.topLevelItemCount())]


def pane_item(pane) -> dict:
    return codec.loads(pane.toPlainText(), DOCUMENT)


def test_both_views_round_trip_the_exact_item_and_the_tree_shows_types(
        open_editor, stored, sends, qtbot, qtmodeltester):
    editor = open_editor(stored)
    assert editor.view == DOCUMENT and codec.loads(editor.text(), DOCUMENT) == stored
    assert f'"big": {BIG},' in editor.text()  # the number's exact digits, bare
    for view in (DYNAMODB, DOCUMENT, DYNAMODB, TREE, DOCUMENT):
        assert editor.set_view(view)
        if view != TREE:
            assert editor.text_view == view
            assert codec.loads(editor.text(), view) == stored
    editor.set_view(TREE)
    model = editor.tree_model
    qtmodeltester.check(model)
    rows = {model.index(r, 0).data(): (model.index(r, 1).data(), model.index(r, 2).data())
            for r in range(model.rowCount())}
    assert rows["big"] == ("N", BIG) and rows["tiny"] == ("N", "1E-100")
    assert rows["tags"] == ("SS", '{"admin", "beta"}')
    assert rows["nothing"] == ("NULL", "null") and rows["note"] == ("S", "")
    assert rows["avatar"][0] == "B" and rows["blobs"][0] == "BS"
    address = model.index(list(rows).index("address"), 0)
    geo = model.index(1, 0, address)
    lat = model.index(0, 0, geo)
    assert (lat.data(), lat.siblingAtColumn(1).data(), lat.siblingAtColumn(2).data()) == (
        "lat", "N", "51.5072")
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Type"
    editor.set_view(DOCUMENT)
    assert editor.status_label.text().startswith(f"Item size {size_text(stored)}")
    assert " RCU strong / 0.5 eventual · 1 WCU" in editor.status_label.text()
    editor.save()  # nothing changed
    assert editor.message.text().startswith("Nothing to save")
    assert editor.pages.currentWidget() is editor.edit_page
    assert sends.count() == 0


def test_the_keyboard_switches_views_and_saves(open_editor, stored, qtbot):
    editor = open_editor(stored)
    editor.activateWindow()
    qtbot.waitActive(editor)
    qtbot.keyClick(editor.document_edit, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert editor.view == DYNAMODB
    qtbot.keyClick(editor.dynamodb_edit, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert editor.view == TREE
    qtbot.keyClick(editor.tree, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert editor.view == DOCUMENT
    edit(editor, '"name": "Ada"', '"name": "Grace"')
    qtbot.keyClick(editor.document_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert editor.pages.currentWidget() is editor.confirm_page
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # back from the confirmation, nothing sent
    assert editor.pages.currentWidget() is editor.edit_page and editor.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # unsaved changes: asks first
    assert editor.question is not None and editor.isVisible()
    (keep,) = [b for b in editor.question.buttons() if b is not editor.question_yes]
    assert keep.text() == "Keep editing"
    qtbot.mouseClick(keep, Qt.MouseButton.LeftButton)
    assert editor.isVisible() and editor.has_unsaved_changes()
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.mouseClick(editor.question_yes, Qt.MouseButton.LeftButton)
    assert not editor.isVisible() and editor.result() == QDialog.DialogCode.Rejected


def test_the_editor_reads_the_latest_version_of_a_listed_row(open_editor, stored, ddb, table,
                                                             qtbot):
    projected = {"pk": stored["pk"], "name": stored["name"]}  # e.g. a row read from an index
    editor = open_editor(projected)
    assert editor.loaded == stored and codec.loads(editor.text(), DOCUMENT) == stored
    assert "fuller version" in editor.message.text()
    assert not editor.has_unsaved_changes()
    ddb.delete_item(TableName=table.name, Key={"pk": {"S": "u1"}})
    gone = open_editor(stored)
    assert gone.is_new and gone.title.text() == "New item"
    assert "no longer in the table" in gone.message.text()
    assert codec.loads(gone.text(), DOCUMENT) == stored  # still shown, to create it again
    written = []
    gone.replaced.connect(lambda key, item: written.append((key, item)))
    gone.save()
    with qtbot.waitSignal(gone.saved, timeout=WAIT_MS):
        gone.send()
    assert get(ddb, table, "u1") == stored
    assert written == [({"pk": {"S": "u1"}}, stored)]  # the grid's row, not a new one


def test_one_edit_is_previewed_and_only_it_is_sent(open_editor, stored, sends, ddb, table,
                                                   qtbot):
    editor = open_editor(stored)
    edit(editor, '"name": "Ada"', '"name": "Grace"')
    assert editor.has_unsaved_changes()
    editor.save()
    assert editor.pages.currentWidget() is editor.confirm_page
    assert change_rows(editor) == [["changed", "name", "Ada", "Grace"]]
    assert editor.confirm_title.text() == 'Save 1 change to pk = "u1"?'
    request = json.loads(editor.request_view.toPlainText())
    names = request["ExpressionAttributeNames"]
    update = request["UpdateExpression"]
    assert update.startswith("SET ") and "REMOVE" not in update
    assert [names[p] for p in re.findall(r"#\w+", update)] == ["name"]
    assert request["Key"] == {"pk": {"S": "u1"}}
    assert "UpdateItem" in editor.request_heading.text()
    assert sends.count() == 0  # nothing before the user confirms
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS) as signal:
        editor.send()
    assert sends.count() == sends.count("UpdateItem") == 1
    after = get(ddb, table, "u1")
    assert after == {**stored, "name": {"S": "Grace"}}  # every other attribute as it was
    assert writes.same_item(signal.args[0], after)
    assert editor.loaded == signal.args[0] and not editor.has_unsaved_changes()
    assert editor.message.text().startswith(f"Saved in table {table.name} at ")


def test_malformed_json_names_its_line_and_column_and_sends_nothing(open_editor, stored, sends,
                                                                    qtbot):
    editor = open_editor(stored)
    text = editor.text()
    broken = text.replace('"name": "Ada",', '"name": "Ada"', 1)  # a comma missing
    line = broken.split("\n").index('  "name": "Ada"') + 2  # 1-based: the line after it
    editor.set_text(broken)
    qtbot.waitUntil(editor.error_label.isVisible, timeout=WAIT_MS)  # checked as you type
    err = editor.parse_error
    assert (err.line, err.column) == (line, 3)
    assert editor.error_label.text().startswith(f"Line {line}, column 3: ")
    assert not editor.save_button.isEnabled()
    marked = editor.document_edit.extraSelections()
    assert marked and {s.cursor.blockNumber() for s in marked} == {line - 1}
    assert "not a valid item" in editor.status_label.text()
    editor.save()
    assert editor.document_edit.textCursor().blockNumber() == line - 1  # the cursor is there
    assert not editor.set_view(DYNAMODB)  # a switch would lose the text: refused
    assert editor.view == DOCUMENT and editor.text() == broken
    assert editor.pages.currentWidget() is editor.edit_page
    assert sends.count() == 0


def test_a_39_digit_number_or_an_empty_set_is_listed_and_blocks_save(open_editor, stored,
                                                                     sends):
    editor = open_editor(stored)
    edit(editor, f'"big": {BIG},', f'"big": {BIG}9,')

    def problems() -> list[str]:
        return [editor.problems_list.item(i).text() for i in range(editor.problems_list.count())]

    assert problems() == ["big: a number has at most 38 significant digits (this one has 39)"]
    assert editor.problems_list.isVisible() and not editor.save_button.isEnabled()
    editor.save()
    assert editor.pages.currentWidget() is editor.edit_page
    editor.set_text(codec.dumps({**stored, "tags": {"SS": []}}, DOCUMENT))
    editor.check()
    assert problems() == ["tags: a set cannot be empty (remove the attribute, or use an "
                          "empty list)"]
    assert not editor.save_button.isEnabled()
    editor.save()
    assert sends.count() == 0


def test_a_conflict_shows_three_versions_cancel_sends_nothing_overwrite_keeps_theirs(
        open_editor, stored, sends, ddb, table, qtbot):
    editor = open_editor(stored)
    edit(editor, '"name": "Ada"', '"name": "Grace"')
    ddb.update_item(TableName=table.name, Key={"pk": {"S": "u1"}},  # someone else, meanwhile
                    UpdateExpression="SET #n = :n, active = :t",
                    ExpressionAttributeNames={"#n": "name"},
                    ExpressionAttributeValues={":n": {"S": "Countess"}, ":t": {"BOOL": True}})
    theirs = get(ddb, table, "u1")
    editor.save()
    send(qtbot, editor)
    assert editor.pages.currentWidget() is editor.conflict_page
    assert pane_item(editor.loaded_pane) == stored
    assert pane_item(editor.theirs_pane) == theirs
    assert pane_item(editor.mine_pane) == {**stored, "name": {"S": "Grace"}}
    assert editor.conflict_summary.text() == ("They changed: active, name. You changed: name. "
                                              "Both changed: name.")
    table_rows = editor.conflict_table
    assert [[table_rows.topLevelItem(r).text(c) for c in range(4)]
            for r in range(table_rows.topLevelItemCount())] == [
        ["name", "Ada", "Countess", "Grace"], ["active", "false", "true", "false"]]
    name_line = attribute_spans(editor.theirs_pane.toPlainText())["name"][0]
    assert name_line in {s.cursor.blockNumber() for s in editor.theirs_pane.extraSelections()}
    assert sends.count() == 1

    editor.cancel_conflict()
    assert editor.pages.currentWidget() is editor.edit_page
    assert "Nothing was sent" in editor.message.text()
    assert sends.count() == 1 and get(ddb, table, "u1") == theirs

    editor.save()
    send(qtbot, editor)  # still a conflict
    assert editor.pages.currentWidget() is editor.conflict_page
    editor.overwrite()
    assert editor.confirm_title.text().startswith("Overwrite their version: ")
    assert change_rows(editor) == [["changed", "name", "Countess", "Grace"]]
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    final = get(ddb, table, "u1")
    assert final == {**theirs, "name": {"S": "Grace"}}  # my change, and theirs kept
    assert final["active"] == {"BOOL": True}
    assert sends.count("UpdateItem") == 3


def test_reload_after_a_conflict_asks_then_edits_their_version(open_editor, stored, sends, ddb,
                                                               table, qtbot):
    editor = open_editor(stored)
    edit(editor, '"name": "Ada"', '"name": "Grace"')
    ddb.update_item(TableName=table.name, Key={"pk": {"S": "u1"}},
                    UpdateExpression="SET #n = :n", ExpressionAttributeNames={"#n": "name"},
                    ExpressionAttributeValues={":n": {"S": "Countess"}})
    theirs = get(ddb, table, "u1")
    editor.save()
    send(qtbot, editor)
    editor.reload_theirs()
    assert editor.question is not None and editor.pages.currentWidget() is editor.conflict_page
    qtbot.mouseClick(editor.question_yes, Qt.MouseButton.LeftButton)
    assert editor.pages.currentWidget() is editor.edit_page
    assert editor.loaded == theirs and codec.loads(editor.text(), DOCUMENT) == theirs
    assert not editor.has_unsaved_changes()
    assert sends.count() == 1


def test_an_item_deleted_meanwhile_can_be_created_again(open_editor, stored, ddb, table, qtbot):
    editor = open_editor(stored)
    edit(editor, '"name": "Ada"', '"name": "Grace"')
    ddb.delete_item(TableName=table.name, Key={"pk": {"S": "u1"}})
    editor.save()
    send(qtbot, editor)
    assert editor.pages.currentWidget() is editor.conflict_page
    assert "deleted" in editor.conflict_title.text()
    assert editor.theirs_pane.toPlainText() == ""
    assert "deleted" in editor.theirs_pane.placeholderText()
    assert not editor.reload_button.isEnabled()
    assert editor.overwrite_button.text() == "Create it again…"
    editor.overwrite()
    assert editor.confirm_title.text().startswith("Overwrite their version: create the item")
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    assert writes.same_item(get(ddb, table, "u1"), {**stored, "name": {"S": "Grace"}})


def test_a_new_item_is_created_and_an_existing_key_is_refused(open_editor, ddb, table, qtbot):
    editor = open_editor(None)
    assert editor.is_new and editor.title.text() == "New item"
    assert codec.loads(editor.text(), DOCUMENT) == {"pk": {"S": ""}}
    assert editor.problems == ["pk: the partition key cannot be an empty string"]
    assert not editor.save_button.isEnabled() and not editor.delete_button.isEnabled()
    editor.set_text('{"pk": "u2", "count": 12.50, "tags": {"$SS": ["x"]}}')
    editor.check()
    editor.save()
    assert editor.confirm_title.text() == f'Create the item pk = "u2" in table {table.name}?'
    assert [row[:2] for row in change_rows(editor)] == [
        ["added", "pk"], ["added", "count"], ["added", "tags"]]
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    created = get(ddb, table, "u2")
    assert writes.same_item(created, {"pk": {"S": "u2"}, "count": {"N": "12.5"},
                                      "tags": {"SS": ["x"]}})
    assert not editor.is_new and editor.title.text() == 'pk = "u2"'

    other = open_editor(None)
    other.set_text('{"pk": "u2", "count": 1}')
    other.check()
    other.save()
    send(qtbot, other)
    assert "already exists" in other.message.text()
    assert other.message.property("kind") == "error" and other.is_new
    assert get(ddb, table, "u2") == created  # nothing overwritten


def test_changing_the_key_is_a_move_after_a_confirmation_that_says_so(open_editor, stored,
                                                                      sends, ddb, table, qtbot):
    editor = open_editor(stored)
    edit(editor, '"pk": "u1"', '"pk": "u9"')
    editor.save()
    assert editor.confirm_title.text() == (
        f'This is a move: pk = "u1" → pk = "u9" in table {table.name}')
    assert "TransactWriteItems" in editor.request_heading.text()
    assert editor.send_button.text() == "Move"
    assert sends.count() == 0
    moved = []
    editor.replaced.connect(lambda before, after: moved.append((before, after)))
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    assert sends.count() == sends.count("TransactWriteItems") == 1
    assert get(ddb, table, "u1") is None
    assert writes.same_item(get(ddb, table, "u9"), {**stored, "pk": {"S": "u9"}})
    assert moved[0][0] == {"pk": {"S": "u1"}} and moved[0][1]["pk"] == {"S": "u9"}


def test_duplicate_then_delete_the_copy(open_editor, stored, ddb, table, qtbot):
    editor = open_editor(stored)
    editor.duplicate()
    assert editor.is_new and editor.title.text() == 'Copy of pk = "u1"'
    assert editor.document_edit.textCursor().selectedText() == "u1"  # ready to type over
    editor.save()  # the original's key: refused before anything is sent
    assert "still has the original's key" in editor.message.text()
    editor.document_edit.insertPlainText("u3")
    editor.check()
    editor.save()
    assert editor.confirm_title.text().startswith('Create the item pk = "u3"')
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    assert writes.same_item(get(ddb, table, "u3"), {**stored, "pk": {"S": "u3"}})
    assert get(ddb, table, "u1") == stored

    editor.delete()
    assert editor.confirm_title.text() == f'Delete the item pk = "u3" from table {table.name}?'
    assert editor.send_button.text() == "Delete"
    assert {row[0] for row in change_rows(editor)} == {"removed"}
    with qtbot.waitSignal(editor.deleted, timeout=WAIT_MS) as signal:
        editor.send()
    assert signal.args[0] == {"pk": {"S": "u3"}}
    assert get(ddb, table, "u3") is None and get(ddb, table, "u1") == stored
    assert editor.result() == QDialog.DialogCode.Accepted


def test_a_read_only_connection_opens_the_editor_read_only(open_editor, stored,
                                                          endpoint_profile):
    read_only = connect(dataclasses.replace(endpoint_profile, read_only=True))
    watch = Sends(read_only.client)
    editor = open_editor(stored, connection=read_only)
    assert editor.loaded == stored  # reading is fine
    assert editor.document_edit.isReadOnly() and editor.dynamodb_edit.isReadOnly()
    assert not editor.save_button.isEnabled() and not editor.delete_button.isEnabled()
    assert not editor.duplicate_button.isEnabled()
    assert editor.banner.isVisible() and "read-only connection" in editor.banner.text()
    editor.save()
    assert "read-only" in editor.message.text() and watch.count() == 0
    watch.remove()


def test_a_production_connection_says_so_before_sending(open_editor, stored, endpoint_profile):
    production = connect(dataclasses.replace(endpoint_profile, production=True))
    editor = open_editor(stored, connection=production)
    assert "production" in editor.banner.text()
    edit(editor, '"active": false', '"active": true')
    editor.save()
    assert editor.confirm_warning.isVisible()
    assert editor.confirm_warning.text().startswith("⚠ Production: moto is a production "
                                                    "connection. This UpdateItem changes")
    assert editor.send_button.text() == "Save on production"
    editor.back()
    assert editor.pages.currentWidget() is editor.edit_page and editor.pending_plan is None
