"""Writes of items edited by hand: never lose someone else's change, never corrupt a value.

Everything goes through the low-level client with AttributeValues (``{"N": "12.50"}``);
no value passes through ``float`` and no write uses ``ADD`` (not idempotent under
retries). A write is planned first (`plan_save`, `plan_create`, `plan_duplicate`,
`plan_delete`, `plan_move`, `plan_overwrite`), which validates the item and builds the exact
request without sending anything, so the UI can show it; `save` then runs the plan.

Decisions:

- **Diff granularity.** `diff` compares top-level attributes only. An attribute whose
  value changed anywhere inside is SET as a whole (and conditioned as a whole). Nested
  paths would save bytes, but a nested SET fails when a parent map is missing and list
  indexes shift under other writers; one whole attribute is always correct.
- **Equality is by value**, as DynamoDB compares: numbers as exact `Decimal` values
  (``12.50`` equals ``12.5``: no change, nothing sent; DynamoDB normalises the digits it
  stores anyway), sets without order, binary as bytes, lists in order, maps by name.
- **Save** is one UpdateItem: ``SET`` the changed attributes to the new values and
  ``REMOVE`` the removed ones, conditioned on ``attribute_exists(<partition key>)`` and
  each changed attribute still holding the loaded value (``attribute_not_exists`` for
  one that was absent), or, with a version attribute, on the version alone (it is then
  set to loaded + 1, exact; an item without one gets ``1``). The user may not edit the
  version attribute by hand: the save sets it.
- **Key change** is a move: one TransactWriteItems that puts the new item (condition:
  its key does not exist) and deletes the old one (condition: it still is what was
  loaded). `plan_save` returns a move plan when a key attribute changed.
- **Delete** is conditioned on the whole loaded item: it exists and every non-key
  attribute still holds its loaded value (or on the version attribute, if named). An
  attribute *added* by someone else meanwhile cannot be detected: DynamoDB has no
  condition "no other attributes". A condition expression is at most 4 KB (about 200
  attributes with placeholders); for a wider item the condition checks the key and as
  many attributes as fit, and the plan's `note` says so (name a version attribute to
  check the item fully). A delete of an item someone else already deleted succeeds with
  a note: the item is gone, as wanted.
- **Overwrite** after a conflict starts from "theirs" and makes the user's changes to it,
  conditioned on theirs: the other writer's changes to attributes the user did not touch
  survive, and a third change meanwhile is a conflict again.
- **Batch delete** checks every key by DynamoDB's key rules first (a bad key fails alone,
  unsent) and sends a repeated key once (DynamoDB refuses a whole batch holding one key
  twice); 25 checked keys are far below BatchWriteItem's 16 MB.
- **Lost responses.** When botocore retried a request (``RetryAttempts > 0``) and the
  retry failed its condition, the first attempt may have succeeded with its answer lost.
  If the item now holds exactly what this write meant (the changed attributes hold the
  new values, the created item is there, the deleted item is gone, the moved item sits
  at its new key and the old key is empty), the write is reported as done, with a note.
  Otherwise it is a `Conflict` carrying loaded, theirs (``ALL_OLD``; None if the item is
  gone) and mine.
- **Retries this module adds**: ``TransactionConflictException`` (and a transaction
  cancelled for ``TransactionConflict``) are retried with capped full jitter, the
  transaction keeping its ``ClientRequestToken``; ``UnprocessedItems`` of a batch delete
  likewise. botocore's standard retries handle throttling and 5xx underneath.
- **Read-only** connections refuse `save` and `delete_many` before anything is sent.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, localcontext
from typing import Any

from app.catalog import TableInfo
from app.codec import TYPE_NAMES, display, number
from app.connections import Connection
from app.errors import AwsError, DynascopeError, ReadOnlyError
from app.expressions import (
    MAX_EXPRESSION_BYTES,
    And,
    AttributeExists,
    AttributeNotExists,
    Compare,
    Condition,
    Path,
    Renderer,
    SpecError,
    Value,
)
from app.updates import Update
from app.validate import number_problem, problems

Item = dict[str, dict[str, Any]]
AttributeValue = dict[str, Any]

#: DynamoDB's limit for one BatchWriteItem
BATCH_WRITE_LIMIT = 25
#: how often a write is tried when a transaction conflicts (ours, on top of botocore's)
CONFLICT_ATTEMPTS = 5
#: rounds in a row a batch may come back with unprocessed items before those items fail
UNPROCESSED_ROUNDS = 8
#: capped full jitter: sleep uniform(0, min(cap, base * 2**n)) seconds
BACKOFF_BASE_S = 0.05
BACKOFF_CAP_S = 5.0
#: problems listed in one message before "and N more"
_LISTED = 8
_WIDE = Context(prec=400)  # exact for any sum of DynamoDB numbers (1E-130 .. 1E+126)

LOST_RESPONSE_NOTE = ("DynamoDB's answer to the first attempt was lost and botocore tried "
                      "again; the item already holds what you saved, so the first attempt "
                      "went through.")

Sleep = Callable[[float], Awaitable[Any]]
Rng = Callable[[], float]


# ---------------------------------------------------------------- errors

class WriteError(DynascopeError):
    """A write that was refused or failed; the message says whether anything changed."""


class ReadOnlyConnection(WriteError, ReadOnlyError):
    """The connection is marked read-only; nothing was sent."""


class InvalidItem(WriteError):
    """The item breaks DynamoDB's rules; nothing was sent. `problems` lists them."""

    def __init__(self, found: Sequence[str], what: str = "item") -> None:
        self.problems = list(found)
        listed = "; ".join(self.problems[:_LISTED])
        more = len(self.problems) - _LISTED
        if more > 0:
            listed += f"; and {more} more"
        count = "a problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        super().__init__(f"Nothing was sent: the {what} has {count} DynamoDB would refuse: "
                         f"{listed}.", "Fix the item and try again.")


