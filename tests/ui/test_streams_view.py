"""The Stream tab: sandbox history as records and diffs, filters, live tail, stream changes."""

from __future__ import annotations

import threading
from dataclasses import replace

import boto3
import pytest
from PySide6.QtCore import Qt

from app.catalog import table_info
from app.connections import connect
from app.streams import DISABLE_NOTE, ENABLE_NOTE, streams_client
from ui.streams_view import StreamsPanel, attribute_lines

WAIT_MS = 20_000
LEFT = Qt.MouseButton.LeftButton


def _info(client, name):
    table = client.describe_table(TableName=name)["Table"]
    ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    return table_info(table, ttl)


def _answer(asked, yes):
    """A confirmation that records what it was asked and answers `yes`."""
    def confirm(title, text):
        asked.append(text)
        return yes
    return confirm


def _create(ddb, name, stream=True):
    spec = {"StreamSpecification": {"StreamEnabled": True,
                                    "StreamViewType": "NEW_AND_OLD_IMAGES"}} if stream else {}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     **spec)


@pytest.fixture
def panel(qtbot, qloop):
    widget = StreamsPanel()
    qtbot.addWidget(widget, before_close_func=lambda w: w.shutdown())
    widget.resize(1000, 720)
    widget.show()
    return widget


@pytest.fixture
def sessions(panel, qtbot, sandbox):
    """The panel on the sandbox's UserSessions with its history loaded."""
    client = boto3.client("dynamodb", endpoint_url=sandbox.endpoint_url,
                          region_name=sandbox.region, aws_access_key_id="sandbox",
                          aws_secret_access_key="sandbox")
    panel.set_table(connect(sandbox.profile), _info(client, "UserSessions"))
    qtbot.waitUntil(lambda: panel.stream is not None, timeout=WAIT_MS)
    qtbot.mouseClick(panel.history_button, LEFT)
    qtbot.waitUntil(lambda: not panel.loading and panel.model.rowCount() > 0, timeout=WAIT_MS)
    return panel


def _shown_events(panel):
    return [r.event_name for r in panel.model.shown()]


def test_history_lists_every_event_and_filters_narrow_it(sessions, qtmodeltester):
    panel = sessions
    assert "NEW_AND_OLD_IMAGES" in panel.status.text() and "ENABLED" in panel.status.text()
    assert panel.shards.topLevelItemCount() == 1
    shard = panel.shards.topLevelItem(0)
    assert shard.text(1) == "open" and shard.text(2) == f"{panel.model.rowCount():,}"
    events = _shown_events(panel)
    assert events.count("INSERT") >= 300
    assert events.count("MODIFY") >= 25 and events.count("REMOVE") >= 10
    assert events.index("INSERT") < events.index("MODIFY")
    total = len(events)
    assert panel.progress.isHidden() and not panel.cancel_button.isEnabled()
    assert panel.count.text() == f"{total:,} of {total:,} records"
    qtmodeltester.check(panel.model)

    panel.event_boxes["INSERT"].setChecked(False)
    panel.event_boxes["REMOVE"].setChecked(False)
    assert set(_shown_events(panel)) == {"MODIFY"}
    assert panel.model.rowCount() == events.count("MODIFY")
    assert panel.count.text() == f"{events.count('MODIFY'):,} of {total:,} records"

    key = panel.model.record(3).keys["session_id"]["S"]
    panel.key_filter.setText(key[:12].upper())  # any part of the key, any case
    shown = panel.model.shown()
    assert shown and all(r.keys["session_id"]["S"].startswith(key[:12]) for r in shown)
    assert {r.event_name for r in shown} == {"MODIFY"}
    panel.event_boxes["INSERT"].setChecked(True)
    assert {r.event_name for r in panel.model.shown()} == {"INSERT", "MODIFY"}
    qtmodeltester.check(panel.model)


