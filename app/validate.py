"""DynamoDB's own rules for an item, checked before anything is sent.

These are DynamoDB's rules, not moto's: moto accepts 39-digit numbers, duplicate set
members and 40-deep nesting, DynamoDB does not. Each problem is a sentence that names the
attribute path and the rule, e.g. "price: a number has at most 38 significant digits
(this one has 39)". Sizes follow the rules AWS documents ("Item sizes and formats").
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from app.catalog import KeyAttribute, TableInfo
from app.codec import TYPE_NAMES, TYPES, number, path_text

Item = dict[str, dict[str, Any]]

MAX_ITEM_BYTES = 400 * 1024  # 409,600
#: Levels of nesting: a top-level value is level 1, each list or map adds one.
MAX_DEPTH = 32
MAX_DIGITS = 38
SMALLEST = Decimal("1E-130")
LARGEST = Decimal("9.9999999999999999999999999999999999999E+125")
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024
MAX_NAME_BYTES = 65535
READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
#: A list or map costs 3 bytes, and each of its elements 1 byte more than its own size.
DOCUMENT_OVERHEAD = 3
ELEMENT_OVERHEAD = 1


def _utf8_len(text: str) -> int:
    # surrogatepass: a size for text DynamoDB would refuse, instead of an exception
    return len(text.encode("utf-8", "surrogatepass"))


def significant_digits(value: Decimal) -> int:
    """Digits from the first non-zero one to the last non-zero one (zero has none)."""
    digits = value.as_tuple().digits  # the coefficient: no leading zeros
    count = len(digits)
    while count and digits[count - 1] == 0:
        count -= 1
    return count


def number_size(text: str) -> int:
    """A number's size as AWS documents it: 1 byte per two significant digits, plus 1."""
    try:
        digits = significant_digits(number(text))
    except ValueError:
        return len(text)
    return math.ceil(digits / 2) + 1


def value_size(value: Any) -> int:
    """The size DynamoDB counts for one AttributeValue (not including its name)."""
    if not isinstance(value, dict) or len(value) != 1:
        return 0
    ((typ, payload),) = value.items()
    try:
        if typ == "S":
            return _utf8_len(payload)
        if typ == "N":
            return number_size(payload)
        if typ == "B":
            return len(payload)
        if typ in ("BOOL", "NULL"):
            return 1
        if typ == "SS":
            return sum(_utf8_len(m) for m in payload)
        if typ == "NS":
            return sum(number_size(m) for m in payload)
        if typ == "BS":
            return sum(len(m) for m in payload)
        if typ == "L":
            return DOCUMENT_OVERHEAD + sum(ELEMENT_OVERHEAD + value_size(m) for m in payload)
        if typ == "M":
            return DOCUMENT_OVERHEAD + sum(ELEMENT_OVERHEAD + _utf8_len(k) + value_size(v)
                                           for k, v in payload.items())
    except (TypeError, AttributeError):
        return 0
    return 0


def item_size(item: Item) -> int:
    """The item's size as DynamoDB computes it: each attribute's name (UTF-8 bytes) plus
    its value's size. The limit is `MAX_ITEM_BYTES`."""
    return sum(_utf8_len(name) + value_size(value) for name, value in item.items())


def capacity_units(size: int) -> tuple[int, float, int]:
    """What reading or writing an item of `size` bytes costs: (RCU for a strongly
    consistent read, RCU for an eventually consistent read, WCU)."""
    reads = max(1, math.ceil(size / READ_UNIT_BYTES))
    writes = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return reads, reads / 2, writes


def number_problem(text: str) -> str | None:
    """Why DynamoDB would refuse this number string, or None."""
    try:
        value = number(text)
    except ValueError:
        return f"{_quoted(text)} is not a number"
    digits = significant_digits(value)
    if digits > MAX_DIGITS:
        return f"a number has at most {MAX_DIGITS} significant digits (this one has {digits})"
    magnitude = value.copy_abs()  # exact; abs() would round to the context's precision
    if magnitude > LARGEST:
        return f"a number is at most {LARGEST} in magnitude (this one is {text})"
    if magnitude and magnitude < SMALLEST:
        return f"a number other than 0 is at least 1E-130 in magnitude (this one is {text})"
    return None


def _quoted(text: Any) -> str:
    text = str(text)
    return '"' + (text if len(text) <= 40 else text[:40] + "…") + '"'