class ItemExists(WriteError):
    """An item with that key is already in the table; nothing was changed."""

    def __init__(self, table: str, key: Item, existing: Item | None) -> None:
        self.table = table
        self.key = key
        self.existing = existing
        super().__init__(f"An item with key {key_text(key)} already exists in table {table}; "
                         "nothing was changed.",
                         "Choose another key, or open that item and edit it instead.")


class Conflict(WriteError):
    """The item changed after it was loaded; nothing was written.

    `loaded` is what the user saw, `theirs` what the table holds now (None if the item
    is gone), `mine` what the user wanted; `plan` the write that was refused.
    """

    def __init__(self, plan: WritePlan, theirs: Item | None) -> None:
        self.plan = plan
        self.loaded = plan.loaded
        self.theirs = theirs
        self.mine = plan.edited
        done = "deleted" if plan.kind == "delete" else "saved"
        if theirs is None:
            super().__init__(f"The item was deleted after you loaded it; nothing was {done}.",
                             "Create it again from your version, or cancel.")
        else:
            super().__init__(f"Someone else changed this item after you loaded it; nothing "
                             f"was {done}.",
                             "Compare their version with yours, then reload, overwrite "
                             "theirs, or cancel.")


# ---------------------------------------------------------------- values

def same_value(a: AttributeValue, b: AttributeValue) -> bool:
    """True when DynamoDB holds the two AttributeValues equal: numbers by value, sets
    without order, binary as bytes, lists in order, maps by name."""
    try:
        ((ta, pa),) = a.items()
        ((tb, pb),) = b.items()
    except (AttributeError, ValueError):
        return a == b
    if ta != tb:
        return False
    if ta == "N":
        return _num(pa) == _num(pb)
    if ta == "B":
        return bytes(pa) == bytes(pb)
    if ta == "NS":
        return len(pa) == len(pb) and {_num(m) for m in pa} == {_num(m) for m in pb}
    if ta in ("SS", "BS"):
        conv = bytes if ta == "BS" else str
        return len(pa) == len(pb) and {conv(m) for m in pa} == {conv(m) for m in pb}
    if ta == "L":
        return len(pa) == len(pb) and all(same_value(x, y) for x, y in zip(pa, pb, strict=True))
    if ta == "M":
        return pa.keys() == pb.keys() and all(same_value(pa[k], pb[k]) for k in pa)
    return pa == pb


def _num(text: str) -> Decimal | str:
    try:
        return number(text)  # exact: Decimal(text) never rounds
    except ValueError:
        return text


def same_item(a: Item | None, b: Item | None) -> bool:
    """True when the two items hold the same attributes with values equal by value."""
    if a is None or b is None:
        return a is b
    return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)