def test_a_modify_shows_both_images_side_by_side_and_what_changed(sessions, qtbot):
    panel = sessions
    panel.event_boxes["INSERT"].setChecked(False)
    panel.select_row(0)
    record = panel.model.record(0)
    assert record.event_name == "MODIFY"
    detail = panel.detail
    old, new = detail.old.text.toPlainText(), detail.new.text.toPlainText()
    assert old.startswith("{\n") and '"expires_at": ' + record.old_image["expires_at"]["N"] in old
    assert '"expires_at": ' + record.new_image["expires_at"]["N"] in new
    assert '"last_seen"' in new and '"last_seen"' not in old
    assert detail.old.isVisible() and detail.new.isVisible()
    assert detail.old.x() < detail.new.x()  # side by side
    assert detail.changes.rows() == [
        ("changed", "expires_at", record.old_image["expires_at"]["N"],
         record.new_image["expires_at"]["N"]),
        ("added", "last_seen", "", record.new_image["last_seen"]["N"]),
    ]
    assert detail.counts.text() == "1 changed · 1 added · 0 removed"
    assert detail.old.marked == {"expires_at": "changed"}
    assert detail.new.marked == {"expires_at": "changed", "last_seen": "added"}
    assert len(detail.new.text.extraSelections()) == 2
    assert "MODIFY" in detail.title.text() and record.keys["session_id"]["S"] in \
        detail.title.text()

    with qtbot.waitSignal(panel.openItem, timeout=WAIT_MS) as opened:
        qtbot.mouseClick(detail.open_button, LEFT)
    assert opened.args == [record.keys]

    panel.event_boxes["INSERT"].setChecked(True)  # the selection survives the filter
    assert panel.records.currentIndex().row() == panel.model.row_of(record.event_id) > 0
    assert detail.record is record


def test_a_remove_has_no_new_image_and_every_attribute_removed(sessions):
    panel = sessions
    panel.event_boxes["INSERT"].setChecked(False)
    panel.event_boxes["MODIFY"].setChecked(False)
    panel.select_row(0)
    detail = panel.detail
    assert detail.record.event_name == "REMOVE"
    assert detail.new.text.toPlainText() == ""
    assert "deleted the item" in detail.new.text.placeholderText()
    kinds = {kind for kind, *_ in detail.changes.rows()}
    assert kinds == {"removed"}
    assert len(detail.changes.rows()) == len(detail.record.old_image)


def test_attribute_lines_of_document_text():
    text = '{\n  "a": 1,\n  "m": {\n    "x": [\n      1\n    ]\n  },\n  "z": "q"\n}'
    assert attribute_lines(text) == {"a": (1, 1), "m": (2, 6), "z": (7, 7)}


def test_loading_history_can_be_cancelled(panel, qtbot, conn, ddb, table_name):
    _create(ddb, table_name)
    ddb.put_item(TableName=table_name, Item={"id": {"S": "a"}})
    panel.set_table(conn, _info(ddb, table_name))
    qtbot.waitUntil(lambda: panel.stream is not None, timeout=WAIT_MS)
    client = streams_client(conn).client
    in_flight, release = threading.Event(), threading.Event()

    def hold(request, **_kwargs):
        in_flight.set()
        release.wait(10)

    client.meta.events.register_first("before-send.dynamodb-streams.GetRecords", hold)
    try:
        qtbot.mouseClick(panel.history_button, LEFT)
        qtbot.waitUntil(in_flight.is_set, timeout=WAIT_MS)
        assert panel.progress.isVisible() and panel.cancel_button.isEnabled()
        assert not panel.history_button.isEnabled()
        qtbot.mouseClick(panel.cancel_button, LEFT)
        qtbot.waitUntil(lambda: not panel.loading, timeout=WAIT_MS)
    finally:
        release.set()
        client.meta.events.unregister("before-send.dynamodb-streams.GetRecords", hold)
    assert panel.count.text().endswith("cancelled") and panel.model.rowCount() == 0
    assert panel.progress.isHidden() and panel.history_button.isEnabled()
    qtbot.mouseClick(panel.history_button, LEFT)  # and read again in full
    qtbot.waitUntil(lambda: not panel.loading and panel.model.rowCount() == 1, timeout=WAIT_MS)


