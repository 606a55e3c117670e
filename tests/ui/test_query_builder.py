"""The builder on the sandbox: every seed access pattern through the real widgets."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from ui.results_model import VALUE_ROLE

WAIT_MS = 20_000


@pytest.fixture
def builder_on(window, qtbot, sandbox_items):
    """Open a sandbox table's Items tab; returns (builder, results panel, run)."""

    def open_table(name: str):
        panel = sandbox_items(name)

        def run():
            before = panel.pager
            window.builder.update_request()
            assert window.builder.run_button.isEnabled(), window.builder.problem.text()
            qtbot.mouseClick(window.builder.run_button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: panel.pager is not before and not panel.busy
                            and panel.ledger.rowCount() > 0, timeout=WAIT_MS)
            return panel

        return window.builder, panel, run

    return open_table


def _load_all(panel, qtbot):
    if panel.pager.has_next:
        panel.load_all()
        qtbot.waitUntil(lambda: not panel.busy and not panel.pager.has_next, timeout=WAIT_MS)


def _values(panel, name):
    model = panel.model
    col = model.columns.index(name)
    return [model.index(r, col).data(VALUE_ROLE) for r in range(model.rowCount())]


def _all(sandbox, table, **kwargs):
    import boto3

    client = boto3.client("dynamodb", endpoint_url=sandbox.endpoint_url,
                          region_name=sandbox.region, aws_access_key_id="x",
                          aws_secret_access_key="x")
    return [i for page in client.get_paginator("scan").paginate(TableName=table, **kwargs)
            for i in page["Items"]]


def test_a_customers_orders_newest_first_with_a_limit(builder_on, sandbox):
    builder, panel, run = builder_on("Orders")
    customer = "user-0001"
    builder.query_radio.setChecked(True)
    builder.pk_value.setText(customer)
    builder.descending.setChecked(True)
    builder.limit.setValue(3)
    run()
    dates = [v["S"] for v in _values(panel, "order_date")]
    mine = sorted((i["order_date"]["S"] for i in _all(sandbox, "Orders")
                   if i["customer_id"]["S"] == customer), reverse=True)
    assert dates == mine[:3] and len(dates) == 3
    assert not panel.pager.has_next  # the limit stops paging
    request = builder.code["Request"].toPlainText()
    assert request.startswith("Query") and '"ScanIndexForward": false' in request
    assert "client.query(" in builder.code["boto3"].toPlainText()
    assert builder.code["AWS CLI"].toPlainText().startswith("aws dynamodb query")
    assert "ORDER BY" in builder.code["PartiQL"].toPlainText()


def test_orders_in_a_date_range(builder_on, sandbox):
    builder, panel, run = builder_on("Orders")
    orders = _all(sandbox, "Orders")
    customer = max({o["customer_id"]["S"] for o in orders},
                   key=lambda c: sum(o["customer_id"]["S"] == c for o in orders))
    theirs = sorted(o["order_date"]["S"] for o in orders if o["customer_id"]["S"] == customer)
    low, high = theirs[1], theirs[-2]
    builder.query_radio.setChecked(True)
    builder.pk_value.setText(customer)
    builder.sk_op.setCurrentText("between")
    builder.sk_value.setText(low)
    builder.sk_value2.setText(high)
    run()
    assert [v["S"] for v in _values(panel, "order_date")] == theirs[1:-1]


def test_active_users_of_a_month_by_filtered_scan_with_projection(builder_on, sandbox, qtbot):
    builder, panel, run = builder_on("Users")
    users = _all(sandbox, "Users")
    month = users[5]["signup_date"]["S"][:7]
    builder.add_filter("is_active", "=", "true", "BOOL")
    builder.add_filter("signup_date", "begins_with", month, "S")
    builder.projection.setText("user_id, signup_date")
    run()
    _load_all(panel, qtbot)
    expected = sorted(u["user_id"]["S"] for u in users if u.get("is_active", {}).get("BOOL")
                      and u["signup_date"]["S"].startswith(month))
    got = sorted(v["S"] for v in _values(panel, "user_id"))
    assert got == expected and expected
    assert panel.model.columns == ["user_id", "signup_date"]
    assert panel.pager.totals.scanned == len(users)


