"""Attribute-level differences between two items: what was added, removed or changed, where.

Both items are AttributeValue dicts in the low-level client's shape. The comparison follows
DynamoDB's own idea of equality, not the wire text's:

- numbers are compared by value (``{"N": "12.50"}`` equals ``{"N": "12.5"}``), exactly, as
  `Decimal` values; a number set is a set of values;
- sets (SS, NS, BS) are sets: member order never matters, and a changed set is reported
  once, at the set's path, with the members that came and went;
- maps are compared name by name, lists index by index (``history[2]``), as deep as they go;
- a value whose type changed (``N`` to ``S``, a map to a list) is one change at its path.

Changes come in a stable order: the old item's attribute order, then the names only the new
item has, in its order; list indexes ascending. The item editor reuses this to decide what a
save must send, and `equal` to check that an attribute still holds what was loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.codec import number, path_text

AttributeValue = dict[str, Any]
Item = Mapping[str, AttributeValue]
PathParts = tuple[str | int, ...]

ADDED = "added"
REMOVED = "removed"
CHANGED = "changed"
KINDS = (ADDED, REMOVED, CHANGED)

_SETS = ("SS", "NS", "BS")


@dataclass(frozen=True)
class Change:
    """One difference: at `path` (names and list indexes), `old` became `new`.

    `old` is None when the value was added, `new` is None when it was removed. For a
    changed set, `added_members` and `removed_members` say which members came and went
    (as they are written in the new and the old set).
    """

    path: PathParts
    kind: str
    old: AttributeValue | None
    new: AttributeValue | None
    added_members: tuple[Any, ...] = ()
    removed_members: tuple[Any, ...] = ()

    @property
    def path_text(self) -> str:
        """``address.geo.lat``, ``history[2]``: the path as people read it."""
        return path_text(self.path)

    @property
    def attribute(self) -> str:
        """The top-level attribute the change is in."""
        return str(self.path[0])


def _type(value: Any) -> str | None:
    if isinstance(value, Mapping) and len(value) == 1:
        return next(iter(value))
    return None


def _number_key(text: Any) -> Any:
    """A number's value for comparing; text that is not a number compares as text."""
    try:
        return number(text)
    except ValueError:
        return ("text", text)


def _member_key(kind: str, member: Any) -> Any:
    if kind == "NS":
        return _number_key(member)
    if kind == "BS" and isinstance(member, bytearray | memoryview):
        return bytes(member)
    return member


def _set_difference(kind: str, old: list, new: list) -> tuple[tuple, tuple]:
    old_keys = {_member_key(kind, m) for m in old}
    new_keys = {_member_key(kind, m) for m in new}
    added = tuple(m for m in new if _member_key(kind, m) not in old_keys)
    removed = tuple(m for m in old if _member_key(kind, m) not in new_keys)
    return added, removed


def equal(old: Any, new: Any) -> bool:
    """True when two AttributeValues are the same value to DynamoDB (numbers by value,
    sets as sets, maps and lists deeply)."""
    kind = _type(old)
    if kind is None or kind != _type(new):
        return old == new
    a, b = old[kind], new[kind]
    if kind == "N":
        return _number_key(a) == _number_key(b)
    if kind in _SETS:
        return {_member_key(kind, m) for m in a} == {_member_key(kind, m) for m in b}
    if kind == "B":
        return bytes(a) == bytes(b)
    if kind == "L":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if kind == "M":
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


def _walk(old: Any, new: Any, path: PathParts, out: list[Change]) -> None:
    kind = _type(old)
    if kind is not None and kind == _type(new):
        a, b = old[kind], new[kind]
        if kind == "M":
            _walk_map(a, b, path, out)
            return
        if kind == "L":
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                _walk(x, y, (*path, i), out)
            common = min(len(a), len(b))
            out.extend(Change((*path, i), ADDED, None, y) for i, y in enumerate(b)
                       if i >= common)
            out.extend(Change((*path, i), REMOVED, x, None) for i, x in enumerate(a)
                       if i >= common)
            return
        if kind in _SETS:
            added, removed = _set_difference(kind, list(a), list(b))
            if added or removed:
                out.append(Change(path, CHANGED, old, new, added, removed))
            return
    if not equal(old, new):
        out.append(Change(path, CHANGED, old, new))


def _walk_map(old: Mapping[str, Any], new: Mapping[str, Any], path: PathParts,
              out: list[Change]) -> None:
    for name, value in old.items():
        if name in new:
            _walk(value, new[name], (*path, name), out)
        else:
            out.append(Change((*path, name), REMOVED, value, None))
    for name, value in new.items():
        if name not in old:
            out.append(Change((*path, name), ADDED, None, value))


def diff(old: Item | None, new: Item | None) -> list[Change]:
    """The changes that turn item `old` into item `new`.

    Either may be None (or empty): a stream's INSERT has no old image and its REMOVE no
    new one, so every attribute is then added or removed.
    """
    out: list[Change] = []
    _walk_map(old or {}, new or {}, (), out)
    return out


def changed_attributes(changes: list[Change]) -> list[str]:
    """The top-level attributes the changes touch, in order, each once."""
    return list(dict.fromkeys(c.attribute for c in changes))


def counts(changes: list[Change]) -> dict[str, int]:
    """How many changes of each kind: ``{"added": 1, "removed": 0, "changed": 3}``."""
    return {kind: sum(1 for c in changes if c.kind == kind) for kind in KINDS}


__all__ = ["ADDED", "CHANGED", "KINDS", "REMOVED", "Change", "changed_attributes", "counts", "diff",
           "equal"]
