"""Items from the grid: Enter opens the editor, a save updates the row, New item, Delete."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app import codec
from app.writes import same_value

WAIT_MS = 20_000
COUNT = 60


@pytest.fixture
def grid(window, qtbot, ddb, table_name, endpoint_profile):
    """A table of COUNT items shown in the window's grid; returns (window, panel)."""
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for i in range(COUNT):
        ddb.put_item(TableName=table_name, Item={"pk": {"S": f"k{i:03}"}, "n": {"N": str(i)}})
    conn = window.add_connection(endpoint_profile)
    qtbot.waitUntil(lambda: window.model.find_table(0, table_name).isValid(), timeout=WAIT_MS)
    window.tree.setCurrentIndex(window.model.find_table(0, table_name))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.table_tabs, timeout=WAIT_MS)
    window.show_items()
    panel = window.results
    qtbot.waitUntil(lambda: panel.model.rowCount() == COUNT and not panel.busy, timeout=WAIT_MS)
    assert conn.isValid()
    return window, panel


def count(ddb, table_name) -> int:
    return ddb.scan(TableName=table_name, Select="COUNT", ConsistentRead=True)["Count"]


def test_enter_opens_the_editor_and_a_save_replaces_the_row(grid, qtbot):
    window, panel = grid
    panel.grid.setFocus()
    panel.grid.setCurrentIndex(panel.model.index(4, 0))
    item = panel.model.item(4)
    qtbot.keyClick(panel.grid, Qt.Key.Key_Return)
    (editor,) = window.editors
    qtbot.waitUntil(lambda: not editor.loading, timeout=WAIT_MS)
    assert editor.loaded == item
    editor.set_text(editor.text().replace(f'"n": {item["n"]["N"]}', '"n": 12.50'))
    editor.save()
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    row = panel.model.row_of({"pk": item["pk"]})
    assert row == 4 and same_value(panel.model.item(row)["n"], {"N": "12.5"})
    assert panel.model.rowCount() == COUNT
    assert window.status_label.text().startswith("Saved in table")
    editor.reject()
    assert window.editors == []


def test_new_item_adds_a_row(grid, qtbot):
    window, panel = grid
    window.new_item()
    (editor,) = window.editors
    editor.set_text('{"pk": "new", "n": 1}')
    editor.check()
    editor.save()
    with qtbot.waitSignal(editor.saved, timeout=WAIT_MS):
        editor.send()
    assert panel.model.rowCount() == COUNT + 1
    assert panel.model.item(COUNT) == codec.loads('{"pk": "new", "n": 1}', "document")


def test_delete_selected_rows_after_a_confirmation(grid, qtbot, ddb, table_name):
    window, panel = grid
    for row in (1, 2, 7):
        panel.grid.selectionModel().select(
            panel.model.index(row, 0),
            panel.grid.selectionModel().SelectionFlag.Select
            | panel.grid.selectionModel().SelectionFlag.Rows)
    assert panel.delete_button.isEnabled()
    keys = [panel.model.item(r)["pk"] for r in (1, 2, 7)]
    qtbot.keyClick(panel.grid, Qt.Key.Key_Delete)
    box = window.delete_box
    assert box.text() == f"Delete 3 items from table {table_name}? This cannot be undone."
    assert box.informativeText().split("\n") == [f'pk = "{k["S"]}"' for k in keys]
    (yes,) = [b for b in box.buttons() if b.text() == "Delete 3 items"]
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.tasks.running("delete"), timeout=WAIT_MS)
    assert panel.model.rowCount() == COUNT - 3 and count(ddb, table_name) == COUNT - 3
    assert all(panel.model.row_of({"pk": k}) == -1 for k in keys)
    assert window.status_label.text() == f"Deleted 3 of 3 items from {table_name}."


def test_a_cancelled_delete_stops_and_reads_the_grid_again(grid, qtbot, ddb, table_name):
    window, panel = grid
    panel.grid.selectAll()
    window.delete_items(panel.selected_items())
    assert window.delete_box.text().startswith(f"Delete {COUNT} items from table {table_name}")
    (yes,) = [b for b in window.delete_box.buttons() if b.text() == f"Delete {COUNT} items"]
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.delete_progress is not None, timeout=WAIT_MS)
    window.delete_progress.cancel()  # the first batch of 25 is on its way
    qtbot.waitUntil(lambda: not window.tasks.running("delete"), timeout=WAIT_MS)
    assert count(ddb, table_name) == COUNT - 25
    assert "Cancelled" in window.status_label.text()
    qtbot.waitUntil(lambda: not panel.busy and panel.model.rowCount() == COUNT - 25,
                    timeout=WAIT_MS)


def test_quitting_with_unsaved_edits_asks_first(grid, qtbot):
    window, panel = grid
    panel.grid.setCurrentIndex(panel.model.index(0, 0))
    window.open_item(panel.model.item(0))
    (editor,) = window.editors
    qtbot.waitUntil(lambda: not editor.loading, timeout=WAIT_MS)
    assert window.unsaved_editors() == []
    window.open_item(panel.model.item(1))  # an editor without changes does not count
    qtbot.waitUntil(lambda: not window.editors[1].loading, timeout=WAIT_MS)
    editor.set_text(editor.text().replace('"n": 0', '"n": 5'))
    editor.check()
    assert window.unsaved_editors() == [editor]

    window.close()
    box = window.quit_box
    assert box is not None and box.isVisible() and window.isVisible()
    assert box.text() == "1 item editor has changes that are not saved."
    box.button(box.StandardButton.Cancel).click()
    assert window.isVisible() and editor.isVisible() and editor.has_unsaved_changes()

    window.close()
    (discard,) = [b for b in window.quit_box.buttons() if b.text() == "Discard and quit"]
    discard.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=WAIT_MS)
    assert window.editors == []


def test_quitting_without_unsaved_edits_closes_at_once(grid, qtbot):
    window, panel = grid
    window.open_item(panel.model.item(0))
    qtbot.waitUntil(lambda: not window.editors[0].loading, timeout=WAIT_MS)
    window.close()
    assert not window.isVisible() and window.quit_box is None and window.editors == []
