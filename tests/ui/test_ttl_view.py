"""TTL views: the "expires" cell, the expiry histogram of the sandbox's sessions, the panel."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from itertools import pairwise

import boto3
import pytest
from PySide6.QtCore import Qt

from app.catalog import table_info
from app.expressions import render
from app.ttl import (
    CHANGE_NOTE,
    EXPIRED,
    EXPIRES,
    MILLISECONDS,
    NOT_A_NUMBER,
    expiries,
    hide_expired_filter,
)
from ui.ttl_view import (
    EXPIRED_COLOUR,
    IGNORED_COLOUR,
    LIVE_COLOUR,
    NOW_COLOUR,
    ExpiryHistogram,
    TtlPanel,
    expires_cell,
    expires_colour,
    hide_expired_condition,
)

WAIT_MS = 20_000
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())


def _item(value):
    return {"id": {"S": "a"}, **({"expires_at": value} if value is not None else {})}


def test_expires_cell_says_when_and_marks_expired_and_ignored_values():
    live = expires_cell(_item({"N": str(T + 3 * 3600 + 12 * 60)}), "expires_at", NOW)
    assert live.text == "in 3 h 12 min · 2026-01-01 15:12:00 UTC"
    assert not live.expired and not live.ignored and live.state == EXPIRES
    assert "Expires 2026-01-01 15:12:00 UTC" in live.tooltip
    assert expires_colour(live) is None

    expired = expires_cell(_item({"N": str(T - 2 * 86400)}), "expires_at", NOW)
    assert expired.text == "expired 2 days ago · 2025-12-30 12:00:00 UTC"
    assert expired.expired and not expired.ignored and expired.state == EXPIRED
    assert "not yet deleted" in expired.tooltip and "reads" in expired.tooltip
    assert expires_colour(expired).name() == EXPIRED_COLOUR

    millis = expires_cell(_item({"N": str((T + 3600) * 1000)}), "expires_at", NOW)
    assert millis.state == MILLISECONDS and millis.ignored and not millis.expired
    assert millis.text == "ignored: looks like milliseconds (meant 2026-01-01 13:00:00 UTC?)"
    assert "epoch seconds" in millis.tooltip and "never delete" in millis.tooltip
    assert expires_colour(millis).name() == IGNORED_COLOUR

    never = expires_cell(_item({"S": "never"}), "expires_at", NOW)
    assert never.state == NOT_A_NUMBER and never.ignored and not never.expired
    assert never.text == "ignored: not a number"
    assert "never (a string (S))" in never.tooltip

    missing = expires_cell(_item(None), "expires_at", NOW)
    assert missing.text == "" and not missing.expired and not missing.ignored
    assert "No expires_at attribute" in missing.tooltip
    assert expired.at < live.at and millis.at is None  # for sorting: no time sorts last


def test_hide_expired_condition_is_the_cores_filter():
    assert render(hide_expired_condition("expires_at", NOW)) == \
        hide_expired_filter("expires_at", NOW)


@pytest.fixture
def session_items(sandbox):
    client = boto3.client("dynamodb", endpoint_url=sandbox.endpoint_url,
                          region_name=sandbox.region, aws_access_key_id="sandbox",
                          aws_secret_access_key="sandbox")
    items = []
    for page in client.get_paginator("scan").paginate(TableName="UserSessions"):
        items.extend(page["Items"])
    return items


def _colours(image):
    return {image.pixelColor(x, y).name()
            for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}


def _no_overlap(labels, width):
    rects = [rect for rect, _text in labels]
    return all(a.right() < b.left() for a, b in pairwise(rects)) and \
        all(r.left() >= 0 and r.right() < width for r in rects)


def test_histogram_of_the_sandbox_sessions(qtbot, session_items):
    now = datetime.now(UTC).replace(microsecond=0)  # one fixed clock for the whole test
    states = Counter(e.state for e in expiries(session_items, "expires_at", now))
    widget = ExpiryHistogram()
    qtbot.addWidget(widget)
    widget.resize(760, 300)
    widget.set_items(session_items, "expires_at", now)
    h = widget.histogram
    assert h is not None and h.unit == "day" and h.now == now
    assert h.expired == states[EXPIRED] > 10
    assert h.live == states[EXPIRES] > 100
    assert h.ignored[NOT_A_NUMBER] == states[NOT_A_NUMBER] == 2
    assert sum(h.ignored.values()) + h.expired + h.live == len(session_items)
    caption = widget.caption()
    assert f"{states[EXPIRED]} expired, not yet deleted" in caption
    assert f"{states[EXPIRES]} live" in caption and "2 not a number" in caption

    image = widget.grab().toImage()
    assert not image.isNull() and image.width() == 760
    colours = _colours(image)
    assert EXPIRED_COLOUR in colours and LIVE_COLOUR in colours
    labels = widget.x_labels()
    assert len(labels) >= 4 and _no_overlap(labels, widget.width())

    widget.resize(320, 190)  # narrow: fewer labels, still apart and inside
    narrow = widget.x_labels()
    assert 2 <= len(narrow) < len(labels) and _no_overlap(narrow, widget.width())
    assert not widget.grab().toImage().isNull()

    widget.set_items([], "expires_at", now)
    assert widget.histogram.bins == () and "No items loaded" in widget.empty_text
    assert not widget.grab().toImage().isNull()


def test_the_histogram_bins_by_hour_and_draws_the_now_line(qtbot):
    items = [_item({"N": str(T + k * 1800)}) for k in range(-6, 12)]
    widget = ExpiryHistogram()
    qtbot.addWidget(widget)
    widget.resize(600, 260)
    widget.set_items(items, "expires_at", NOW)
    h = widget.histogram
    assert h.unit == "hour" and (h.expired, h.live) == (7, 11)
    assert h.bins[0].start == datetime(2026, 1, 1, 9, tzinfo=UTC)
    labels = widget.x_labels()
    assert labels[0][1] == "Jan 01" and _no_overlap(labels, widget.width())
    image, plot, x = widget.grab().toImage(), widget.plot_rect(), widget.now_x()
    assert plot.left() < x < plot.right()
    line = [image.pixelColor(x, y).name() for y in range(plot.top(), plot.bottom())]
    assert line.count(NOW_COLOUR) > plot.height() // 3  # dashed, from top to bottom


def _create(ddb, name):
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])


def _info(ddb, name):
    return table_info(ddb.describe_table(TableName=name)["Table"],
                      ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"])


def test_enable_and_disable_ttl_through_the_panel(qtbot, qloop, conn, ddb, table_name):
    _create(ddb, table_name)
    panel = TtlPanel()
    qtbot.addWidget(panel, before_close_func=lambda w: w.shutdown())
    panel.show()
    panel.set_table(conn, _info(ddb, table_name))
    assert "DISABLED" in panel.status.text()
    assert panel.enable_button.isEnabled() and not panel.disable_button.isEnabled()
    items = [{"id": {"S": "x"}, "valid_until": {"N": str(T - 60)}},
             {"id": {"S": "y"}, "valid_until": {"N": str(T + 60)}}]
    panel.clock = lambda: NOW
    panel.watch_items(lambda: items)
    asked: list[str] = []
    answer = {"yes": True}

    def confirm(title, text):
        asked.append(text)
        return answer["yes"]

    panel.ask_attribute = lambda default: asked.append(default) or "valid_until"
    panel.confirm = confirm
    with qtbot.waitSignal(panel.ttlChanged, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(panel.enable_button, Qt.MouseButton.LeftButton)
    assert asked[0] == "expires_at"  # the default offered for a table without TTL
    assert CHANGE_NOTE in asked[1] and "valid_until" in asked[1]
    status = changed.args[0]
    assert status.status == "ENABLED" and status.attribute == "valid_until"
    raw = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert raw == {"TimeToLiveStatus": "ENABLED", "AttributeName": "valid_until"}
    assert "ENABLED" in panel.status.text() and "valid_until" in panel.status.text()
    assert panel.disable_button.isEnabled() and not panel.enable_button.isEnabled()
    qtbot.waitUntil(lambda: panel.histogram.attribute == "valid_until", timeout=WAIT_MS)
    assert (panel.histogram.histogram.expired, panel.histogram.histogram.live) == (1, 1)

    answer["yes"] = False  # a declined confirmation sends nothing
    qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert CHANGE_NOTE in asked[-1] and not panel.busy
    raw = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert raw["TimeToLiveStatus"] == "ENABLED"

    answer["yes"] = True
    with qtbot.waitSignal(panel.ttlChanged, timeout=WAIT_MS) as changed:
        qtbot.mouseClick(panel.disable_button, Qt.MouseButton.LeftButton)
    assert changed.args[0].status == "DISABLED"
    raw = ddb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert raw["TimeToLiveStatus"] == "DISABLED"
    assert "DISABLED" in panel.status.text() and panel.enable_button.isEnabled()
