"""Listing and describing tables against moto's server, and TableInfo from raw responses."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from datetime import UTC, datetime

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config

from app import catalog
from app.catalog import IndexInfo, KeyAttribute, TableInfo
from app.connections import Connection, ConnectionProfile, client_config
from app.errors import AwsError, ConnectionFailed


def _create_full_table(ddb, name: str) -> None:
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
            {"AttributeName": "gpk", "AttributeType": "S"},
            {"AttributeName": "lsk", "AttributeType": "B"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": "by-gpk",
            "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]},
            "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 2},
        }],
        LocalSecondaryIndexes=[{
            "IndexName": "by-lsk",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "lsk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }],
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 7},
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "test"}],
    )
    ddb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"},
    )


def _create_simple_table(ddb, name: str, billing: str = "PAY_PER_REQUEST") -> None:
    extra = {} if billing == "PAY_PER_REQUEST" else {
        "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode=billing, **extra,
    )


def test_describe_table_reports_keys(conn: Connection, ddb, table_name: str) -> None:
    _create_full_table(ddb, table_name)
    info = asyncio.run(catalog.describe_table(conn, table_name))
    assert isinstance(info, TableInfo)
    assert info.name == table_name
    assert info.arn.endswith(f"table/{table_name}")
    assert info.status == "ACTIVE"
    assert info.partition_key == KeyAttribute("pk", "HASH", "S")
    assert info.sort_key == KeyAttribute("sk", "RANGE", "N")
    assert info.partition_key.role == "partition key"
    assert info.sort_key.role == "sort key"
    assert info.attribute_types == {"pk": "S", "sk": "N", "gpk": "S", "lsk": "B"}


def test_describe_table_reports_indexes(conn: Connection, ddb, table_name: str) -> None:
    _create_full_table(ddb, table_name)
    info = asyncio.run(catalog.describe_table(conn, table_name))
    assert [i.name for i in info.indexes] == ["by-gpk", "by-lsk"]
    (gsi,) = info.gsis
    (lsi,) = info.lsis
    assert isinstance(gsi, IndexInfo)
    assert gsi.name == "by-gpk"
    assert gsi.kind == "GSI"
    assert gsi.keys == (KeyAttribute("gpk", "HASH", "S"), KeyAttribute("sk", "RANGE", "N"))
    assert gsi.projection_type == "INCLUDE"
    assert gsi.projected_attributes == ("a", "b")
    assert gsi.projection == "INCLUDE a, b"
    assert (gsi.read_capacity, gsi.write_capacity) == (3, 2)
    assert lsi.name == "by-lsk"
    assert lsi.kind == "LSI"
    assert lsi.keys == (KeyAttribute("pk", "HASH", "S"), KeyAttribute("lsk", "RANGE", "B"))
    assert lsi.projection == "KEYS_ONLY"


def test_describe_table_reports_settings(conn: Connection, ddb, table_name: str) -> None:
    _create_full_table(ddb, table_name)
    info = asyncio.run(catalog.describe_table(conn, table_name))
    assert info.billing_mode == "PROVISIONED"
    assert (info.read_capacity, info.write_capacity) == (5, 7)
    assert info.stream_enabled is True
    assert info.stream_view_type == "NEW_IMAGE"
    assert info.stream_arn.startswith(info.arn + "/stream/")
    assert info.ttl_status == "ENABLED"
    assert info.ttl_attribute == "expires"
    assert info.tags == {"team": "data", "env": "test"}
    assert info.point_in_time_recovery in ("ENABLED", "DISABLED")
    assert info.unavailable == {}


def test_describe_on_demand_table(conn: Connection, ddb, table_name: str) -> None:
    _create_simple_table(ddb, table_name)
    info = asyncio.run(catalog.describe_table(conn, table_name))
    assert info.billing_mode == "PAY_PER_REQUEST"
    assert info.read_capacity is None
    assert info.write_capacity is None
    assert info.sort_key is None
    assert info.indexes == ()
    assert info.stream_enabled is False
    assert info.stream_view_type == ""
    assert info.stream_arn == ""
    assert info.ttl_status == "DISABLED"
    assert info.tags == {}


def _deny(**kwargs) -> AWSResponse:
    body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#AccessDeniedException",
                       "message": "not allowed to list tags"}).encode()
    return AWSResponse(kwargs["request"].url, 400,
                       {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body))


class _Raw:
    """Just enough of a urllib3 response for botocore to read a body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args, **kwargs):
        yield self._body


def test_describe_table_reports_a_denied_part_as_unavailable(
        conn: Connection, ddb, table_name: str) -> None:
    _create_full_table(ddb, table_name)
    conn.client.meta.events.register_first("before-send.dynamodb.ListTagsOfResource", _deny)
    info = asyncio.run(catalog.describe_table(conn, table_name))
    assert list(info.unavailable) == ["tags"]
    assert "not allowed to list tags" in info.unavailable["tags"]
    assert info.tags == {}
    # The rest still came through.
    assert info.ttl_status == "ENABLED"
    assert info.partition_key.name == "pk"


