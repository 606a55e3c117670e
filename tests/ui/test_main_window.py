"""The main window on the real sandbox: the tree, the details panel, errors, the welcome page."""

from __future__ import annotations

import socket

import boto3
from PySide6.QtCore import Qt

from app.connections import Connection, ConnectionProfile, client_config
from app.demo_data import generate
from ui.catalog_tree import KIND_ROLE

DEMO_TABLES = ["Users", "Orders", "Products", "UserSessions", "AppData"]
WAIT_MS = 20_000


def _children(model, parent) -> list[str]:
    return [model.index(r, 0, parent).data() for r in range(model.rowCount(parent))]


def _open_sandbox(window, qtbot, sandbox):
    conn = window.add_connection(sandbox.profile)
    qtbot.waitUntil(lambda: window.model.rowCount(conn) == len(DEMO_TABLES), timeout=WAIT_MS)
    return conn


def _select_table(window, qtbot, name: str):
    index = window.model.find_table(0, name)
    assert index.isValid(), f"{name} is not in the tree"
    window.tree.setCurrentIndex(index)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.table_tabs
                    and window.details.title.text() == name, timeout=WAIT_MS)
    return index


def test_tree_lists_the_sandbox_tables(window, qtbot, sandbox, qtmodeltester):
    conn = _open_sandbox(window, qtbot, sandbox)
    assert _children(window.model, conn) == DEMO_TABLES
    assert conn.data() == "Local sandbox"
    assert sandbox.endpoint_url in conn.data(Qt.ItemDataRole.ToolTipRole)
    qtmodeltester.check(window.model)


def test_expanding_a_table_lists_its_indexes(window, qtbot, sandbox, qtmodeltester):
    _open_sandbox(window, qtbot, sandbox)
    model = window.model
    products = model.find_table(0, "Products")
    users = model.find_table(0, "Users")
    window.tree.expand(products)
    window.tree.expand(users)
    qtbot.waitUntil(lambda: model.rowCount(products) == 2 and model.rowCount(users) == 1,
                    timeout=WAIT_MS)
    assert _children(model, products) == ["category-index  ·  GSI", "price-index  ·  GSI"]
    assert model.index(0, 0, products).data(KIND_ROLE) == "index"
    assert _children(model, users) == ["No secondary indexes"]
    assert model.index(0, 0, users).data(KIND_ROLE) == "message"
    qtmodeltester.check(model)


def test_details_show_keys_and_global_indexes(window, qtbot, sandbox):
    _open_sandbox(window, qtbot, sandbox)
    _select_table(window, qtbot, "Products")
    panel = window.details
    assert [panel.key_table.item(0, c).text() for c in range(3)] == [
        "product_id", "partition key", "String (S)"]
    assert panel.key_table.rowCount() == 1
    assert panel.index_table.column_texts(0) == ["category-index", "price-index"]
    assert panel.index_table.column_texts(1) == ["GSI", "GSI"]
    assert panel.index_table.column_texts(2) == ["category (S)", "price_band (S)"]
    assert panel.index_table.column_texts(3) == ["price (N)", "price (N)"]
    assert panel.index_table.column_texts(4) == ["ALL", "KEYS_ONLY"]
    assert panel.fields["Billing mode"].text() == "On-demand (PAY_PER_REQUEST)"
    assert panel.fields["Items"].text().startswith("200")
    assert dict(zip(panel.tags_table.column_texts(0), panel.tags_table.column_texts(1),
                    strict=True)) == {"app": "dynascope-demo"}
    key_of = dict(zip(panel.attribute_table.column_texts(0),
                      panel.attribute_table.column_texts(2), strict=True))
    assert key_of == {"category": "category-index (partition key)",
                      "price": "category-index (sort key), price-index (sort key)",
                      "price_band": "price-index (partition key)",
                      "product_id": "table (partition key)"}