def test_products_by_category_on_the_gsi(builder_on, sandbox):
    builder, panel, run = builder_on("Products")
    builder.target.setCurrentIndex(builder.target.findData("category-index"))
    builder.query_radio.setChecked(True)
    builder.pk_value.setText("books")
    builder.sk_op.setCurrentText("between")
    builder.sk_value.setText("10")
    builder.sk_value2.setText("100")
    assert not builder.consistent.isEnabled()  # GSIs read eventually consistent only
    run()
    prices = [Decimal(v["N"]) for v in _values(panel, "price")]
    expected = sorted(Decimal(p["price"]["N"]) for p in _all(sandbox, "Products")
                      if p["category"]["S"] == "books"
                      and 10 <= Decimal(p["price"]["N"]) <= 100)
    assert prices == expected and prices  # the index keeps them in price order
    assert set(v["S"] for v in _values(panel, "category")) == {"books"}
    assert panel.model.columns[:2] == ["category", "price"]


def test_products_by_price_range_with_a_category_filter(builder_on, sandbox, qtbot):
    builder, panel, run = builder_on("Products")
    builder.add_filter("price", "between", "20", "N", "60")
    builder.add_filter("category", "=", "garden", "S")
    run()
    _load_all(panel, qtbot)
    expected = sorted(p["product_id"]["S"] for p in _all(sandbox, "Products")
                      if p["category"]["S"] == "garden"
                      and 20 <= Decimal(p["price"]["N"]) <= 60)
    assert sorted(v["S"] for v in _values(panel, "product_id")) == expected and expected


def test_expired_sessions(builder_on, sandbox, qtbot):
    builder, panel, run = builder_on("UserSessions")
    now = str(int(time.time()))
    # moto answers HTTP 500 when some item holds the attribute as another type (two
    # sessions say "never"), so the type guard comes first; DynamoDB needs no guard.
    builder.add_filter("expires_at", "type is", "N")
    builder.add_filter("expires_at", "<", now, "N")
    run()
    _load_all(panel, qtbot)
    expected = sorted(s["session_id"]["S"] for s in _all(sandbox, "UserSessions")
                      if "N" in s["expires_at"] and int(s["expires_at"]["N"]) < int(now))
    assert sorted(v["S"] for v in _values(panel, "session_id")) == expected and expected


def test_what_is_wrong_is_said_and_nothing_runs(builder_on, qtbot):
    builder, panel, _run = builder_on("Orders")
    before = panel.pager
    builder.query_radio.setChecked(True)
    builder.update_request()
    assert "needs a value for the partition key customer_id" in builder.problem.text()
    assert not builder.run_button.isEnabled()
    builder.pk_value.setText("user-0001")
    builder.add_filter("total", ">", "12.5.0", "N")
    builder.update_request()
    assert "'12.5.0' is not a number" in builder.problem.text()
    builder.run()
    assert panel.pager is before  # nothing was sent
    builder.clear_filters()
    builder.add_filter("order_date", "=", "2026-01-01", "S")
    builder.update_request()
    assert "key" in builder.problem.text().lower()  # a filter on a key of the Query


def test_switching_scan_and_query_keeps_the_fields(builder_on):
    builder, _panel, _run = builder_on("Orders")
    builder.query_radio.setChecked(True)
    builder.pk_value.setText("user-0002")
    builder.add_filter("status", "=", "PAID", "S")
    builder.scan_radio.setChecked(True)
    assert not builder.pk_value.isEnabled() and builder.pk_value.text() == "user-0002"
    spec = builder.spec()
    assert spec.operation == "Scan" and spec.filter is not None
    builder.query_radio.setChecked(True)
    assert builder.spec().operation == "Query"


