"""The Items tab on the sandbox: pages forward and back, infinite scroll, load all, cancel."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from ui.results_model import VALUE_ROLE, ResultsModel

WAIT_MS = 20_000


@pytest.fixture
def items_of(sandbox_items):
    """Open a sandbox table's Items tab; returns the results panel."""
    return sandbox_items


def _column(model: ResultsModel, name: str) -> list:
    col = model.columns.index(name)
    return [model.index(r, col).data(VALUE_ROLE) for r in range(model.rowCount())]


def _keys(model: ResultsModel) -> list[tuple[str, str]]:
    return list(zip([v["S"] for v in _column(model, "customer_id")],
                    [v["S"] for v in _column(model, "order_date")], strict=True))


def test_first_page_has_key_columns_first_and_a_ledger(items_of, qtmodeltester):
    panel = items_of("Orders")
    assert panel.model.rowCount() == 100
    assert panel.model.columns[:2] == ["customer_id", "order_date"]
    assert {"total", "lines", "status"} <= set(panel.model.columns)
    assert panel.ledger.rowCount() >= 1
    assert sum(line.count for line in panel.ledger.lines()) == 100
    assert panel.status.text().startswith("Page 1 · 100 items shown")
    assert "returned" in panel.totals.text() and "read" in panel.totals.text()
    assert panel.next_button.isEnabled() and not panel.prev_button.isEnabled()
    qtmodeltester.check(panel.model)
    qtmodeltester.check(panel.ledger)


def test_next_and_previous_pages(items_of, qtbot):
    panel = items_of("Orders")
    first = _keys(panel.model)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy and panel.status.text().startswith("Page 2"),
                    timeout=WAIT_MS)
    second = _keys(panel.model)
    assert len(second) == 100 and not set(first) & set(second)
    assert panel.prev_button.isEnabled()
    qtbot.mouseClick(panel.prev_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy and panel.status.text().startswith("Page 1"),
                    timeout=WAIT_MS)
    assert _keys(panel.model) == first


def test_scrolling_to_the_bottom_appends_the_next_page(items_of, qtbot):
    panel = items_of("Orders")
    bar = panel.grid.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=WAIT_MS)  # laid out: it can scroll
    bar.setValue(bar.maximum())
    qtbot.waitUntil(lambda: panel.model.rowCount() == 200 and not panel.busy, timeout=WAIT_MS)
    assert panel.status.text().startswith("Pages 1–2")
    assert len(set(_keys(panel.model))) == 200


def test_load_all_reads_every_item(items_of, qtbot):
    panel = items_of("Orders")
    qtbot.mouseClick(panel.all_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.busy and panel.model.rowCount() == 1000, timeout=WAIT_MS)
    assert len(set(_keys(panel.model))) == 1000
    assert not panel.next_button.isEnabled() and not panel.all_button.isEnabled()
    assert panel.progress.isHidden()
    assert "end of results" in panel.status.text()
    assert panel.pager is not None and panel.pager.totals.count == 1000


def test_cancel_stops_load_all_and_keeps_what_arrived(items_of, qtbot):
    panel = items_of("AppData")
    client = panel.pager.conn.client
    in_flight, release = threading.Event(), threading.Event()

    def hold(request, **_kwargs):
        in_flight.set()
        release.wait(10)

    client.meta.events.register_first("before-send.dynamodb.Scan", hold)
    try:
        qtbot.mouseClick(panel.all_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(in_flight.is_set, timeout=WAIT_MS)
        assert panel.progress.isVisible() and panel.cancel_button.isEnabled()
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT_MS)
    finally:
        release.set()
        client.meta.events.unregister("before-send.dynamodb.Scan", hold)
    assert panel.model.rowCount() == 100  # the first page stays; nothing half-read is added
    assert panel.pager.index == 0
    assert panel.status.text().endswith("cancelled")
    assert panel.progress.isHidden()
    assert panel.next_button.isEnabled() and panel.all_button.isEnabled()


def test_sorting_numbers_by_value_and_gaps_last(items_of):
    panel = items_of("Orders")
    col = panel.model.columns.index("total")
    panel.model.sort(col, Qt.SortOrder.DescendingOrder)
    totals = [Decimal(v["N"]) for v in _column(panel.model, "total")]
    assert totals == sorted(totals, reverse=True)
    coupon = panel.model.columns.index("coupon")
    panel.model.sort(coupon, Qt.SortOrder.AscendingOrder)
    values = _column(panel.model, "coupon")
    present = [v for v in values if v is not None]
    assert values[:len(present)] == present and all(v is None for v in values[len(present):])


def test_cells_show_exact_values(items_of):
    panel = items_of("Users")
    model = panel.model
    rows = [r for r in range(model.rowCount())
            if model.item(r)["user_id"]["S"] == "user-0000"]
    assert rows, "the showcase user is on the first page"
    row = rows[0]

    def cell(name: str) -> str:
        return model.index(row, model.columns.index(name)).data()

    assert cell("lifetime_points") == "12345678901234567890123456789012345678"
    assert cell("tiny_ratio") == "1E-100"
    assert cell("is_active") == "true"
    assert cell("middle_name") == "null"
    assert model.index(row, model.columns.index("lifetime_points")).data(
        Qt.ItemDataRole.TextAlignmentRole) is not None  # numbers align right


def test_the_expires_column_marks_expired_rows(items_of, qtbot):
    from datetime import UTC, datetime

    from app.ttl import expiry
    from ui.results_model import EXPIRES

    panel = items_of("UserSessions")
    panel.load_all()
    qtbot.waitUntil(lambda: not panel.busy and not panel.pager.has_next, timeout=WAIT_MS)
    model = panel.model
    assert model.columns[:2] == ["session_id", EXPIRES]
    col = model.columns.index(EXPIRES)
    now = datetime.now(UTC)
    expected = {model.item(r)["session_id"]["S"]: expiry(model.item(r), "expires_at", now)
                for r in range(model.rowCount())}
    texts = {model.item(r)["session_id"]["S"]: model.index(r, col).data()
             for r in range(model.rowCount())}
    marked = {model.item(r)["session_id"]["S"] for r in range(model.rowCount())
              if model.index(r, 0).data(Qt.ItemDataRole.BackgroundRole) is not None}
    assert marked == {k for k, e in expected.items() if e.expired} and marked
    assert all(texts[k].startswith("expired ") for k in marked)
    assert sorted(texts.values()).count("ignored: not a number") == 2  # the two "never"s
    assert sum(t.startswith("ignored: looks like milliseconds (meant ")
               for t in texts.values()) == 3
    live = [k for k, e in expected.items() if e.state == "expires"]
    assert live and all(texts[k].startswith("in ") for k in live)
    tip = model.index(0, col).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("expires_at")


def test_hide_expired_leaves_expired_items_out(items_of, window, qtbot):
    panel = items_of("UserSessions")
    builder = window.builder
    assert builder.hide_expired.isEnabled()
    builder.hide_expired.setChecked(True)
    before = panel.pager
    builder.run()
    qtbot.waitUntil(lambda: panel.pager is not before and not panel.busy, timeout=WAIT_MS)
    if panel.pager.has_next:
        panel.load_all()
        qtbot.waitUntil(lambda: not panel.busy and not panel.pager.has_next, timeout=WAIT_MS)
    rows = range(panel.model.rowCount())
    assert panel.model.rowCount() > 0
    assert not [r for r in rows if panel.model.expiry(r).expired]
    assert "attribute_type" in builder.code["Request"].toPlainText()