def test_details_show_local_index_and_provisioned_capacity(window, qtbot, sandbox):
    _open_sandbox(window, qtbot, sandbox)
    _select_table(window, qtbot, "Orders")
    panel = window.details
    assert panel.key_table.column_texts(0) == ["customer_id", "order_date"]
    assert panel.key_table.column_texts(1) == ["partition key", "sort key"]
    assert panel.index_table.column_texts(0) == ["status-index"]
    assert panel.index_table.column_texts(1) == ["LSI"]
    assert panel.index_table.column_texts(3) == ["status (S)"]
    assert panel.index_table.column_texts(4) == ["INCLUDE order_id, total"]
    assert panel.fields["Billing mode"].text() == "Provisioned (PROVISIONED)"
    assert panel.fields["Read capacity"].text() == "10 RCU"
    assert panel.fields["Write capacity"].text() == "5 WCU"


def test_details_show_stream_ttl_and_deletion_protection(window, qtbot, sandbox):
    _open_sandbox(window, qtbot, sandbox)
    _select_table(window, qtbot, "UserSessions")
    fields = window.details.fields
    assert fields["Stream"].text() == "Enabled, NEW_AND_OLD_IMAGES"
    assert fields["Time to live"].text() == "Enabled on “expires_at”"
    assert fields["Deletion protection"].text() == "Off"
    assert window.details.index_table.isHidden()
    _select_table(window, qtbot, "Users")
    assert fields["Deletion protection"].text() == "On"
    assert fields["Stream"].text() == "Disabled"
    assert fields["Time to live"].text() == "Disabled"


def test_selecting_an_index_highlights_it_in_the_details(window, qtbot, sandbox):
    _open_sandbox(window, qtbot, sandbox)
    products = _select_table(window, qtbot, "Products")
    window.tree.expand(products)
    qtbot.waitUntil(lambda: window.model.rowCount(products) == 2, timeout=WAIT_MS)
    window.tree.setCurrentIndex(window.model.index(1, 0, products))
    rows = window.details.index_table.selectionModel().selectedRows()
    assert [r.row() for r in rows] == [1]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_endpoint_that_is_down_gives_a_message_and_the_app_goes_on(window, qtbot, sandbox):
    url = f"http://127.0.0.1:{_closed_port()}"
    profile = ConnectionProfile(name="Nothing here", kind="endpoint", region="us-east-1",
                                endpoint_url=url)
    client = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x",
                          config=client_config(max_attempts=1))
    dead = window.add_connection(profile, Connection(profile, client))
    qtbot.waitUntil(lambda: window.model.rowCount(dead) == 1, timeout=WAIT_MS)
    message = window.model.index(0, 0, dead)
    assert message.data(KIND_ROLE) == "message"
    assert "F5" in message.data()
    assert "nothing answers at " + url in message.data(Qt.ItemDataRole.ToolTipRole)
    assert "nothing answers" in window.status_label.text()
    # The error can be selected to read it whole; F5 tries again and fails the same way.
    window.tree.setCurrentIndex(message)
    assert window.pages.currentWidget() is window.message
    assert window.message.title.text() == "Could not load Nothing here"
    assert "nothing answers at " + url in window.message.text.text()
    assert window.retry_button.isVisibleTo(window)
    window.refresh()
    assert window.tree.currentIndex() == dead
    qtbot.waitUntil(lambda: window.model.rowCount(dead) == 1
                    and not window.model.node(dead).loading, timeout=WAIT_MS)
    assert "F5" in window.model.index(0, 0, dead).data()
    # The window still works: the sandbox opens beside the dead connection.
    conn = window.add_connection(sandbox.profile)
    qtbot.waitUntil(lambda: window.model.rowCount(conn) == len(DEMO_TABLES), timeout=WAIT_MS)