def test_the_ledger_warns_when_a_scan_reads_much_to_return_little(builder_on):
    builder, panel, run = builder_on("Users")
    assert panel.advice.isHidden()  # the plain scan that opened the tab is fine
    builder.add_filter("user_id", "=", "user-0007", "S")
    run()
    assert [v["S"] for v in _values(panel, "user_id")] == ["user-0007"]
    assert panel.advice.isVisible()
    assert panel.advice.text() == ("⚠ This filter read 400 items to return 1: a Query on the "
                                   "table Users (user_id = 'user-0007') would read only the "
                                   "matches.")


def test_a_parallel_scan_reads_all_segments(builder_on, qtbot, sandbox):
    builder, panel, run = builder_on("Orders")
    builder.segments.setValue(4)
    run()
    _load_all(panel, qtbot)
    assert panel.model.rowCount() == 1000
    keys = {(item["customer_id"]["S"], item["order_date"]["S"]) for item in panel.model.items()}
    assert len(keys) == 1000  # every item once: the segments' pages do not overlap
    assert {line.segment for line in panel.ledger.lines()} == {0, 1, 2, 3}
    assert not panel.busy and not panel.pager.has_next and not panel.progress.isVisible()
    assert '"TotalSegments": 4' in builder.code["Request"].toPlainText()
    builder.limit.setValue(10)
    builder.update_request()
    assert "cannot be combined with a parallel scan" in builder.problem.text()


def test_runs_go_into_the_history_and_come_back(builder_on, window):
    builder, _panel, run = builder_on("Orders")
    history = window.history_panel
    assert history.entries() == []  # opening the tab is not a query of the user's
    builder.query_radio.setChecked(True)
    builder.pk_value.setText("user-0003")
    builder.add_filter("status", "=", "PAID", "S")
    run()
    entries = history.entries()
    assert [e.summary for e in entries] == [
        "Query · customer_id = user-0003 · where status = PAID"]
    builder.clear_filters()
    builder.scan_radio.setChecked(True)
    window.save_query_as("paid orders of 3")  # saves what the builder shows now: a scan
    builder.pk_value.setText("someone-else")
    window.restore_query(entries[0])
    assert builder.query_radio.isChecked() and builder.pk_value.text() == "user-0003"
    assert [r.path.text() for r in builder.rows] == ["status"]
    saved = [e for e in history.entries() if e.name]
    assert [(e.name, e.summary) for e in saved] == [("paid orders of 3", "Scan")]
    window.delete_saved_query(saved[0])
    assert [e.name for e in history.entries() if e.name] == []


def test_filter_groups_put_parentheses_where_the_user_means(builder_on, sandbox, qtbot):
    builder, panel, run = builder_on("Orders")
    builder.add_filter("status", "=", "PAID", "S", group=1)
    builder.add_filter("status", "=", "SHIPPED", "S", group=1)
    builder.add_filter("total", ">", "500", "N", group=2)
    run()
    _load_all(panel, qtbot)
    request = builder.code["Request"].toPlainText()
    assert '"FilterExpression": "(#n0 = :v0 OR #n0 = :v1) AND #n1 > :v2"' in request
    assert builder.summary() == ("Scan · where (status = PAID OR status = SHIPPED) AND "
                                 "total > 500")
    expected = sorted(o["order_id"]["S"] for o in _all(sandbox, "Orders")
                      if o["status"]["S"] in ("PAID", "SHIPPED")
                      and Decimal(o["total"]["N"]) > 500)
    assert sorted(v["S"] for v in _values(panel, "order_id")) == expected and expected
    builder.join.setCurrentIndex(1)  # any of: groups ORed, a group's rows ANDed
    builder.update_request()
    assert "(#n0 = :v0 AND #n0 = :v1) OR #n1 > :v2" in builder.code["Request"].toPlainText()