def test_list_tables_pages_through_every_table(conn: Connection, ddb) -> None:
    prefix = f"list-{uuid.uuid4().hex[:8]}-"
    mine = {f"{prefix}{i}" for i in range(3)}
    try:
        for name in sorted(mine):
            _create_simple_table(ddb, name)
        seen: list[str] = []
        pages = 0
        start = None
        while True:
            names, start = asyncio.run(catalog.list_tables_page(conn, start, limit=2))
            pages += 1
            assert len(names) <= 2
            seen += names
            if start is None:
                break
            assert pages < 1000, "ListTables never ended"
    finally:
        for name in mine:
            ddb.delete_table(TableName=name)
    assert mine <= set(seen)
    assert len(seen) == len(set(seen)), "a table came back twice"
    assert pages > 1


def test_describe_missing_table_raises_aws_error(conn: Connection) -> None:
    missing = f"missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(AwsError) as caught:
        asyncio.run(catalog.describe_table(conn, missing))
    err = caught.value
    assert err.code == "ResourceNotFoundException"
    assert missing in str(err)
    assert err.hint
    assert err.hint in str(err)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_nothing_listening_raises_connection_failed() -> None:
    port = _closed_port()
    url = f"http://127.0.0.1:{port}"
    profile = ConnectionProfile(name="gone", kind="endpoint", endpoint_url=url,
                                region="eu-west-1")
    fast = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1)
    client = boto3.client("dynamodb", endpoint_url=url, region_name="eu-west-1",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=client_config().merge(fast))
    conn = Connection(profile, client)
    with pytest.raises(ConnectionFailed) as caught:
        asyncio.run(catalog.list_tables_page(conn))
    assert "nothing answers" in str(caught.value)
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert caught.value.hint


RAW_TABLE = {
    "TableName": "Raw",
    "TableArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Raw",
    "TableStatus": "UPDATING",
    # Sort key listed first on purpose: the partition key must still come first.
    "KeySchema": [{"AttributeName": "when", "KeyType": "RANGE"},
                  {"AttributeName": "who", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "who", "AttributeType": "S"},
                             {"AttributeName": "when", "AttributeType": "N"},
                             {"AttributeName": "kind", "AttributeType": "S"}],
    "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
    "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
    "GlobalSecondaryIndexes": [{
        "IndexName": "by-kind",
        "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "ALL"},
        "IndexStatus": "CREATING",
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        "ItemCount": 4,
        "IndexSizeBytes": 321,
    }],
    "ItemCount": 12,
    "TableSizeBytes": 3456,
    "CreationDateTime": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    "TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
    "StreamSpecification": {"StreamEnabled": False},
    "LatestStreamArn": "arn:aws:dynamodb:eu-west-1:123456789012:table/Raw/stream/old",
    "DeletionProtectionEnabled": True,
}


def test_table_info_from_raw_responses_without_ttl_tags_or_backups() -> None:
    info = catalog.table_info(RAW_TABLE, ttl=None, tags=None, pitr=None,
                              unavailable={"TTL": "Access denied to DescribeTimeToLive."})
    assert info.name == "Raw"
    assert info.status == "UPDATING"
    assert info.keys == (KeyAttribute("who", "HASH", "S"), KeyAttribute("when", "RANGE", "N"))
    assert info.billing_mode == "PAY_PER_REQUEST"
    assert (info.read_capacity, info.write_capacity) == (None, None)
    (gsi,) = info.gsis
    assert gsi.keys == (KeyAttribute("kind", "HASH", "S"),)
    assert gsi.projection == "ALL"
    assert gsi.status == "CREATING"
    assert (gsi.item_count, gsi.size_bytes) == (4, 321)
    assert (gsi.read_capacity, gsi.write_capacity) == (None, None)
    assert info.lsis == ()
    assert (info.item_count, info.size_bytes) == (12, 3456)
    assert info.created == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert info.table_class == "STANDARD_INFREQUENT_ACCESS"
    assert info.stream_enabled is False
    assert info.stream_view_type == ""
    assert info.stream_arn == ""
    assert info.deletion_protection is True
    assert info.ttl_status == "unknown"
    assert info.ttl_attribute == ""
    assert info.point_in_time_recovery == "unknown"
    assert info.tags == {}
    assert info.unavailable == {"TTL": "Access denied to DescribeTimeToLive."}


def test_table_info_reads_ttl_and_backups_when_given() -> None:
    info = catalog.table_info(
        RAW_TABLE,
        ttl={"TimeToLiveStatus": "ENABLING", "AttributeName": "gone_at"},
        tags={"a": "1"},
        pitr={"ContinuousBackupsStatus": "ENABLED",
              "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "ENABLED"}},
    )
    assert (info.ttl_status, info.ttl_attribute) == ("ENABLING", "gone_at")
    assert info.point_in_time_recovery == "ENABLED"
    assert info.tags == {"a": "1"}
    assert info.unavailable == {}


def test_table_info_empty_ttl_description_means_disabled() -> None:
    info = catalog.table_info(RAW_TABLE, ttl={}, pitr={})
    assert info.ttl_status == "DISABLED"
    assert info.point_in_time_recovery == "DISABLED"


def test_table_info_without_billing_summary_is_provisioned() -> None:
    raw = {k: v for k, v in RAW_TABLE.items() if k != "BillingModeSummary"}
    raw["ProvisionedThroughput"] = {"ReadCapacityUnits": 8, "WriteCapacityUnits": 9}
    info = catalog.table_info(raw)
    assert info.billing_mode == "PROVISIONED"
    assert (info.read_capacity, info.write_capacity) == (8, 9)
