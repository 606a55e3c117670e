"""Tables and indexes: ListTables page by page; DescribeTable and friends as `TableInfo`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.connections import Connection
from app.errors import DynascopeError

LIST_PAGE_SIZE = 100  # DynamoDB's maximum for ListTables


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    key_type: str  # "HASH" (partition) or "RANGE" (sort)
    attribute_type: str  # "S", "N" or "B"

    @property
    def role(self) -> str:
        return "partition key" if self.key_type == "HASH" else "sort key"


@dataclass(frozen=True)
class IndexInfo:
    name: str
    kind: str  # "GSI" or "LSI"
    keys: tuple[KeyAttribute, ...]
    projection_type: str  # ALL, KEYS_ONLY or INCLUDE
    projected_attributes: tuple[str, ...] = ()
    status: str = ""  # GSIs only: CREATING, ACTIVE, ...
    item_count: int | None = None
    size_bytes: int | None = None
    read_capacity: int | None = None
    write_capacity: int | None = None

    @property
    def projection(self) -> str:
        if self.projection_type == "INCLUDE":
            return "INCLUDE " + ", ".join(self.projected_attributes)
        return self.projection_type


@dataclass(frozen=True)
class TableInfo:
    name: str
    arn: str
    status: str
    keys: tuple[KeyAttribute, ...]
    attribute_types: dict[str, str]
    indexes: tuple[IndexInfo, ...]
    billing_mode: str  # PROVISIONED or PAY_PER_REQUEST
    read_capacity: int | None
    write_capacity: int | None
    item_count: int | None
    size_bytes: int | None
    created: datetime | None
    table_class: str
    stream_enabled: bool
    stream_view_type: str
    stream_arn: str
    ttl_status: str  # ENABLED, DISABLED, ENABLING, DISABLING, or "unknown"
    ttl_attribute: str
    deletion_protection: bool
    point_in_time_recovery: str  # ENABLED, DISABLED or "unknown"
    tags: dict[str, str]
    #: what could not be read, e.g. {"tags": "Access denied ..."}: shown, never fatal
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def gsis(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indexes if i.kind == "GSI")

    @property
    def lsis(self) -> tuple[IndexInfo, ...]:
        return tuple(i for i in self.indexes if i.kind == "LSI")

    @property
    def partition_key(self) -> KeyAttribute:
        return self.keys[0]

    @property
    def sort_key(self) -> KeyAttribute | None:
        return self.keys[1] if len(self.keys) > 1 else None


def _keys(schema: list[dict[str, str]], types: dict[str, str]) -> tuple[KeyAttribute, ...]:
    ordered = sorted(schema, key=lambda k: k["KeyType"] != "HASH")
    return tuple(KeyAttribute(k["AttributeName"], k["KeyType"], types.get(k["AttributeName"], "?"))
                 for k in ordered)


def _index(raw: dict[str, Any], kind: str, types: dict[str, str]) -> IndexInfo:
    projection = raw.get("Projection", {})
    throughput = raw.get("ProvisionedThroughput") or {}
    return IndexInfo(
        name=raw["IndexName"],
        kind=kind,
        keys=_keys(raw["KeySchema"], types),
        projection_type=projection.get("ProjectionType", "ALL"),
        projected_attributes=tuple(projection.get("NonKeyAttributes", ())),
        status=raw.get("IndexStatus", ""),
        item_count=raw.get("ItemCount"),
        size_bytes=raw.get("IndexSizeBytes"),
        read_capacity=throughput.get("ReadCapacityUnits") or None,
        write_capacity=throughput.get("WriteCapacityUnits") or None,
    )


def table_info(description: dict[str, Any], ttl: dict[str, Any] | None = None,
               tags: dict[str, str] | None = None, pitr: dict[str, Any] | None = None,
               unavailable: dict[str, str] | None = None) -> TableInfo:
    """Build `TableInfo` from the raw responses (the `Table` of DescribeTable, the
    `TimeToLiveDescription`, the tags, the `ContinuousBackupsDescription`)."""
    t = description
    types = {a["AttributeName"]: a["AttributeType"] for a in t.get("AttributeDefinitions", [])}
    indexes = [_index(g, "GSI", types) for g in t.get("GlobalSecondaryIndexes", [])]
    indexes += [_index(lsi, "LSI", types) for lsi in t.get("LocalSecondaryIndexes", [])]
    billing = (t.get("BillingModeSummary") or {}).get("BillingMode") or "PROVISIONED"
    throughput = t.get("ProvisionedThroughput") or {}
    stream = t.get("StreamSpecification") or {}
    pitr_status = "unknown"
    if pitr is not None:
        pitr_status = (pitr.get("PointInTimeRecoveryDescription") or {}).get(
            "PointInTimeRecoveryStatus", "DISABLED")
    return TableInfo(
        name=t["TableName"],
        arn=t.get("TableArn", ""),
        status=t.get("TableStatus", ""),
        keys=_keys(t["KeySchema"], types),
        attribute_types=types,
        indexes=tuple(indexes),
        billing_mode=billing,
        read_capacity=throughput.get("ReadCapacityUnits") if billing == "PROVISIONED" else None,
        write_capacity=throughput.get("WriteCapacityUnits") if billing == "PROVISIONED" else None,
        item_count=t.get("ItemCount"),
        size_bytes=t.get("TableSizeBytes"),
        created=t.get("CreationDateTime"),
        table_class=(t.get("TableClassSummary") or {}).get("TableClass", "STANDARD"),
        stream_enabled=bool(stream.get("StreamEnabled")),
        stream_view_type=stream.get("StreamViewType", "") if stream.get("StreamEnabled") else "",
        stream_arn=t.get("LatestStreamArn", "") if stream.get("StreamEnabled") else "",
        ttl_status=(ttl or {}).get("TimeToLiveStatus", "unknown" if ttl is None else "DISABLED"),
        ttl_attribute=(ttl or {}).get("AttributeName", ""),
        deletion_protection=bool(t.get("DeletionProtectionEnabled", False)),
        point_in_time_recovery=pitr_status,
        tags=dict(tags or {}),
        unavailable=dict(unavailable or {}),
    )


async def list_tables_page(conn: Connection, start: str | None = None,
                           limit: int = LIST_PAGE_SIZE) -> tuple[list[str], str | None]:
    """One page of table names and the name to continue from (None at the end)."""
    kwargs: dict[str, Any] = {"Limit": limit}
    if start:
        kwargs["ExclusiveStartTableName"] = start
    page = await conn.call("list_tables", "list the tables", **kwargs)
    names = page.get("TableNames", [])
    following = page.get("LastEvaluatedTableName")
    if following is not None and following == start:
        raise DynascopeError("Listing tables stopped: the endpoint returned the same page twice.")
    return names, following


async def _tags(conn: Connection, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    kwargs: dict[str, Any] = {"ResourceArn": arn}
    while True:
        page = await conn.call("list_tags_of_resource", "read the table's tags", **kwargs)
        tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
        token = page.get("NextToken")
        if not token or token == kwargs.get("NextToken"):
            return tags
        kwargs["NextToken"] = token


async def describe_table(conn: Connection, name: str) -> TableInfo:
    """Everything the details panel shows. DescribeTable must succeed; TTL, tags and
    backups are read side by side and, if one is denied, reported as unavailable."""
    raw = await conn.call("describe_table", f"describe table {name}", TableName=name)
    table = raw["Table"]
    results = await asyncio.gather(
        conn.call("describe_time_to_live", "read the TTL setting", TableName=name),
        _tags(conn, table.get("TableArn", "")),
        conn.call("describe_continuous_backups", "read the backup setting", TableName=name),
        return_exceptions=True,
    )
    unavailable: dict[str, str] = {}
    parts: list[Any] = []
    for what, result in zip(("TTL", "tags", "point-in-time recovery"), results, strict=True):
        if isinstance(result, DynascopeError):
            unavailable[what] = str(result)
            parts.append(None)
        elif isinstance(result, BaseException):
            raise result
        else:
            parts.append(result)
    ttl_raw, tags, pitr_raw = parts
    return table_info(
        table,
        ttl=None if ttl_raw is None else ttl_raw.get("TimeToLiveDescription", {}),
        tags=tags,
        pitr=None if pitr_raw is None else pitr_raw.get("ContinuousBackupsDescription", {}),
        unavailable=unavailable,
    )