def _type_of(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        typ = next(iter(value))
        return typ if typ in TYPE_NAMES else None
    return None


class _Checker:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.too_deep: set[str] = set()  # top-level names already reported as too deep

    def add(self, parts: tuple, rule: str) -> None:
        self.out.append(f"{path_text(parts)}: {rule}")

    def value(self, value: Any, parts: tuple, level: int) -> None:
        if level > MAX_DEPTH:
            if parts[0] not in self.too_deep:
                self.too_deep.add(parts[0])
                self.add(parts, f"values nest at most {MAX_DEPTH} levels deep "
                                f"(this one is at level {level})")
            return
        typ = _type_of(value)
        if typ is None:
            self.add(parts, 'a value is one type and its payload, e.g. {"S": "text"}; the '
                            f"types are {', '.join(TYPES)}")
            return
        payload = value[typ]
        if typ == "S":
            self.text(payload, parts, "a string (S)")
        elif typ == "N":
            if not isinstance(payload, str):
                self.add(parts, "a number (N) is held as a string")
            elif (problem := number_problem(payload)) is not None:
                self.add(parts, problem)
        elif typ == "B":
            if not isinstance(payload, bytes):
                self.add(parts, "binary (B) is held as bytes")
        elif typ == "BOOL":
            if not isinstance(payload, bool):
                self.add(parts, "a boolean (BOOL) is true or false")
        elif typ == "NULL":
            if payload is not True:
                self.add(parts, "NULL is always true")
        elif typ in ("SS", "NS", "BS"):
            self.set(typ, payload, parts)
        elif typ == "L":
            if not isinstance(payload, list):
                self.add(parts, "a list (L) holds a list of values")
                return
            for i, member in enumerate(payload):
                self.value(member, (*parts, i), level + 1)
        else:
            if not isinstance(payload, dict):
                self.add(parts, "a map (M) holds names and values")
                return
            for name, member in payload.items():
                if self.name(name, (*parts, name), top=False):
                    self.value(member, (*parts, name), level + 1)

    def text(self, payload: Any, parts: tuple, what: str) -> bool:
        if not isinstance(payload, str):
            self.add(parts, f"{what} is held as text")
            return False
        try:
            payload.encode("utf-8")
        except UnicodeEncodeError:
            self.add(parts, f"{what} must be valid Unicode (this one holds a lone surrogate)")
            return False
        return True

    def name(self, name: Any, parts: tuple, top: bool) -> bool:
        if not isinstance(name, str):
            self.add(parts[:-1] or ("?",), f"an attribute name is text, not {name!r}")
            return False
        if top and not name:
            self.add(parts, "an attribute name cannot be empty")
            return False
        if not self.text(name, parts, "an attribute name"):
            return False
        if _utf8_len(name) > MAX_NAME_BYTES:
            self.add(parts, f"an attribute name is at most {MAX_NAME_BYTES} bytes "
                            f"(this one is {_utf8_len(name)})")
            return False
        return True

    def set(self, typ: str, payload: Any, parts: tuple) -> None:
        kind = bytes if typ == "BS" else str
        if not isinstance(payload, (list, tuple)) or not all(isinstance(m, kind) for m in payload):
            self.add(parts, f"{TYPE_NAMES[typ]} holds a list of its members")
            return
        if not payload:
            self.add(parts, "a set cannot be empty (remove the attribute, or use an empty list)")
            return
        seen: dict[Any, Any] = {}
        for i, member in enumerate(payload):
            key: Any = member
            if typ == "NS":
                problem = number_problem(member)
                if problem is not None:
                    self.add(parts, f"member {i + 1}: {problem}")
                    continue
                key = number(member)
            elif typ == "SS" and not self.text(member, parts, f"member {i + 1}"):
                continue
            if key in seen:
                first = seen[key]
                if typ == "NS" and first != member:
                    self.add(parts, f"a set's members are unique, but {first} and {member} "
                                    "are the same number")
                else:
                    shown = member if typ == "NS" else _quoted(
                        member if typ == "SS" else member.hex() or "(empty)")
                    self.add(parts, f"a set's members are unique, but {shown} appears "
                                    "more than once")
                return
            seen[key] = member

    def key(self, item: Item, key: KeyAttribute, role: str, limit: int,
            required: bool) -> None:
        parts = (key.name,)
        wanted = TYPE_NAMES.get(key.attribute_type, key.attribute_type)
        if key.name not in item:
            if required:
                self.add(parts, f"the item has no {role}; it must be {wanted}")
            return
        typ = _type_of(item[key.name])
        if key.attribute_type in ("S", "N", "B") and typ != key.attribute_type:
            found = TYPE_NAMES.get(typ or "", "not a valid value")
            self.add(parts, f"the {role} must be {wanted}, not {found}")
            return
        if typ is None:
            return  # reported with the attribute's own problems
        payload = item[key.name][typ]
        if typ in ("S", "B") and isinstance(payload, (str, bytes)):
            if not payload:
                empty = "an empty string" if typ == "S" else "empty binary"
                self.add(parts, f"the {role} cannot be {empty}")
                return
            size = _utf8_len(payload) if typ == "S" else len(payload)
            if size > limit:
                self.add(parts, f"the {role} is at most {limit} bytes (this one is {size})")

    def keys(self, item: Item, table: TableInfo) -> None:
        checked: set[str] = set()
        for key in table.keys:
            limit = MAX_PARTITION_KEY_BYTES if key.key_type == "HASH" else MAX_SORT_KEY_BYTES
            self.key(item, key, key.role, limit, required=True)
            checked.add(key.name)
        for index in table.indexes:
            for key in index.keys:
                if key.name in checked:
                    continue
                checked.add(key.name)
                hashed = key.key_type == "HASH"
                role = f"{'partition' if hashed else 'sort'} key of index {index.name}"
                limit = MAX_PARTITION_KEY_BYTES if hashed else MAX_SORT_KEY_BYTES
                self.key(item, key, role, limit, required=False)


def problems(item: Item, table: TableInfo | None = None) -> list[str]:
    """Every reason DynamoDB would refuse `item` (with `table`, its keys too); empty when
    DynamoDB would accept it. Empty strings and empty binary are fine outside keys."""
    if not isinstance(item, dict):
        return ["an item is a map of attribute names to values"]
    check = _Checker()
    if table is not None:
        check.keys(item, table)
    for name, value in item.items():
        if check.name(name, (name,), top=True):
            check.value(value, (name,), 1)
    size = item_size(item)
    if size > MAX_ITEM_BYTES:
        check.out.append(f"the item is {size:,} bytes; an item is at most {MAX_ITEM_BYTES:,} "
                         "bytes (400 KB)")
    return check.out