def key_of(table: TableInfo, item: Item) -> Item:
    """The item's primary key (partition key, and sort key if the table has one)."""
    missing = [f"{k.name}: the item has no {k.role}" for k in table.keys if k.name not in item]
    if missing:
        raise InvalidItem(missing)
    return {k.name: item[k.name] for k in table.keys}


def key_text(key: Item) -> str:
    """``pk = "a", sk = 3`` for messages."""
    return ", ".join(f"{name} = {_shown(value)}" for name, value in key.items())


def _shown(value: AttributeValue) -> str:
    text = display(value, limit=60)
    return f'"{text}"' if "S" in value else text


# ---------------------------------------------------------------- diff

@dataclass(frozen=True)
class Change:
    """One top-level attribute that differs: `old` None if it was absent when loaded,
    `new` None if the user removed it."""

    name: str
    old: AttributeValue | None
    new: AttributeValue | None

    @property
    def path(self) -> Path:
        return Path.attr(self.name)

    @property
    def action(self) -> str:
        """"add", "remove" or "set"."""
        if self.old is None:
            return "add"
        return "remove" if self.new is None else "set"

    def describe(self) -> str:
        """One line for the save preview: ``price: 12.50 → 13``."""
        old = "(absent)" if self.old is None else _shown(self.old)
        new = "(removed)" if self.new is None else _shown(self.new)
        return f"{self.name}: {old} → {new}"


def diff(loaded: Item, edited: Item) -> list[Change]:
    """The top-level attributes that differ, compared by value: changed and added ones in
    the edited item's order, then removed ones in the loaded item's order."""
    changes = [Change(name, loaded.get(name), value) for name, value in edited.items()
               if name not in loaded or not same_value(loaded[name], value)]
    changes += [Change(name, value, None) for name, value in loaded.items()
                if name not in edited]
    return changes


# ---------------------------------------------------------------- plans

@dataclass(frozen=True, eq=False)
class WritePlan:
    """One write, ready to send: `request` is exactly the keyword arguments of the
    client's `operation`. Nothing has been sent when a plan exists."""

    kind: str  # "update", "create", "delete" or "move"
    table: TableInfo
    operation: str  # the client method: update_item, put_item, delete_item, ...
    request: dict[str, Any]
    loaded: Item | None  # what the condition expects (None for a create)
    edited: Item | None  # what the user asked for (None for a delete)
    mine: Item | None  # what the item becomes (edited, version bumped; None for a delete)
    changes: tuple[Change, ...] = ()
    version_attribute: str | None = None
    note: str = ""

    @property
    def action(self) -> str:
        """What the plan does, in words for messages."""
        return {"update": "save the item", "create": "create the item",
                "delete": "delete the item",
                "move": "move the item to its new key"}[self.kind]

    def describe(self) -> list[str]:
        """Lines for the "what will be sent" preview."""
        table = self.table.name
        if self.kind == "update":
            return [f"Update in {table}:"] + [c.describe() for c in self.changes]
        if self.kind == "create":
            return [f"Create in {table}: {key_text(key_of(self.table, self.mine or {}))}"]
        if self.kind == "delete":
            return [f"Delete from {table}: {key_text(key_of(self.table, self.loaded or {}))}"]
        old = key_text(key_of(self.table, self.loaded or {}))
        new = key_text(key_of(self.table, self.mine or {}))
        return [f"Move in {table}: {old} → {new}"]


def _validate(table: TableInfo, item: Item, what: str = "item") -> None:
    found = problems(item, table)
    if found:
        raise InvalidItem(found, what)


def _key_changed(table: TableInfo, loaded: Item, edited: Item) -> bool:
    return any(not same_value(loaded[k.name], edited[k.name]) for k in table.keys)


def _bumped(table: TableInfo, loaded: Item, version: str) -> AttributeValue:
    """The version's next value: loaded + 1, exact; 1 when the item has none yet."""
    if version in {k.name for k in table.keys}:
        raise WriteError(f"The version attribute {version} is a key attribute of table "
                         f"{table.name}; a version must be an ordinary attribute.",
                         "Choose another version attribute.")
    old = loaded.get(version)
    if old is None:
        return {"N": "1"}
    if set(old) != {"N"}:
        raise WriteError(f"The version attribute {version} holds {_kind(old)}, not a number; "
                         "nothing was sent.",
                         "Choose the attribute that counts versions, or save without one.")
    with localcontext(_WIDE):
        text = str(number(old["N"]) + 1)
    problem = number_problem(text)
    if problem:
        raise WriteError(f"The version attribute {version} cannot go up by one: {problem}.",
                         "Save without a version attribute.")
    return {"N": text}


