"""The embedded sandbox: moto's server on loopback, seeded with the demo tables."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from app.demo_data import BIG_38_DIGITS, DemoTable
from app.errors import SandboxError
from app.sandbox import Sandbox

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_TABLES = {"Users", "Orders", "Products", "UserSessions", "AppData"}


def _client(endpoint_url: str, region: str, service: str = "dynamodb"):
    # Any keys work: the sandbox ignores them.
    return boto3.client(service, endpoint_url=endpoint_url, region_name=region,
                        aws_access_key_id="anything", aws_secret_access_key="anything")


@pytest.fixture(scope="module")
def box_ddb(sandbox: Sandbox):
    return _client(sandbox.endpoint_url, sandbox.region)


def _table(sandbox: Sandbox, name: str) -> DemoTable:
    return next(t for t in sandbox.tables if t.name == name)


def _index_keys(index: dict) -> list[tuple[str, str]]:
    return [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]


def test_endpoint_is_on_loopback(sandbox: Sandbox) -> None:
    assert sandbox.running
    assert sandbox.endpoint_url.startswith("http://127.0.0.1:")
    assert int(sandbox.endpoint_url.rsplit(":", 1)[1]) > 0
    assert sandbox.profile.endpoint_url == sandbox.endpoint_url
    assert sandbox.profile.region == sandbox.region


def test_lists_exactly_the_demo_tables(box_ddb) -> None:
    assert set(box_ddb.list_tables()["TableNames"]) == DEMO_TABLES


def test_products_has_two_gsis(box_ddb) -> None:
    table = box_ddb.describe_table(TableName="Products")["Table"]
    gsis = {g["IndexName"]: g for g in table["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"category-index", "price-index"}
    assert _index_keys(gsis["category-index"]) == [("category", "HASH"), ("price", "RANGE")]


def test_orders_has_a_status_lsi(box_ddb) -> None:
    table = box_ddb.describe_table(TableName="Orders")["Table"]
    lsis = {i["IndexName"]: i for i in table["LocalSecondaryIndexes"]}
    assert set(lsis) == {"status-index"}
    assert _index_keys(lsis["status-index"]) == [("customer_id", "HASH"), ("status", "RANGE")]


def test_app_data_has_the_inverted_index(box_ddb) -> None:
    table = box_ddb.describe_table(TableName="AppData")["Table"]
    gsis = {g["IndexName"]: g for g in table["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"inverted-index"}
    assert _index_keys(gsis["inverted-index"]) == [("SK", "HASH"), ("PK", "RANGE")]


def test_user_sessions_has_ttl_and_a_stream(box_ddb) -> None:
    ttl = box_ddb.describe_time_to_live(TableName="UserSessions")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    table = box_ddb.describe_table(TableName="UserSessions")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"}


@pytest.mark.parametrize("name", sorted(DEMO_TABLES))
def test_item_counts_match_the_generated_data(sandbox: Sandbox, box_ddb, name: str) -> None:
    table = _table(sandbox, name)
    count = 0
    for page in box_ddb.get_paginator("scan").paginate(TableName=name, Select="COUNT"):
        count += page["Count"]
    assert count == len(table.items) - len(table.deletes)
    assert count > 0


def test_showcase_user_keeps_exact_numbers_and_bytes(sandbox: Sandbox, box_ddb) -> None:
    item = box_ddb.get_item(TableName="Users", Key={"user_id": {"S": "user-0000"}},
                            ConsistentRead=True)["Item"]
    generated = next(i for i in _table(sandbox, "Users").items
                     if i["user_id"] == {"S": "user-0000"})
    assert item["lifetime_points"] == {"N": BIG_38_DIGITS}
    assert item["lifetime_points"] == {"N": "12345678901234567890123456789012345678"}
    assert item["tiny_ratio"] == {"N": "1E-100"}
    assert isinstance(item["avatar"]["B"], bytes)
    assert item["avatar"]["B"] == generated["avatar"]["B"]


def test_user_sessions_stream_has_inserts_modifies_and_removes(
        sandbox: Sandbox, box_ddb) -> None:
    arn = box_ddb.describe_table(TableName="UserSessions")["Table"]["LatestStreamArn"]
    streams = _client(sandbox.endpoint_url, sandbox.region, "dynamodbstreams")
    shards: list[dict] = []
    kwargs = {"StreamArn": arn}
    while True:
        description = streams.describe_stream(**kwargs)["StreamDescription"]
        shards += description["Shards"]
        last = description.get("LastEvaluatedShardId")
        if not last or last == kwargs.get("ExclusiveStartShardId"):
            break
        kwargs["ExclusiveStartShardId"] = last
    assert shards
    events: list[str] = []
    for shard in shards:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            if not page["Records"]:
                break
            events += [r["eventName"] for r in page["Records"]]
            iterator = page.get("NextShardIterator")
    table = _table(sandbox, "UserSessions")
    assert events.count("INSERT") == len(table.items)
    assert events.count("MODIFY") == len(table.updates)
    assert events.count("REMOVE") == len(table.deletes)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.com"])
def test_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(SandboxError) as caught:
        Sandbox(host=host)
    assert host in str(caught.value)
    assert caught.value.hint


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_accepts_loopback_hosts(host: str) -> None:
    box = Sandbox(host=host)
    assert box.host == host
    assert not box.running


def test_seconds_to_ready_is_measured(sandbox: Sandbox) -> None:
    assert isinstance(sandbox.seconds_to_ready, float)
    assert sandbox.seconds_to_ready > 0


def test_a_sandbox_in_another_region_coexists(sandbox: Sandbox, box_ddb) -> None:
    other = Sandbox(region="eu-north-1")
    steps: list[tuple[str, int, int]] = []
    try:
        url = other.start(progress=lambda step, done, total: steps.append((step, done, total)))
        assert other.running
        assert url == other.endpoint_url
        assert url != sandbox.endpoint_url
        other_ddb = _client(url, "eu-north-1")
        assert set(other_ddb.list_tables()["TableNames"]) == DEMO_TABLES
        assert set(box_ddb.list_tables()["TableNames"]) == DEMO_TABLES
    finally:
        other.stop()
    assert not other.running
    with pytest.raises(SandboxError):
        _ = other.endpoint_url
    # The session's sandbox is untouched.
    assert sandbox.running
    assert set(box_ddb.list_tables()["TableNames"]) == DEMO_TABLES
    total = sum(len(t.items) for t in other.tables)
    assert steps[-1] == ("Ready", total, total)
    loaded = [done for step, done, _ in steps if step == "Loading demo items"]
    assert loaded
    assert loaded == sorted(loaded)
    assert all(0 < done <= total for done in loaded)


SERVE = "import sys; from app.sandbox import serve; sys.exit(serve())"
DYNASCOPE = "from ui.main import main; raise SystemExit(main())"


@pytest.mark.parametrize(("label", "argv"), [
    pytest.param("app.sandbox.serve()", ["-c", SERVE], id="serve"),
    pytest.param("dynascope sandbox", ["-c", DYNASCOPE, "sandbox"], id="dynascope-sandbox"),
])
def test_headless_sandbox_command(label: str, argv: list[str]) -> None:
    # Without PYTHONUNBUFFERED, as a user's shell runs it: a pipe is block-buffered.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen([sys.executable, *argv], cwd=REPO_ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    output: list[str] = []
    url = None
    try:
        deadline = time.monotonic() + 60
        while url is None:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{label}: no URL within 60 s; output so far: {output}"
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            assert line is not None, f"{label} exited early: {output}"
            output.append(line)
            if line.startswith("http://127.0.0.1:"):
                url = line.strip()
        names = _client(url, "us-east-1").list_tables()["TableNames"]
        assert set(names) == DEMO_TABLES
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=30)
    assert not reader.is_alive()
    while (line := lines.get_nowait()) is not None:
        output.append(line)
    text = "".join(output)
    assert "Sandbox stopped." in text
    assert "UserSessions" in text