def test_a_table_that_vanished_shows_why_and_offers_retry(window, qtbot, endpoint_profile,
                                                          ddb, table_name):
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    conn = window.add_connection(endpoint_profile)
    qtbot.waitUntil(lambda: table_name in _children(window.model, conn), timeout=WAIT_MS)
    ddb.delete_table(TableName=table_name)
    window.tree.setCurrentIndex(window.model.find_table(0, table_name))
    qtbot.waitUntil(lambda: window.retry_button.isVisible(), timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.message
    assert window.message.title.text() == f"Could not describe {table_name}"
    assert "ResourceNotFoundException" in window.message.text.text()
    assert "another region" in window.message.text.text()
    # The table comes back; Retry shows its details and clears the error from the tree.
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}])
    qtbot.mouseClick(window.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.table_tabs, timeout=WAIT_MS)
    assert window.details.key_table.column_texts(0) == ["id"]
    assert window.details.key_table.column_texts(2) == ["Number (N)"]
    table = window.model.find_table(0, table_name)
    assert _children(window.model, table) == ["No secondary indexes"]


def test_welcome_page_offers_the_sandbox_and_opens_it(window, qtbot):
    assert window.pages.currentWidget() is window.welcome
    assert window.sandbox_button.isEnabled()
    qtbot.mouseClick(window.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1
                    and window.model.rowCount(window.model.index(0, 0)) == len(DEMO_TABLES),
                    timeout=WAIT_MS)
    assert window.sandboxes[0].region == "eu-north-1"
    assert window.status_label.text().startswith("Sandbox ready at http://127.0.0.1:")
    assert not window.welcome.progress.isVisible()
    assert window.sandbox_button.isEnabled()
    # Asking again selects the running sandbox rather than starting a second one.
    window.open_sandbox()
    assert len(window.sandboxes) == 1 and not window.tasks.running("sandbox")


def test_counts_in_the_details_match_the_generated_data(window, qtbot, sandbox):
    _open_sandbox(window, qtbot, sandbox)
    _select_table(window, qtbot, "AppData")
    expected = {t.name: len(t.items) for t in generate(sandbox.seed, sandbox.now)}
    # `now` differs from the sandbox's own start, but counts do not depend on it.
    assert window.details.fields["Items"].text().startswith(f"{expected['AppData']:,}")
    assert window.details.index_table.column_texts(0) == ["inverted-index"]
    assert window.details.index_table.column_texts(2) == ["SK (S)"]
    assert window.details.index_table.column_texts(3) == ["PK (S)"]


def test_stream_and_ttl_tabs_follow_the_selected_table(window, qtbot, sandbox):
    _open_sandbox(window, qtbot, sandbox)
    _select_table(window, qtbot, "UserSessions")
    window.table_tabs.setCurrentWidget(window.streams)
    window.streams.load_history()
    qtbot.waitUntil(lambda: window.streams.model.rowCount() >= 300, timeout=WAIT_MS)
    window.table_tabs.setCurrentWidget(window.ttl)
    assert "expires_at" in window.ttl.status.text()
    # From a stream record to the live item: a Query on its keys in the Items tab.
    import boto3

    client = boto3.client("dynamodb", endpoint_url=sandbox.endpoint_url,
                          region_name=sandbox.region, aws_access_key_id="x",
                          aws_secret_access_key="x")
    sid = client.scan(TableName="UserSessions", Limit=1)["Items"][0]["session_id"]
    window.open_item_keys({"session_id": sid})
    panel = window.results
    qtbot.waitUntil(lambda: panel.pager is not None and panel.pager.operation == "Query"
                    and not panel.busy and panel.model.rowCount() == 1, timeout=WAIT_MS)
    assert panel.model.item(0)["session_id"] == sid
    assert window.table_tabs.currentWidget() is window.items_page


def test_the_table_pages_are_made_on_first_use(window):
    assert not window._pages_built  # a new window shows without them
    window.show_items()  # Ctrl+2 with no table shown makes nothing either
    assert not window._pages_built
    tabs = window.table_tabs  # any of them makes them all, once
    assert window._pages_built and window.items_page is tabs.widget(1)
    assert window.pages.indexOf(tabs) >= 0 and window.table_tabs is tabs
    assert [tabs.tabText(i) for i in range(tabs.count())] == \
        ["Details", "Items", "Stream", "TTL"]