def test_live_tail_shows_writes_made_after_it_started(panel, qtbot, conn, ddb, table_name):
    _create(ddb, table_name)
    ddb.put_item(TableName=table_name, Item={"id": {"S": "before"}})
    panel.set_table(conn, _info(ddb, table_name))
    qtbot.waitUntil(lambda: panel.stream is not None, timeout=WAIT_MS)
    assert not panel.pause_button.isEnabled()
    qtbot.mouseClick(panel.tail_button, LEFT)
    qtbot.waitUntil(lambda: panel.tail_ready, timeout=WAIT_MS)
    assert panel.pause_button.isEnabled() and not panel.tail_button.isEnabled()

    ddb.put_item(TableName=table_name, Item={"id": {"S": "live-1"}, "n": {"N": "1"}})
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=WAIT_MS)
    record = panel.model.record(0)
    assert record.event_name == "INSERT" and record.keys == {"id": {"S": "live-1"}}
    qtbot.waitUntil(lambda: "1 new record" in panel.tail_status.text(), timeout=WAIT_MS)
    assert "last polled" in panel.tail_status.text()

    # Paused, nothing is read; started again, it goes on after the last record read.
    qtbot.mouseClick(panel.pause_button, LEFT)
    qtbot.waitUntil(lambda: not panel.tailing, timeout=WAIT_MS)
    assert panel.tail_status.text().startswith("Tail paused")
    ddb.update_item(TableName=table_name, Key={"id": {"S": "live-1"}},
                    UpdateExpression="SET n = :n", ExpressionAttributeValues={":n": {"N": "2"}})
    qtbot.mouseClick(panel.tail_button, LEFT)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=WAIT_MS)
    assert [r.event_name for r in panel.model.shown()] == ["INSERT", "MODIFY"]
    panel.select_row(1)
    assert panel.detail.changes.rows() == [("changed", "n", "1", "2")]

    # Another table stops the tail and starts clean, ready to tail its own stream.
    other = f"{table_name}-b"
    _create(ddb, other)
    try:
        panel.set_table(conn, _info(ddb, other))
        qtbot.waitUntil(lambda: not panel.tailing and panel.stream is not None,
                        timeout=WAIT_MS)
        assert panel.model.rowCount() == 0 and panel.tail_status.text() == "Tail stopped."
        qtbot.waitUntil(panel.tail_button.isEnabled, timeout=WAIT_MS)
        assert not panel.pause_button.isEnabled()
    finally:
        ddb.delete_table(TableName=other)


def test_enable_and_disable_the_stream_after_confirming(panel, qtbot, conn, ddb, table_name):
    _create(ddb, table_name, stream=False)
    panel.set_table(conn, _info(ddb, table_name))
    assert panel.pages.currentWidget() is panel.no_stream
    assert panel.no_stream.title.text() == f"{table_name} has no stream"
    asked: list[str] = []
    panel.ask_view_type = lambda title, current: "NEW_IMAGE"
    panel.confirm = _answer(asked, True)

    with qtbot.waitSignal(panel.tableChanged, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(panel.no_stream.enable_button, LEFT)
    assert ENABLE_NOTE in asked[-1] and "NEW_IMAGE" in asked[-1]
    assert changed.args[0].stream_view_type == "NEW_IMAGE"
    qtbot.waitUntil(lambda: panel.stream is not None, timeout=WAIT_MS)
    assert panel.pages.currentWidget() is panel.content
    assert "NEW_IMAGE" in panel.status.text()
    spec = ddb.describe_table(TableName=table_name)["Table"]["StreamSpecification"]
    assert spec == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}

    panel.confirm = _answer(asked, False)
    qtbot.mouseClick(panel.disable_button, LEFT)
    assert DISABLE_NOTE in asked[-1] and not panel.changing
    assert "StreamSpecification" in ddb.describe_table(TableName=table_name)["Table"]

    panel.confirm = lambda title, text: True
    with qtbot.waitSignal(panel.tableChanged, timeout=WAIT_MS):
        qtbot.mouseClick(panel.disable_button, LEFT)
    assert panel.pages.currentWidget() is panel.no_stream
    assert "StreamSpecification" not in ddb.describe_table(TableName=table_name)["Table"]


def test_a_read_only_connection_shows_the_cores_refusal(panel, qtbot, conn, ddb, table_name):
    _create(ddb, table_name, stream=False)
    locked = connect(replace(conn.profile, read_only=True))
    panel.set_table(locked, _info(ddb, table_name))
    panel.ask_view_type = lambda title, current: current
    panel.confirm = lambda title, text: True
    with qtbot.waitSignal(panel.failed, timeout=WAIT_MS) as failed:
        qtbot.mouseClick(panel.enable_button, LEFT)
    assert "read-only" in failed.args[0]
    assert panel.error.isVisible() and "read-only" in panel.error.text()
    assert panel.enable_button.isEnabled()
    assert "StreamSpecification" not in ddb.describe_table(TableName=table_name)["Table"]