def _kind(value: AttributeValue) -> str:
    return TYPE_NAMES.get(next(iter(value), ""), "something else")


def _with_version(table: TableInfo, loaded: Item, edited: Item,
                  version: str | None) -> tuple[Item, AttributeValue | None]:
    """The item to write (the version bumped) and the new version value."""
    if version is None:
        return dict(edited), None
    if not same_value(loaded.get(version, {}), edited.get(version, {})):
        kept = _shown(loaded[version]) if version in loaded else "absent"
        raise WriteError(f"The version attribute {version} is set by each save; it cannot "
                         f"be edited by hand. Nothing was sent.",
                         f"Leave it as it was loaded ({kept}).")
    new_version = _bumped(table, loaded, version)
    return {**edited, version: new_version}, new_version


def _render_condition(r: Renderer, parts: Sequence[Condition], what: str) -> str:
    try:
        return r.condition(And(*parts), "condition expression")
    except SpecError as err:
        raise WriteError(f"Nothing was sent: the condition for this {what} is longer than "
                         f"DynamoDB's {MAX_EXPRESSION_BYTES:,}-byte limit.",
                         "Change fewer attributes at once, or name a version attribute "
                         "for the table.") from err


def _expression_fields(r: Renderer) -> dict[str, Any]:
    out: dict[str, Any] = {"ExpressionAttributeNames": r.attribute_names}
    if r.attribute_values:
        out["ExpressionAttributeValues"] = r.attribute_values
    return out


