"""The results model: compact rows, exact items, sorting, 100,000 rows, big pages in steps."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt

from ui.results_model import (
    CACHE_ROWS,
    EXPIRES,
    SORT_IN_STEPS_FROM,
    TYPE_ROLE,
    VALUE_ROLE,
    ResultsModel,
)
from ui.results_view import SHOW_CHUNK, ResultsPanel

BIG = "12345678901234567890123456789012345678"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _mixed() -> list[dict[str, Any]]:
    return [
        {"pk": {"S": "a"}, "n": {"N": "10"}, "b": {"B": b"\x00\xff"}, "t": {"BOOL": False},
         "exp": {"N": "1700000000"}},
        {"pk": {"S": "b"}, "n": {"N": BIG}, "bs": {"BS": [b"x", b"\x01"]}, "z": {"NULL": True},
         "m": {"M": {"l": {"L": [{"B": b"q"}, {"S": ""}, {"NS": ["1E-100", "2"]}]}}}},
        {"pk": {"S": "c"}, "s": {"S": "line\nbreak " + "y" * 400}, "ss": {"SS": ["", "é"]},
         "exp": {"N": "1900000000"}},
        {"pk": {"S": "d"}, "n": {"N": "-0.5"}, "exp": {"S": "never"}},
        {"pk": {"S": "e"}},
    ]


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return ("dict", [(k, _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _cell(model: ResultsModel, row: int, name: str, role: int = Qt.ItemDataRole.DisplayRole):
    return model.index(row, model.columns.index(name)).data(role)


def test_the_model_passes_qt_model_checks_with_mixed_rows(qtmodeltester):
    model = ResultsModel()
    model.reset(["pk"], ttl_attribute="exp", now=NOW)
    qtmodeltester.check(model)
    model.append(_mixed()[:2])
    model.append(_mixed()[2:])
    qtmodeltester.check(model)
    assert model.columns[:2] == ["pk", EXPIRES]
    assert model.rowCount() == 5 and model.columnCount() == len(model.columns)
    assert _cell(model, 1, "n") == BIG
    assert _cell(model, 1, "n", Qt.ItemDataRole.TextAlignmentRole) is not None
    assert _cell(model, 0, "b").endswith("(2 bytes)")
    assert _cell(model, 2, "s").endswith("…") and "↵" in _cell(model, 2, "s")
    assert _cell(model, 4, "n") == "" and _cell(model, 4, "n", VALUE_ROLE) is None
    assert _cell(model, 1, "bs", TYPE_ROLE) == "BS"
    assert _cell(model, 0, "n", Qt.ItemDataRole.DecorationRole) is None
    assert model.expiry(0).expired and not model.expiry(2).expired
    assert _cell(model, 0, "pk", Qt.ItemDataRole.BackgroundRole) is not None
    assert _cell(model, 2, "pk", Qt.ItemDataRole.BackgroundRole) is None
    assert _cell(model, 3, EXPIRES).startswith("ignored")
    model.sort(model.columns.index("n"), Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(model)


def test_item_returns_exactly_the_item_appended():
    model = ResultsModel()
    model.reset(["pk"])
    items = _mixed()
    model.append(items)
    assert [_typed(model.item(r)) for r in range(5)] == [_typed(i) for i in _mixed()]
    assert _typed(model.items()) == _typed(_mixed())
    assert model.item(1)["bs"]["BS"][1] == b"\x01"
    assert _typed(_cell(model, 1, "m", VALUE_ROLE)) == _typed(_mixed()[1]["m"])
    copy = model.item(0)
    copy["n"]["N"] = "11"  # a copy: the grid keeps what was appended
    items[0]["n"]["N"] = "12"
    assert model.item(0)["n"] == {"N": "10"} and _cell(model, 0, "n") == "10"


def test_an_item_marshal_cannot_hold_is_kept_as_it_is():
    odd = {"pk": {"S": "x"}, "d": {"N": Decimal("1.5")}}  # not the client's shape
    model = ResultsModel()
    model.reset(["pk"])
    model.append([_mixed()[0], odd])
    assert model.item(1) is odd and model.item(0) == _mixed()[0]
    assert _cell(model, 1, "pk") == "x"


def test_sorting_numbers_by_value_and_gaps_last():
    values = ["10", "9", "1E+2", "-3", "0.5", BIG, "-1E-100", "9.0"]
    model = ResultsModel()
    model.reset(["pk"])
    model.append([{"pk": {"S": f"k{i}"}, "n": {"N": v}} for i, v in enumerate(values)]
                 + [{"pk": {"S": "gap1"}}, {"pk": {"S": "zz"}, "n": {"S": "text"}},
                    {"pk": {"S": "gap2"}, "other": {"N": "1"}}])
    col = model.columns.index("n")
    persistent = QPersistentModelIndex(model.index(1, col))  # the row holding "9"
    model.sort(col, Qt.SortOrder.AscendingOrder)
    shown = [_cell(model, r, "n", VALUE_ROLE) for r in range(model.rowCount())]
    numbers = [Decimal(v["N"]) for v in shown[:len(values)]]
    assert numbers == sorted(Decimal(v) for v in values)
    assert shown[len(values)] == {"S": "text"}  # numbers, then strings, then gaps
    assert [model.item(r)["pk"]["S"] for r in (9, 10)] == ["gap1", "gap2"]
    assert _cell(model, persistent.row(), "n") == "9"
    model.sort(col, Qt.SortOrder.DescendingOrder)
    shown = [_cell(model, r, "n", VALUE_ROLE) for r in range(model.rowCount())]
    assert shown[0] == {"S": "text"} and shown[1] == {"N": BIG}
    assert shown[-2:] == [None, None]  # gaps last in both orders
    assert [Decimal(v["N"]) for v in shown[1:len(values) + 1]] == sorted(
        (Decimal(v) for v in values), reverse=True)
    assert _cell(model, persistent.row(), "n") == "9"  # persistent indexes follow rows


def _synthetic(i: int) -> dict[str, Any]:
    item = {"pk": {"S": f"p{i:06d}"}, "n": {"N": str(i * 7 % 1000)},
            "b": {"B": i.to_bytes(3, "big")}, f"c{i // 10_000}": {"BOOL": i % 2 == 0}}
    if i % 5:
        item["tags"] = {"SS": [f"t{i % 3}", "u"]}
    return item


def test_a_hundred_thousand_items_in_batches(qtbot):
    model = ResultsModel()
    model.reset(["pk"])
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    total, batch = 100_000, 1_000
    for start in range(0, total, batch):
        model.append([_synthetic(i) for i in range(start, start + batch)])
    assert model.rowCount() == total and len(inserted) == total // batch
    assert inserted[-1] == (total - batch, total - 1)
    assert model.columns[:4] == ["pk", "n", "b", "c0"]
    assert [c for c in model.columns if c.startswith("c")] == [f"c{k}" for k in range(10)]
    for row in (0, 1, 4, 12_345, 54_321, 99_999):
        assert _typed(model.item(row)) == _typed(_synthetic(row))
        assert _cell(model, row, "pk") == f"p{row:06d}"
        assert _cell(model, row, "n") == str(row * 7 % 1000)
        assert _cell(model, row, f"c{row // 10_000}") == ("true" if row % 2 == 0 else "false")
        assert _cell(model, row, "tags") == ("" if row % 5 == 0 else f'{{"t{row % 3}", "u"}}')
    for row in range(0, total, 50):  # painting far and wide keeps only a bounded cache
        model.index(row, 0).data()
    assert len(model._cache) <= CACHE_ROWS
    model.sort(model.columns.index("n"))
    qtbot.waitUntil(lambda: not model.sorting, timeout=60_000)  # in steps under a loop
    ns = [int(_cell(model, r, "n")) for r in range(0, total, 997)]
    assert ns == sorted(ns) and model.rowCount() == total


@pytest.fixture
def filled(ddb, table_name) -> str:
    """600 items in one table."""
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for i in range(600):
        ddb.put_item(TableName=table_name, Item={"pk": {"S": f"p{i:03d}"}, "n": {"N": str(i)}})
    return table_name


def test_a_big_page_goes_into_the_grid_in_steps_and_a_cancel_keeps_it_whole(
        qtbot, qloop, conn, filled):
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.page_size.setValue(600)
    steps: list[int] = []

    def inserted(_parent, first: int, last: int) -> None:
        steps.append(last - first + 1)
        if len(steps) == 1:
            panel.cancel()  # the user cancels while the page is being shown

    panel.model.rowsInserted.connect(inserted)
    panel.start(conn, "Scan", {"TableName": filled}, key_attributes=["pk"])
    qtbot.waitUntil(lambda: bool(steps) and not panel.busy, timeout=20_000)
    assert steps == [SHOW_CHUNK, SHOW_CHUNK, 600 - 2 * SHOW_CHUNK]
    assert panel.model.rowCount() == 600  # the whole page the pager read, not a part
    assert {panel.model.item(r)["pk"]["S"] for r in range(600)} == {
        f"p{i:03d}" for i in range(600)}
    assert panel.status.text().endswith("cancelled")
    assert panel.ledger.rowCount() >= 1 and panel.pager is not None and panel.pager.index == 0
    panel.shutdown()


def _filled(count: int, at_once: bool) -> ResultsModel:
    model = ResultsModel()
    if at_once:
        model.sort_in_steps_from = 10**9
    model.reset(["pk"])
    model.append([_synthetic(i) for i in range(count)])
    return model


@pytest.mark.parametrize("order", [Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder])
def test_a_big_sort_runs_in_steps_and_gives_the_order_of_a_sort_at_once(qtbot, qloop, order):
    from PySide6.QtCore import QTimer

    count = SORT_IN_STEPS_FROM + 5_000
    at_once, stepped = _filled(count, True), _filled(count, False)
    for column in ("n", "tags"):  # numbers by value; a column some rows lack (gaps last)
        at_once.sort(at_once.columns.index(column), order)
        assert not at_once.sorting
        changes: list[bool] = []
        stepped.sortingChanged.connect(changes.append)
        turns: list[int] = []
        timer = QTimer()
        timer.timeout.connect(functools.partial(turns.append, 1))
        timer.start(0)
        before = stepped.items()
        stepped.sort(stepped.columns.index(column), order)
        assert stepped.sorting and stepped.items() == before  # unchanged until it is done
        qtbot.waitUntil(lambda: not stepped.sorting, timeout=60_000)
        timer.stop()
        stepped.sortingChanged.disconnect(changes.append)
        assert changes == [True, False]
        assert len(turns) > 2  # the event loop ran between the steps
        assert stepped.items() == at_once.items()


def test_rows_that_come_during_a_sort_follow_it_and_a_reset_drops_it(qtbot, qloop):
    count = SORT_IN_STEPS_FROM + 1_000
    model = _filled(count, False)
    model.sort(model.columns.index("n"))
    assert model.sorting
    late = [_synthetic(i) for i in range(count, count + 3)]
    model.append(late)
    model.remove_rows([0])  # p000000 goes while the sort runs
    qtbot.waitUntil(lambda: not model.sorting, timeout=60_000)
    items = model.items()
    assert len(items) == count + 2 and items[-3:] == late
    ns = [int(item["n"]["N"]) for item in items[:-3]]
    assert ns == sorted(ns)
    assert {"S": "p000000"} not in [item["pk"] for item in items]

    model.sort(model.columns.index("pk"), Qt.SortOrder.DescendingOrder)
    assert model.sorting
    task = model._sort_task
    layouts: list[int] = []
    model.layoutChanged.connect(lambda *_: layouts.append(1))
    model.reset(["pk"])
    assert not model.sorting and model.rowCount() == 0
    qtbot.waitUntil(task.done, timeout=10_000)  # the dropped sort has ended
    assert task.cancelled() and layouts == [] and model.rowCount() == 0
