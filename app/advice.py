"""Advice from the ledger: when a read threw most of what it read away, say what would not."""

from __future__ import annotations

from app.catalog import TableInfo
from app.expressions import And, Compare, Condition, Path, Value
from app.paging import Totals
from app.query import QuerySpec

#: below this many items read, waste does not matter
MIN_READ = 100
#: returned/read at or below this is wasteful
MAX_RATIO = 0.1


def _equalities(condition: Condition | None) -> dict[str, Value]:
    """Top-level attributes the filter requires to equal a value (in an AND, or alone)."""
    if condition is None:
        return {}
    terms = condition.conditions if isinstance(condition, And) else (condition,)
    found: dict[str, Value] = {}
    for term in terms:
        if isinstance(term, Compare) and term.op == "=":
            sides = (term.left, term.right)
            path = next((s for s in sides if isinstance(s, Path)), None)
            value = next((s for s in sides if isinstance(s, Value)), None)
            if path is not None and value is not None and len(path.segments) == 1:
                found[str(path.segments[0])] = value
    return found


def read_advice(spec: QuerySpec, info: TableInfo, totals: Totals) -> str | None:
    """A sentence when the run read many items to return few, naming a cheaper way
    when the table or one of its indexes has one; None when the read was fine."""
    if spec.filter is None or totals.scanned < MIN_READ:
        return None
    ratio = totals.ratio
    if ratio is None or ratio > MAX_RATIO:
        return None
    head = (f"This {'filter' if not spec.is_query else 'Query'} read {totals.scanned:,} "
            f"items to return {totals.count:,}")
    if spec.is_query:
        return (f"{head}: the filter threw the rest away after they were read (and paid "
                "for). A sort key condition, or an index keyed on the filtered attribute, "
                "would read only the matches.")
    equal = _equalities(spec.filter)
    targets = [(None, info.keys)] + [(i.name, i.keys) for i in info.indexes]
    for name, keys in targets:
        partition = keys[0].name
        if partition in equal:
            where = f"the index {name}" if name else f"the table {info.name}"
            return (f"{head}: a Query on {where} ({partition} = {equal[partition]}) would "
                    "read only the matches.")
    return (f"{head}: a Scan reads the whole table whatever the filter says. If you run "
            "this often, an index keyed on a filtered attribute would let a Query read "
            "only the matches.")
