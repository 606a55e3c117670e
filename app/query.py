"""`QuerySpec`: what the user asked for, checked against the table and turned into the
exact keyword arguments of the low-level client's ``query`` or ``scan``.

    >>> from app.expressions import Key
    >>> spec = QuerySpec("Orders", key_condition=Key("customer_id").eq("user-0001"),
    ...                  forward=False, page_size=10)
    >>> spec.operation
    'Query'
    >>> spec.to_request()["KeyConditionExpression"]
    '#n0 = :v0'

What is sent, and what is not:

- ``ExpressionAttributeNames``/``Values`` only when an expression uses them.
- ``ScanIndexForward`` only for a Query, and only when it is ``False`` (DynamoDB's
  default is ascending, so the request shows only a deliberate choice).
- ``Limit`` is `page_size` (items *evaluated* per page). `limit`, the number of items the
  user wants, is never sent: the pager stops when it has them.
- ``ConsistentRead`` only when ``True``; ``Select="COUNT"`` only for `select_count`.
- ``Segment``/``TotalSegments`` only for a parallel scan (`segments` > 1), one request
  per segment.
- ``ReturnConsumedCapacity="INDEXES"`` always: the per-page ledger shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.catalog import IndexInfo, KeyAttribute, TableInfo
from app.expressions import (
    TYPE_NAMES,
    Condition,
    KeyCondition,
    Path,
    Renderer,
    SpecError,
)

MAX_SEGMENTS = 1_000_000  # DynamoDB's limit for TotalSegments


@dataclass(frozen=True)
class QuerySpec:
    """A Query (with a key condition) or a Scan (without one) of a table or index."""

    table: str
    index: str | None = None
    #: None makes it a Scan
    key_condition: KeyCondition | None = None
    filter: Condition | None = None
    projection: tuple[Path, ...] = ()
    #: ascending sort key order (Query only)
    forward: bool = True
    #: DynamoDB's Limit: items evaluated per request
    page_size: int | None = None
    #: items wanted in all; not sent: the pager stops there
    limit: int | None = None
    consistent_read: bool = False
    #: parallel scan segments; 1 = an ordinary scan
    segments: int = 1
    select_count: bool = False

    def __post_init__(self) -> None:
        projection: Iterable[Path | str] = self.projection
        if isinstance(projection, Path | str):
            projection = (projection,)
        object.__setattr__(self, "projection", tuple(
            p if isinstance(p, Path) else Path.parse(p) for p in projection))

    @property
    def operation(self) -> str:
        return "Scan" if self.key_condition is None else "Query"

    @property
    def is_query(self) -> bool:
        return self.key_condition is not None

    # ------------------------------------------------------------ checks

    def validate(self, table_info: TableInfo | None = None) -> None:
        """Raise `SpecError` for anything DynamoDB would refuse, or that cannot do what
        the user means. Without `table_info`, only what the spec alone can tell."""
        self._check_alone()
        if table_info is not None:
            self._check_against(table_info)

    def _check_alone(self) -> None:
        if not self.table:
            raise SpecError("Choose a table to read.")
        if self.index is not None and not self.index:
            raise SpecError("The index name is empty.", "Leave it unset to read the table.")
        if self.key_condition is not None:
            if not isinstance(self.key_condition, KeyCondition):
                raise SpecError("The key condition must be built with Key(...).")
            self.key_condition.check()
        if self.filter is not None and not isinstance(self.filter, Condition):
            raise SpecError("The filter must be a condition built with Attr(...).")
        if self.page_size is not None and (isinstance(self.page_size, bool)
                                           or self.page_size < 1):
            raise SpecError(f"The page size must be at least 1, not {self.page_size}.")
        if self.limit is not None and (isinstance(self.limit, bool) or self.limit < 1):
            raise SpecError(f"The number of items wanted must be at least 1, not {self.limit}.")
        if not 1 <= self.segments <= MAX_SEGMENTS:
            raise SpecError(f"A parallel scan has 1 to {MAX_SEGMENTS:,} segments, "
                            f"not {self.segments:,}.")
        if self.segments > 1 and self.is_query:
            raise SpecError("Parallel segments are for a Scan; a Query reads one partition.",
                            "Set segments to 1, or remove the key condition.")
        if self.select_count and self.projection:
            raise SpecError("A count returns no attributes, so it cannot have a projection.",
                            "Clear the projection or turn off counting.")

    def key_schema(self, info: TableInfo) -> tuple[KeyAttribute, ...]:
        """The keys of what this spec reads: the index's, or the table's."""
        return self._keys(info)[0]

    def _keys(self, info: TableInfo) -> tuple[tuple[KeyAttribute, ...], str, IndexInfo | None]:
        if self.index is None:
            return info.keys, f"table {info.name}", None
        index = next((i for i in info.indexes if i.name == self.index), None)
        if index is None:
            names = ", ".join(i.name for i in info.indexes)
            raise SpecError(f"Table {info.name} has no index {self.index}.",
                            f"Its indexes are: {names}." if names else "It has no indexes.")
        return index.keys, f"index {index.name}", index

    def _check_against(self, info: TableInfo) -> None:
        if info.name != self.table:
            raise SpecError(f"This query reads {self.table}, not {info.name}.")
        keys, where, index = self._keys(info)
        if self.consistent_read and index is not None and index.kind == "GSI":
            raise SpecError(f"Global secondary index {index.name} cannot be read consistently.",
                            "Turn off consistent read, or read the table or a local index.")
        if not self.is_query:
            return
        assert self.key_condition is not None
        partition = keys[0]
        sort = keys[1] if len(keys) > 1 else None
        by_name = {k.name: k for k in keys}
        for term in self.key_condition.terms:
            key = by_name.get(term.name)
            if key is None:
                known = f"{partition.name} (partition)" + (
                    f" and {sort.name} (sort)" if sort else "")
                raise SpecError(f"{term.name} is not a key of {where}: its keys are {known}.",
                                "Conditions on other attributes go in the filter.")
            if key is partition and term.op != "=":
                raise SpecError(f"The partition key {key.name} can only be compared with =, "
                                f"not {term.op}.")
            if term.op == "begins_with" and key.attribute_type == "N":
                raise SpecError(f"begins_with cannot be used on the number sort key {key.name}.",
                                "Use BETWEEN for a range of numbers.")
            for value in term.values:
                if key.attribute_type in ("S", "N", "B") and value.type != key.attribute_type:
                    raise SpecError(
                        f"{key.name} is a {key.role} of type {key.attribute_type}, but the "
                        f"value {value} is {TYPE_NAMES[value.type]}.",
                        f"Give {TYPE_NAMES[key.attribute_type]} value.")
        if not any(t.name == partition.name for t in self.key_condition.terms):
            raise SpecError(f"A Query of {where} needs its partition key {partition.name} "
                            "compared with =.")
        if self.filter is not None:
            for path in self.filter.paths():
                if path.name in by_name:
                    raise SpecError(f"Filter on key attribute {path.name}: put it in the "
                                    "key condition.",
                                    "A Query cannot filter on the keys of what it reads.")

    # ------------------------------------------------------------ requests

    def to_request(self, table_info: TableInfo | None = None,
                   segment: int | None = None) -> dict[str, Any]:
        """The keyword arguments for ``client.query(**...)`` or ``client.scan(**...)``.

        With `table_info` the spec is validated against the table first (and the key
        condition lists the partition key first). For a parallel scan, pass `segment`.
        """
        self.validate(table_info)
        partition = None
        if table_info is not None:
            partition = self.key_schema(table_info)[0].name
        request: dict[str, Any] = {"TableName": self.table}
        if self.index is not None:
            request["IndexName"] = self.index
        r = Renderer()
        if self.key_condition is not None:
            request["KeyConditionExpression"] = r.key_condition(self.key_condition, partition)
        if self.filter is not None:
            request["FilterExpression"] = r.condition(self.filter)
        if self.projection:
            request["ProjectionExpression"] = r.projection(self.projection)
        if r.attribute_names:
            request["ExpressionAttributeNames"] = r.attribute_names
        if r.attribute_values:
            request["ExpressionAttributeValues"] = r.attribute_values
        if self.is_query and not self.forward:
            request["ScanIndexForward"] = False
        if self.page_size is not None:
            request["Limit"] = self.page_size
        if self.consistent_read:
            request["ConsistentRead"] = True
        if self.select_count:
            request["Select"] = "COUNT"
        if self.segments > 1:
            if segment is None or not 0 <= segment < self.segments:
                raise SpecError(f"A parallel scan of {self.segments} segments sends one "
                                f"request per segment: choose a segment from 0 to "
                                f"{self.segments - 1}.")
            request["Segment"] = segment
            request["TotalSegments"] = self.segments
        elif segment not in (None, 0):
            raise SpecError(f"Segment {segment} was asked for, but this is not a parallel scan.")
        request["ReturnConsumedCapacity"] = "INDEXES"
        return request

    def requests(self, table_info: TableInfo | None = None) -> list[dict[str, Any]]:
        """Every first request: one, or one per segment of a parallel scan."""
        if self.segments > 1:
            return [self.to_request(table_info, s) for s in range(self.segments)]
        return [self.to_request(table_info)]


__all__ = ["MAX_SEGMENTS", "QuerySpec"]