def plan_save(table: TableInfo, loaded: Item, edited: Item,
              version_attribute: str | None = None) -> WritePlan | None:
    """The write that turns `loaded` into `edited`, or None when nothing changed.

    An UpdateItem of only the changed attributes, conditioned on the loaded values (or
    on `version_attribute`); a move (see `plan_move`) when a key attribute changed.
    Raises `InvalidItem` (nothing to send) when DynamoDB would refuse `edited`.
    """
    _validate(table, edited)
    key = key_of(table, loaded)
    if _key_changed(table, loaded, edited):
        return plan_move(table, loaded, edited, version_attribute)
    mine, new_version = _with_version(table, loaded, edited, version_attribute)
    changes = [c for c in diff(loaded, edited) if c.name != version_attribute]
    if not changes:
        return None
    if new_version is not None:
        _validate(table, mine)
    r = Renderer()
    sets = [(c.path, Value.of(c.new)) for c in changes if c.new is not None]
    removes = [c.path for c in changes if c.new is None]
    if version_attribute is not None and new_version is not None:
        sets.append((Path.attr(version_attribute), Value.of(new_version)))
    try:
        update = Update(tuple(sets), tuple(removes)).render(r)
    except SpecError as err:
        raise WriteError(f"Nothing was sent: {err.message}", err.hint) from err
    partition = Path.attr(table.partition_key.name)
    conditions: list[Condition] = [AttributeExists(partition)]
    if version_attribute is not None:
        old = loaded.get(version_attribute)
        version_path = Path.attr(version_attribute)
        conditions.append(AttributeNotExists(version_path) if old is None
                          else Compare(version_path, "=", Value.of(old)))
    else:
        conditions += [AttributeNotExists(c.path) if c.old is None
                       else Compare(c.path, "=", Value.of(c.old)) for c in changes]
    condition = _render_condition(r, conditions, "save")
    request = {
        "TableName": table.name,
        "Key": key,
        "UpdateExpression": update,
        "ConditionExpression": condition,
        **_expression_fields(r),
        "ReturnValues": "ALL_NEW",
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return WritePlan("update", table, "update_item", request, loaded, edited, mine,
                     tuple(changes), version_attribute)


def _absent_key(table: TableInfo, r: Renderer) -> str:
    return r.condition(AttributeNotExists(Path.attr(table.partition_key.name)),
                       "condition expression")


def plan_create(table: TableInfo, item: Item) -> WritePlan:
    """A PutItem of a new item, conditioned on no item having its key yet."""
    _validate(table, item)
    r = Renderer()
    request = {
        "TableName": table.name,
        "Item": item,
        "ConditionExpression": _absent_key(table, r),
        **_expression_fields(r),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return WritePlan("create", table, "put_item", request, None, item, dict(item))


def plan_duplicate(table: TableInfo, source: Item, new_key: Item) -> WritePlan:
    """A copy of `source` under `new_key` (a create: the new key must be free)."""
    if set(new_key) != {k.name for k in table.keys}:
        names = ", ".join(k.name for k in table.keys)
        raise WriteError(f"A duplicate needs a value for each key attribute ({names}) and "
                         "nothing else; nothing was sent.")
    copy = {**source, **new_key}
    if source and not _key_changed(table, source, copy):
        raise WriteError(f"The copy has the same key as the original ({key_text(new_key)}); "
                         "nothing was sent.", "Give the copy a different key.")
    return plan_create(table, copy)


def _item_condition(table: TableInfo, loaded: Item, version_attribute: str | None,
                    r: Renderer) -> tuple[str, str]:
    """(condition, note): the item exists and still is `loaded`, within 4 KB."""
    partition = Path.attr(table.partition_key.name)
    head: list[Condition] = [AttributeExists(partition)]
    if version_attribute is not None and version_attribute in loaded:
        head.append(Compare(Path.attr(version_attribute), "=",
                            Value.of(loaded[version_attribute])))
        return _render_condition(r, head, "delete"), ""
    keys = {k.name for k in table.keys}
    checks = [Compare(Path.attr(name), "=", Value.of(value))
              for name, value in loaded.items() if name not in keys]
    fit = _fitting(head + checks) - len(head)
    note = ""
    if fit < len(checks):
        note = (f"The item has {len(checks)} attributes besides its key, too many to check "
                f"in one condition (DynamoDB allows {MAX_EXPRESSION_BYTES:,} bytes): the "
                f"write checks that it exists and that {fit} of them still hold the values "
                "you loaded. Name a version attribute to check the whole item.")
    return _render_condition(r, head + checks[:fit], "delete"), note


def _fitting(parts: Sequence[Condition]) -> int:
    """How many of `parts`, joined with AND, fit in one condition expression."""
    scratch = Renderer()
    total = 0
    for count, part in enumerate(parts):
        size = len(part.render(scratch).encode("utf-8")) + (len(" AND ") if count else 0)
        if total + size > MAX_EXPRESSION_BYTES:
            return count
        total += size
    return len(parts)


def plan_delete(table: TableInfo, loaded: Item,
                version_attribute: str | None = None) -> WritePlan:
    """A DeleteItem conditioned on the item still being what was loaded."""
    key = key_of(table, loaded)
    _validate(table, key, "key")
    r = Renderer()
    condition, note = _item_condition(table, loaded, version_attribute, r)
    request = {
        "TableName": table.name,
        "Key": key,
        "ConditionExpression": condition,
        **_expression_fields(r),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    return WritePlan("delete", table, "delete_item", request, loaded, None, None,
                     version_attribute=version_attribute, note=note)


def plan_move(table: TableInfo, loaded: Item, edited: Item,
              version_attribute: str | None = None) -> WritePlan:
    """A key change: one TransactWriteItems that puts `edited` under its new key (which
    must be free) and deletes the loaded item (which must still be what was loaded).
    The request carries a ClientRequestToken, reused whenever this plan is retried."""
    _validate(table, edited)
    old_key = key_of(table, loaded)
    if not _key_changed(table, loaded, edited):
        raise WriteError("The key did not change, so this is a save, not a move; "
                         "nothing was sent.")
    mine, new_version = _with_version(table, loaded, edited, version_attribute)
    if new_version is not None:
        _validate(table, mine)
    put_r, delete_r = Renderer(), Renderer()
    put = {
        "TableName": table.name,
        "Item": mine,
        "ConditionExpression": _absent_key(table, put_r),
        **_expression_fields(put_r),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    condition, note = _item_condition(table, loaded, version_attribute, delete_r)
    delete = {
        "TableName": table.name,
        "Key": old_key,
        "ConditionExpression": condition,
        **_expression_fields(delete_r),
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    request = {"TransactItems": [{"Put": put}, {"Delete": delete}],
               "ClientRequestToken": uuid.uuid4().hex}
    return WritePlan("move", table, "transact_write_items", request, loaded, edited, mine,
                     tuple(diff(loaded, edited)), version_attribute, note)


def _apply(base: Item, changes: Iterable[Change]) -> Item:
    """`base` with `changes` made to it (their `new` values set, removals removed)."""
    out = dict(base)
    for change in changes:
        if change.new is None:
            out.pop(change.name, None)
        else:
            out[change.name] = change.new
    return out


def plan_overwrite(conflict: Conflict) -> WritePlan | None:
    """After a conflict, the user's changes written over "theirs".

    The new plan starts from theirs and makes the user's changes to it (the attributes
    the user changed, added or removed; for a move, also the new key), so changes of
    theirs to other attributes survive. It is conditioned on theirs: it only goes through
    if the item is still what the conflict showed. None when nothing is left to do
    (theirs already holds the user's changes, or the item to delete is gone). An item
    deleted meanwhile is created again from the user's version.
    """
    plan = conflict.plan
    theirs = conflict.theirs
    table, version = plan.table, plan.version_attribute
    if plan.kind == "delete":
        return None if theirs is None else plan_delete(table, theirs, version)
    if plan.kind not in ("update", "move") or plan.mine is None:
        raise WriteError(f"A conflict in a {plan.kind} cannot be overwritten.")
    if theirs is None:  # the item was deleted meanwhile: create the user's version
        return plan_create(table, plan.mine)
    edited = _apply(theirs, plan.changes)  # keeps theirs' version: the save bumps it
    if plan.kind == "move":
        return plan_move(table, theirs, edited, version)
    return plan_save(table, theirs, edited, version)


# ---------------------------------------------------------------- running a plan

@dataclass(frozen=True)
class SaveResult:
    """A write that went through. `item` is the item as it now is (None after a delete);
    `note` says anything the user should know (e.g. a lost response that had in fact
    succeeded); `retried` is how many times botocore retried the request."""

    plan: WritePlan
    item: Item | None
    note: str = ""
    retried: int = 0


def _refuse_read_only(conn: Connection, what: str) -> None:
    if conn.profile.read_only:
        raise ReadOnlyConnection(f"{conn.profile.name} is read-only: Dynascope did not "
                                 f"{what}, and nothing was sent.",
                                 "Edit the connection and clear “Read-only” to make changes.")


def backoff(attempt: int, rng: Rng = random.random, base: float = BACKOFF_BASE_S,
            cap: float = BACKOFF_CAP_S) -> float:
    """Capped full jitter: a delay drawn uniformly from 0 to min(cap, base * 2**attempt)."""
    return rng() * min(cap, base * 2 ** min(attempt, 60))


def _failure(err: AwsError) -> tuple[dict[str, Any], int]:
    """The raw error response behind `err` and how often botocore retried it."""
    response = getattr(err.__cause__, "response", None) or {}
    return response, int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)


def _meant(plan: WritePlan, theirs: Item | None) -> bool:
    """True when `theirs` (the item now) is what `plan` meant to leave behind."""
    if plan.kind == "delete":
        return theirs is None
    if plan.kind == "create":
        return same_item(theirs, plan.mine)
    if theirs is None or plan.mine is None:
        return False
    names = [c.name for c in plan.changes]
    if plan.version_attribute is not None:
        names.append(plan.version_attribute)
    for name in names:
        want = plan.mine.get(name)
        have = theirs.get(name)
        if (want is None) != (have is None) or (want is not None and not same_value(want, have)):
            return False
    return True


def _settle_condition(plan: WritePlan, theirs: Item | None, retried: int) -> SaveResult:
    """A failed condition: done after all, already as wanted, or a conflict."""
    if retried and _meant(plan, theirs):
        return SaveResult(plan, theirs, LOST_RESPONSE_NOTE, retried)
    if plan.kind == "create":
        raise ItemExists(plan.table.name, key_of(plan.table, plan.mine or {}), theirs)
    if plan.kind == "delete" and theirs is None:
        return SaveResult(plan, None, "The item had already been deleted by someone else.",
                          retried)
    raise Conflict(plan, theirs)


def _settle_move(plan: WritePlan, reasons: list[dict[str, Any]], retried: int) -> SaveResult:
    put, delete = [*reasons, {}, {}][:2]
    put_failed = put.get("Code") == "ConditionalCheckFailed"
    delete_failed = delete.get("Code") == "ConditionalCheckFailed"
    existing = put.get("Item")
    old_now = delete.get("Item")
    if (retried and put_failed and same_item(existing, plan.mine)
            and delete_failed and old_now is None):
        return SaveResult(plan, existing, LOST_RESPONSE_NOTE, retried)
    if put_failed:
        raise ItemExists(plan.table.name, key_of(plan.table, plan.mine or {}), existing)
    raise Conflict(plan, old_now)


def _conflicting(err: AwsError) -> bool:
    """A transaction got in the way: nothing was written, trying again is safe."""
    if err.code == "TransactionConflictException":
        return True
    if err.code == "TransactionCanceledException":
        reasons = _failure(err)[0].get("CancellationReasons") or []
        codes = {r.get("Code") for r in reasons}
        return "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes
    return False


async def save(conn: Connection, plan: WritePlan, *, sleep: Sleep = asyncio.sleep,
               rng: Rng = random.random, attempts: int = CONFLICT_ATTEMPTS) -> SaveResult:
    """Send `plan`. Returns a `SaveResult`; raises `Conflict` when the item changed since
    it was loaded, `ItemExists` when a create or move finds its key taken,
    `ReadOnlyConnection` (nothing sent) on a read-only connection, and other
    `DynascopeError`s for everything else. Never sends anything but `plan.request`
    (a retried transaction keeps its ClientRequestToken)."""
    _refuse_read_only(conn, plan.action)
    for attempt in range(attempts):
        try:
            response = await conn.call(plan.operation, plan.action, **plan.request)
        except AwsError as err:
            raw, retried = _failure(err)
            if err.code == "ConditionalCheckFailedException":
                return _settle_condition(plan, raw.get("Item"), retried)
            if err.code == "TransactionCanceledException" and any(
                    r.get("Code") == "ConditionalCheckFailed"
                    for r in raw.get("CancellationReasons") or []):
                return _settle_move(plan, list(raw["CancellationReasons"]), retried)
            if _conflicting(err) and attempt + 1 < attempts:
                await sleep(backoff(attempt, rng))
                continue
            if _conflicting(err):
                raise WriteError(f"Could not {plan.action}: other transactions kept changing "
                                 f"it ({attempts} tries); nothing was written.",
                                 "Try again in a moment.") from err
            raise
        retried = int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0) or 0)
        item = response.get("Attributes") if plan.kind == "update" else plan.mine
        return SaveResult(plan, item, plan.note, retried)
    raise AssertionError("unreachable")  # pragma: no cover


async def save_changes(conn: Connection, table: TableInfo, loaded: Item, edited: Item,
                       version_attribute: str | None = None, **options: Any
                       ) -> SaveResult | None:
    """Plan and send a save in one step: None, with nothing sent, when nothing changed.
    `options` go to `save`."""
    _refuse_read_only(conn, "save the item")
    plan = plan_save(table, loaded, edited, version_attribute)
    if plan is None:
        return None
    return await save(conn, plan, **options)


# ---------------------------------------------------------------- deleting many

@dataclass
class DeleteSummary:
    """What a batch delete did: `deleted` keys gone, `failed` (key, reason) pairs,
    `cancelled` if the user stopped it, `remaining` keys not attempted."""

    table: str
    total: int
    deleted: int = 0
    failed: list[tuple[Item, str]] = field(default_factory=list)
    cancelled: bool = False
    remaining: int = 0

    @property
    def message(self) -> str:
        text = f"Deleted {self.deleted:,} of {self.total:,} items from {self.table}."
        if self.failed:
            text += f" {len(self.failed):,} could not be deleted."
        if self.cancelled:
            text += f" Cancelled: {self.remaining:,} were not attempted."
        return text


def confirm_delete_text(table: str, count: int) -> str:
    """What the confirmation dialog asks before a batch delete."""
    items = "1 item" if count == 1 else f"{count:,} items"
    return f"Delete {items} from table {table}? This cannot be undone."


def _key_id(key: Item) -> tuple:
    """A hashable identity of a key, numbers by value (so "1" and "1.0" are one key)."""
    out = []
    for name, value in sorted(key.items()):
        ((typ, payload),) = value.items()
        if typ == "N":
            payload = _num(payload)
        elif typ == "B":
            payload = bytes(payload)
        out.append((name, typ, payload))
    return tuple(out)


def _key_problems(table: TableInfo | None, key: Any) -> list[str]:
    if not isinstance(key, dict) or not key:
        return ["a key is a map of key attribute names to values"]
    if table is None:
        return problems(key)
    names = {k.name for k in table.keys}
    extra = sorted(set(key) - names)
    if extra:
        return [f"{', '.join(extra)}: a key holds only the key attributes "
                f"({', '.join(k.name for k in table.keys)})"]
    return problems(key, table)


CancelFlag = asyncio.Event | Callable[[], bool] | None
Progress = Callable[[int, int], Any] | None

# Errors that hit one batch only; any other error stops the whole delete.
_BATCH_ONLY = {"ValidationException", "ItemCollectionSizeLimitExceededException"}


def _is_set(cancelled: CancelFlag) -> bool:
    if cancelled is None:
        return False
    if isinstance(cancelled, asyncio.Event):
        return cancelled.is_set()
    return bool(cancelled())


async def _report(progress: Progress, done: int, total: int) -> None:
    if progress is not None:
        result = progress(done, total)
        if inspect.isawaitable(result):
            await result


async def delete_many(conn: Connection, table: TableInfo | str, keys: Iterable[Item],
                      progress: Progress = None, cancelled: CancelFlag = None, *,
                      sleep: Sleep = asyncio.sleep, rng: Rng = random.random,
                      max_rounds: int = UNPROCESSED_ROUNDS) -> DeleteSummary:
    """Delete the items with `keys` in BatchWriteItem requests of at most 25.

    Keys are checked first (a bad key fails alone, nothing is sent for it) and repeated
    keys are deleted once. Items DynamoDB leaves unprocessed are sent again after a
    capped full-jitter pause; an item left unprocessed `max_rounds` times in a row fails.
    `progress(done, total)` is called after each request; `cancelled` (an `asyncio.Event`
    or a callable) is checked before each request, and a cancelled delete stops and
    reports what it did. Refuses a read-only connection before anything is sent.
    """
    info = table if isinstance(table, TableInfo) else None
    name = table.name if isinstance(table, TableInfo) else table
    keys = list(keys)
    _refuse_read_only(conn, f"delete {len(keys):,} items from table {name}")
    summary = DeleteSummary(name, 0)
    pending: deque[Item] = deque()
    seen: set[tuple] = set()
    for key in keys:
        found = _key_problems(info, key)
        if found:
            summary.failed.append((key, "; ".join(found)))
            continue
        ident = _key_id(key)
        if ident not in seen:
            seen.add(ident)
            pending.append(key)
    summary.total = len(pending) + len(summary.failed)
    await _report(progress, len(summary.failed), summary.total)
    streak = 0
    while pending:
        if _is_set(cancelled):
            summary.cancelled = True
            break
        chunk = [pending.popleft() for _ in range(min(BATCH_WRITE_LIMIT, len(pending)))]
        request = {"RequestItems": {name: [{"DeleteRequest": {"Key": k}} for k in chunk]}}
        try:
            response = await conn.call("batch_write_item", f"delete items from {name}",
                                       **request)
        except DynascopeError as err:
            summary.failed += [(k, str(err)) for k in chunk]
            if getattr(err, "code", "") not in _BATCH_ONLY:
                summary.failed += [(k, str(err)) for k in pending]
                pending.clear()
            await _report(progress, summary.deleted + len(summary.failed), summary.total)
            continue
        left = [r["DeleteRequest"]["Key"]
                for r in (response.get("UnprocessedItems") or {}).get(name, [])]
        summary.deleted += len(chunk) - len(left)
        if left:
            streak += 1
            if streak >= max_rounds:
                reason = (f"DynamoDB left it unprocessed {streak} times in a row (the table "
                          "is throttling); try again later.")
                summary.failed += [(k, reason) for k in left]
                streak = 0
            else:
                pending.extendleft(reversed(left))
        else:
            streak = 0
        await _report(progress, summary.deleted + len(summary.failed), summary.total)
        if left and streak:
            await sleep(backoff(streak - 1, rng))
    summary.remaining = len(pending)
    return summary


__all__ = [
    "BATCH_WRITE_LIMIT", "LOST_RESPONSE_NOTE", "Change", "Conflict", "DeleteSummary",
    "InvalidItem", "ItemExists", "ReadOnlyConnection", "SaveResult", "WriteError",
    "WritePlan", "backoff", "confirm_delete_text", "delete_many", "diff", "key_of",
    "key_text", "plan_create", "plan_delete", "plan_duplicate", "plan_move",
    "plan_overwrite", "plan_save", "same_item", "same_value", "save", "save_changes",
]
