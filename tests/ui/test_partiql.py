"""The PartiQL editor: highlighted statements, parameters, paging and readable errors."""

from __future__ import annotations

import pytest
from pygments.token import Keyword, Literal
from PySide6.QtCore import Qt

from ui.partiql_editor import parameters, placeholders
from ui.results_model import VALUE_ROLE

WAIT_MS = 20_000


@pytest.fixture
def partiql_on(window, qtbot, sandbox):
    conn = window.add_connection(sandbox.profile)
    qtbot.waitUntil(lambda: window.model.rowCount(conn) == 5, timeout=WAIT_MS)
    window.tree.setCurrentIndex(window.model.find_table(0, "Orders"))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.table_tabs, timeout=WAIT_MS)
    window.show_items()
    qtbot.waitUntil(lambda: window.results.ledger.rowCount() > 0 and not window.results.busy,
                    timeout=WAIT_MS)
    window.readers.setCurrentWidget(window.partiql)
    return window.partiql, window.results


def test_a_statement_with_a_parameter_fills_the_grid(partiql_on, qtbot, sandbox):
    editor, panel = partiql_on
    assert editor.editor.toPlainText() == 'SELECT * FROM "Orders" WHERE "customer_id" = ?'
    editor.params.setText('["user-0001"]')
    before = panel.pager
    qtbot.mouseClick(editor.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.pager is not before and not panel.busy, timeout=WAIT_MS)
    col = panel.model.columns.index("customer_id")
    values = {panel.model.index(r, col).data(VALUE_ROLE)["S"]
              for r in range(panel.model.rowCount())}
    assert values == {"user-0001"} and panel.model.rowCount() >= 1
    assert panel.pager.operation == "ExecuteStatement"
    assert panel.ledger.lines()[0].scanned_count is None
    assert editor.error.isHidden()


def test_a_statement_the_endpoint_cannot_run_says_so_under_the_editor(partiql_on, qtbot):
    editor, _panel = partiql_on
    editor.editor.setPlainText('SELEC * FROM "Orders"')  # moto answers a syntax error with 500
    editor.params.clear()
    editor.run()
    qtbot.waitUntil(editor.error.isVisible, timeout=WAIT_MS)
    text = editor.error.text()
    assert text.startswith("Could not run the ExecuteStatement:")
    assert "<" not in text  # no HTML from the emulator reaches the user


def test_mismatched_parameters_are_refused_before_sending(partiql_on):
    editor, panel = partiql_on
    before = panel.pager
    editor.editor.setPlainText('SELECT * FROM "Orders" WHERE "customer_id" = ? AND "x" = ?')
    editor.params.setText('["user-0001"]')
    editor.run()
    assert "2 placeholder(s) (?) but 1 parameter(s)" in editor.error.text()
    editor.params.setText('["user-0001", ')
    editor.run()
    assert editor.error.text().startswith("The parameters are not a JSON array")
    assert panel.pager is before


def test_parameters_keep_exact_types():
    assert parameters('["a", 12.50, 1E-100, true, null, {"$SS": ["x"]}]') == [
        {"S": "a"}, {"N": "12.50"}, {"N": "1E-100"}, {"BOOL": True}, {"NULL": True},
        {"SS": ["x"]}]
    assert parameters("  ") == []
    assert placeholders("SELECT * FROM \"T?\" WHERE a = '?' AND b = ?") == 1


def test_the_statement_is_highlighted(partiql_on):
    editor, _panel = partiql_on
    text = 'SELECT * FROM "Orders" WHERE total > 100'
    editor.editor.setPlainText(text)
    assert editor.highlighter.token_at(text, 0) in Keyword
    assert editor.highlighter.token_at(text, text.index("100")) in Literal.Number
    formats = editor.editor.document().firstBlock().layout().formats()
    starts = {f.start: f.format.foreground().color().name() for f in formats}
    assert starts.get(0) == "#1d4ed8"  # SELECT in the keyword colour
    assert starts.get(text.index("100")) == "#b45309"
