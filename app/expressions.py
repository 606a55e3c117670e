"""Immutable conditions, key conditions and paths that render to DynamoDB expressions.

Every attribute name is sent as a ``#n`` placeholder and every value as a ``:v``
placeholder, so reserved words (``status``, ``name``, ``size``) and names holding ``.``,
``-``, spaces, ``#`` or ``:`` need no special care. One `Renderer` collects the names and
values of a whole request (key condition, filter and projection), so placeholders never
collide and a name or value used twice is sent once.

    >>> r = Renderer()
    >>> r.key_condition(Key("customer_id").eq("user-0001") & Key("order_date").begins_with("2025-"))
    '#n0 = :v0 AND begins_with(#n1, :v1)'
    >>> r.condition(Attr("status").is_in(["PAID", "SHIPPED"]) & ~Attr("coupon").exists())
    '#n2 IN (:v2, :v3) AND NOT attribute_exists(#n3)'

Values are AttributeValues in the low-level client's shape (``{"N": "12.50"}``); plain
``str``, ``int``, ``Decimal``, ``bytes``, ``bool`` and ``None`` are accepted as shorthands
for S, N, N, B, BOOL and NULL. A ``float`` is refused: it cannot hold DynamoDB's numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple

from app.errors import DynascopeError

#: DynamoDB's limit for any single expression string, in bytes
MAX_EXPRESSION_BYTES = 4096
#: DynamoDB's limit for the operands of IN
MAX_IN_OPERANDS = 100
#: DynamoDB's limit for the depth of a document path
MAX_PATH_DEPTH = 32
#: the type codes attribute_type() accepts
TYPE_CODES = ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")
#: the types a key attribute (and an ordering comparison) can have
SCALAR_TYPES = ("S", "N", "B")

TYPE_NAMES = {"S": "a string", "N": "a number", "B": "binary", "BOOL": "a boolean",
              "NULL": "null", "SS": "a string set", "NS": "a number set",
              "BS": "a binary set", "L": "a list", "M": "a map"}

COMPARATORS = ("=", "<>", "<", "<=", ">", ">=")
ORDERING = ("<", "<=", ">", ">=")


class SpecError(DynascopeError):
    """A condition, path or query spec that DynamoDB would refuse (or that cannot mean
    what the user wants): the message says which part and why."""


# ---------------------------------------------------------------- values

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _number(text: Any) -> str:
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        raise SpecError(f"{text!r} is not a number.",
                        "Write numbers as text in plain or exponent notation, e.g. \"12.50\".")
    return text


@dataclass(frozen=True)
class Value:
    """One AttributeValue, held immutably (hashable, so equal values share a placeholder).

    `data` is ``str`` (S, N), ``bytes`` (B), ``bool`` (BOOL, NULL), a tuple of those
    (SS, NS, BS), a tuple of `Value` (L) or a tuple of ``(name, Value)`` pairs (M).
    """

    type: str
    data: Any

    @classmethod
    def of(cls, value: Any) -> Value:
        """An AttributeValue dict, a `Value`, or a Python shorthand, as a `Value`."""
        if isinstance(value, Value):
            return value
        if isinstance(value, Mapping):
            return cls._from_wire(value)
        if isinstance(value, bool):
            return cls("BOOL", value)
        if value is None:
            return cls("NULL", True)
        if isinstance(value, str):
            return cls("S", value)
        if isinstance(value, int):
            return cls("N", str(value))
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise SpecError(f"{value} is not a number DynamoDB can store.")
            return cls("N", str(value))
        if isinstance(value, bytes | bytearray):
            return cls("B", bytes(value))
        if isinstance(value, float):
            raise SpecError(f"The value {value!r} is a float, which cannot hold DynamoDB's "
                            "numbers exactly.", 'Pass it as {"N": "..."} text or a Decimal.')
        raise SpecError(f"{value!r} is not a DynamoDB value.",
                        'Use an AttributeValue such as {"S": "text"} or {"N": "12.50"}.')

    @classmethod
    def _from_wire(cls, value: Mapping[str, Any]) -> Value:
        if len(value) != 1:
            raise SpecError(f"{dict(value)!r} is not an AttributeValue: it needs exactly "
                            "one type key, such as S or N.")
        (kind, data), = value.items()
        if kind == "S" and isinstance(data, str):
            return cls("S", data)
        if kind == "N":
            return cls("N", _number(data))
        if kind == "B" and isinstance(data, bytes | bytearray):
            return cls("B", bytes(data))
        if kind == "BOOL" and isinstance(data, bool):
            return cls("BOOL", data)
        if kind == "NULL" and data is True:
            return cls("NULL", True)
        if kind in ("SS", "NS", "BS") and isinstance(data, list | tuple | set | frozenset):
            return cls(kind, _set_members(kind, data))
        if kind == "L" and isinstance(data, list | tuple):
            return cls("L", tuple(cls.of(e) for e in data))
        if kind == "M" and isinstance(data, Mapping):
            return cls("M", tuple((str(k), cls.of(v)) for k, v in data.items()))
        raise SpecError(f"{dict(value)!r} is not a valid AttributeValue of type {kind}.")

    def wire(self) -> dict[str, Any]:
        """The AttributeValue as the low-level client sends it."""
        if self.type in ("SS", "NS", "BS"):
            return {self.type: list(self.data)}
        if self.type == "L":
            return {"L": [v.wire() for v in self.data]}
        if self.type == "M":
            return {"M": {k: v.wire() for k, v in self.data}}
        return {self.type: self.data}

    @property
    def number(self) -> Decimal:
        """An N value as an exact Decimal (construction from text never rounds)."""
        return Decimal(self.data)

    def __str__(self) -> str:
        if self.type == "S":
            return repr(self.data)
        if self.type == "N":
            return self.data
        if self.type == "BOOL":
            return "true" if self.data else "false"
        if self.type == "NULL":
            return "null"
        if self.type == "B":
            return f"<{len(self.data)} bytes>"
        return f"<{TYPE_NAMES[self.type]}>"


def _set_members(kind: str, data: Iterable[Any]) -> tuple[Any, ...]:
    members = tuple(data)
    if not members:
        raise SpecError(f"An empty {TYPE_NAMES[kind]} is not allowed in DynamoDB.")
    if kind == "SS":
        ok = all(isinstance(m, str) for m in members)
        seen = members
    elif kind == "NS":
        ok = all(isinstance(m, str) and _NUMBER.fullmatch(m) for m in members)
        seen = tuple(Decimal(m) for m in members) if ok else members
    else:
        ok = all(isinstance(m, bytes | bytearray) for m in members)
        members = tuple(bytes(m) for m in members) if ok else members
        seen = members
    if not ok:
        raise SpecError(f"{list(members)!r} is not a valid {TYPE_NAMES[kind]}.")
    if len(set(seen)) != len(seen):
        raise SpecError(f"The {TYPE_NAMES[kind]} {list(members)!r} repeats a member; "
                        "DynamoDB refuses duplicates in a set.")
    return members


def _ordered(a: Value, b: Value) -> bool:
    """True when a <= b in DynamoDB's order (numbers by value, strings by UTF-8 bytes)."""
    if a.type == "N":
        return a.number <= b.number
    if a.type == "S":
        return a.data.encode("utf-8") <= b.data.encode("utf-8")
    return a.data <= b.data


# ---------------------------------------------------------------- paths

_PLAIN_NAME = re.compile(r"[^.\[\]`]+")


@dataclass(frozen=True)
class Path:
    """A document path: attribute names (``str``) and list indexes (``int``).

    ``Path.parse("a.b[2].c")`` reads the dotted syntax; ``Path.attr("first.name")`` is the
    single top-level attribute called ``first.name``. In `parse`, a name in backticks is
    taken literally (`` `first.name`.x ``; a doubled backtick stands for one), which is
    also how ``str(path)`` writes names that need it, so ``Path.parse(str(p)) == p``.
    """

    segments: tuple[str | int, ...]

    def __post_init__(self) -> None:
        segs = tuple(self.segments)
        object.__setattr__(self, "segments", segs)
        if not segs:
            raise SpecError("An attribute path cannot be empty.")
        if not isinstance(segs[0], str):
            raise SpecError("An attribute path starts with an attribute name, not an index.")
        for seg in segs:
            if isinstance(seg, bool) or not isinstance(seg, str | int):
                raise SpecError(f"{seg!r} is neither an attribute name nor a list index.")
            if isinstance(seg, str) and not seg:
                raise SpecError("An attribute name cannot be empty.")
            if isinstance(seg, int) and seg < 0:
                raise SpecError(f"The list index [{seg}] is negative.")
        if len(segs) > MAX_PATH_DEPTH:
            raise SpecError(f"The path {self} is {len(segs)} levels deep; DynamoDB allows "
                            f"at most {MAX_PATH_DEPTH}.")

    @classmethod
    def attr(cls, name: str) -> Path:
        """The top-level attribute `name`, taken literally (dots and brackets included)."""
        return cls((name,))

    @classmethod
    def of(cls, *segments: str | int) -> Path:
        """A path from its segments: ``Path.of("a", "b", 2, "c")`` is ``a.b[2].c``."""
        return cls(tuple(segments))

    @classmethod
    def parse(cls, text: str) -> Path:
        """``a.b[2].c``; backticks quote a name holding ``.``, ``[``, ``]`` or a backtick."""
        segments: list[str | int] = []
        i, n = 0, len(text)
        expect_name = True
        while i < n or expect_name:
            if expect_name:
                if i < n and text[i] == "`":
                    name, i = _quoted(text, i)
                else:
                    m = _PLAIN_NAME.match(text, i)
                    if not m:
                        raise SpecError(f"The path {text!r} has an empty attribute name "
                                        f"at position {i + 1}.",
                                        "Put a name containing . [ ] or ` in backticks.")
                    name, i = m.group(), m.end()
                segments.append(name)
                expect_name = False
            elif text[i] == "[":
                close = text.find("]", i)
                digits = text[i + 1:close] if close > 0 else ""
                if not digits.isascii() or not digits.isdigit():
                    raise SpecError(f"The path {text!r} has a list index that is not a "
                                    f"number at position {i + 1}.")
                segments.append(int(digits))
                i = close + 1
            elif text[i] == ".":
                i += 1
                expect_name = True
            else:
                raise SpecError(f"The path {text!r} has an unexpected {text[i]!r} at "
                                f"position {i + 1}.",
                                "Put a name containing . [ ] or ` in backticks.")
        return cls(tuple(segments))

    def child(self, name: str) -> Path:
        return Path((*self.segments, name))

    def at(self, index: int) -> Path:
        return Path((*self.segments, index))

    @property
    def name(self) -> str:
        """The top-level attribute this path starts at."""
        return str(self.segments[0])

    def overlaps(self, other: Path) -> bool:
        """True when one path is the other or lies inside it."""
        k = min(len(self.segments), len(other.segments))
        return self.segments[:k] == other.segments[:k]

    def __str__(self) -> str:
        out = []
        for seg in self.segments:
            if isinstance(seg, int):
                out.append(f"[{seg}]")
            else:
                text = seg if _PLAIN_NAME.fullmatch(seg) else "`" + seg.replace("`", "``") + "`"
                out.append(("." if out else "") + text)
        return "".join(out)


def _quoted(text: str, i: int) -> tuple[str, int]:
    out = []
    i += 1
    while i < len(text):
        if text[i] == "`":
            if text[i + 1:i + 2] == "`":
                out.append("`")
                i += 2
                continue
            if not out:
                raise SpecError(f"The path {text!r} has an empty attribute name in backticks.")
            return "".join(out), i + 1
        out.append(text[i])
        i += 1
    raise SpecError(f"The path {text!r} has an unclosed backtick.")


def _path(value: Path | str | Attr) -> Path:
    if isinstance(value, Path):
        return value
    if isinstance(value, Attr):
        return value.path
    if isinstance(value, str):
        return Path.parse(value)
    raise SpecError(f"{value!r} is not an attribute path.")


@dataclass(frozen=True)
class Size:
    """``size(path)``: the length of a string or binary, or the members of a set, list or map."""

    path: Path


Operand = Path | Size | Value


def _operand(value: Any) -> Operand:
    if isinstance(value, Path | Size | Value):
        return value
    if isinstance(value, Attr):
        return value.path
    return Value.of(value)


def _describe(operand: Operand) -> str:
    if isinstance(operand, Size):
        return f"size({operand.path})"
    return str(operand)


# ---------------------------------------------------------------- conditions

class Condition:
    """A filter (or condition) expression: combine with ``&``, ``|`` and ``~``."""

    #: functions render as ``name(...)`` and need no parentheses after NOT
    _is_call: ClassVar[bool] = False

    def __and__(self, other: Condition) -> And:
        return And(self, other)

    def __or__(self, other: Condition) -> Or:
        return Or(self, other)

    def __invert__(self) -> Not:
        return Not(self)

    def render(self, r: Renderer) -> str:
        raise NotImplementedError

    def operands(self) -> Iterator[Operand]:
        """Every path, size and value this condition uses, depth first."""
        raise NotImplementedError

    def paths(self) -> Iterator[Path]:
        for o in self.operands():
            if isinstance(o, Path):
                yield o
            elif isinstance(o, Size):
                yield o.path


def _needs_scalar(op: str, v: Value) -> None:
    if v.type not in SCALAR_TYPES:
        raise SpecError(f"{op} compares strings, numbers or binary, but {v} is "
                        f"{TYPE_NAMES[v.type]}.", "Use = or <> for other types.")


def _size_number(op: str, side: Operand, other: Operand) -> None:
    if isinstance(side, Size) and isinstance(other, Value) and other.type != "N":
        raise SpecError(f"size({side.path}) is a number, but it is compared ({op}) with "
                        f"{TYPE_NAMES[other.type]} value {other}.")


@dataclass(frozen=True)
class Compare(Condition):
    """``left op right`` with op one of = <> < <= > >=."""

    left: Operand
    op: str
    right: Operand

    def __post_init__(self) -> None:
        if self.op not in COMPARATORS:
            raise SpecError(f"{self.op!r} is not a comparison; use one of "
                            f"{' '.join(COMPARATORS)}.")
        if isinstance(self.left, Value) and isinstance(self.right, Value):
            raise SpecError("A comparison needs an attribute on at least one side.")
        for side in (self.left, self.right):
            if isinstance(side, Value) and self.op in ORDERING:
                _needs_scalar(self.op, side)
        _size_number(self.op, self.left, self.right)
        _size_number(self.op, self.right, self.left)

    def render(self, r: Renderer) -> str:
        return f"{r.operand(self.left)} {self.op} {r.operand(self.right)}"

    def operands(self) -> Iterator[Operand]:
        yield self.left
        yield self.right


@dataclass(frozen=True)
class Between(Condition):
    """``operand BETWEEN low AND high`` (both ends included)."""

    operand: Path | Size
    low: Value
    high: Value

    def __post_init__(self) -> None:
        _check_between(_describe(self.operand), self.low, self.high)
        _size_number("BETWEEN", self.operand, self.low)

    def render(self, r: Renderer) -> str:
        return f"{r.operand(self.operand)} BETWEEN {r.value(self.low)} AND {r.value(self.high)}"

    def operands(self) -> Iterator[Operand]:
        yield from (self.operand, self.low, self.high)


def _check_between(what: str, low: Value, high: Value) -> None:
    _needs_scalar("BETWEEN", low)
    _needs_scalar("BETWEEN", high)
    if low.type != high.type:
        raise SpecError(f"BETWEEN on {what} needs both bounds of one type, but {low} is "
                        f"{TYPE_NAMES[low.type]} and {high} is {TYPE_NAMES[high.type]}.")
    if not _ordered(low, high):
        raise SpecError(f"BETWEEN on {what} has its lower bound {low} above its upper "
                        f"bound {high}.", "Swap the two bounds.")


@dataclass(frozen=True)
class In(Condition):
    """``operand IN (v1, v2, ...)`` with 1 to 100 values."""

    operand: Path | Size
    options: tuple[Value, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        count = len(self.options)
        if count == 0:
            raise SpecError(f"IN on {_describe(self.operand)} has no values to match.",
                            "Give at least one value.")
        if count > MAX_IN_OPERANDS:
            raise SpecError(f"IN on {_describe(self.operand)} has {count} values; DynamoDB "
                            f"allows at most {MAX_IN_OPERANDS}.",
                            "Split it into several IN conditions joined with OR.")
        for v in self.options:
            _size_number("IN", self.operand, v)

    def render(self, r: Renderer) -> str:
        return f"{r.operand(self.operand)} IN ({', '.join(r.value(v) for v in self.options)})"

    def operands(self) -> Iterator[Operand]:
        yield self.operand
        yield from self.options


@dataclass(frozen=True)
class BeginsWith(Condition):
    """``begins_with(path, prefix)``: a string or binary prefix."""

    _is_call: ClassVar[bool] = True
    path: Path
    prefix: Value

    def __post_init__(self) -> None:
        if self.prefix.type not in ("S", "B"):
            raise SpecError(f"begins_with on {self.path} needs a string or binary prefix, "
                            f"but {self.prefix} is {TYPE_NAMES[self.prefix.type]}.",
                            "Numbers have no prefixes: compare them with BETWEEN.")

    def render(self, r: Renderer) -> str:
        return f"begins_with({r.path(self.path)}, {r.value(self.prefix)})"

    def operands(self) -> Iterator[Operand]:
        yield from (self.path, self.prefix)


@dataclass(frozen=True)
class Contains(Condition):
    """``contains(path, operand)``: a substring, or a member of a set or list."""

    _is_call: ClassVar[bool] = True
    path: Path
    operand: Value | Path

    def __post_init__(self) -> None:
        if not isinstance(self.operand, Value | Path):
            raise SpecError(f"contains on {self.path} looks for a value or an attribute, "
                            f"not {_describe(self.operand)}.")
        if self.operand == self.path:
            raise SpecError(f"contains on {self.path} cannot look for the attribute in itself.")
        if isinstance(self.operand, Value) and self.operand.type in ("SS", "NS", "BS"):
            raise SpecError(f"contains on {self.path} looks for one member, not "
                            f"{TYPE_NAMES[self.operand.type]}.",
                            "Join one contains per member with AND.")

    def render(self, r: Renderer) -> str:
        return f"contains({r.path(self.path)}, {r.operand(self.operand)})"

    def operands(self) -> Iterator[Operand]:
        yield from (self.path, self.operand)


@dataclass(frozen=True)
class AttributeExists(Condition):
    _is_call: ClassVar[bool] = True
    path: Path

    def render(self, r: Renderer) -> str:
        return f"attribute_exists({r.path(self.path)})"

    def operands(self) -> Iterator[Operand]:
        yield self.path


@dataclass(frozen=True)
class AttributeNotExists(Condition):
    _is_call: ClassVar[bool] = True
    path: Path

    def render(self, r: Renderer) -> str:
        return f"attribute_not_exists({r.path(self.path)})"

    def operands(self) -> Iterator[Operand]:
        yield self.path


@dataclass(frozen=True)
class AttributeType(Condition):
    """``attribute_type(path, :t)`` with a type code (S SS N NS B BS BOOL NULL L M)."""

    _is_call: ClassVar[bool] = True
    path: Path
    type_code: str

    def __post_init__(self) -> None:
        if self.type_code not in TYPE_CODES:
            raise SpecError(f"{self.type_code!r} is not a DynamoDB type; use one of "
                            f"{' '.join(TYPE_CODES)}.")

    def render(self, r: Renderer) -> str:
        return f"attribute_type({r.path(self.path)}, {r.value(Value('S', self.type_code))})"

    def operands(self) -> Iterator[Operand]:
        yield from (self.path, Value("S", self.type_code))


def _conditions(kind: str, parts: Iterable[Any],
                flatten: type | None = None) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for part in parts:
        if isinstance(part, KeyCondition):
            raise SpecError("A key condition cannot be combined with a filter.",
                            "Put key conditions in the key condition and the rest in the filter.")
        if not isinstance(part, Condition):
            raise SpecError(f"{kind} joins conditions, not {part!r}.")
        # a AND (b AND c) is a AND b AND c: flatten, so equal conditions compare equal
        out.extend(part.conditions if flatten and type(part) is flatten else (part,))
    if not out:
        raise SpecError(f"{kind} needs at least one condition.")
    return tuple(out)


@dataclass(frozen=True, init=False)
class And(Condition):
    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition) -> None:
        object.__setattr__(self, "conditions", _conditions("And", conditions, And))

    def render(self, r: Renderer) -> str:
        return " AND ".join(f"({c.render(r)})" if isinstance(c, Or) else c.render(r)
                            for c in self.conditions)

    def operands(self) -> Iterator[Operand]:
        for c in self.conditions:
            yield from c.operands()


@dataclass(frozen=True, init=False)
class Or(Condition):
    conditions: tuple[Condition, ...]

    def __init__(self, *conditions: Condition) -> None:
        object.__setattr__(self, "conditions", _conditions("Or", conditions, Or))

    def render(self, r: Renderer) -> str:
        # AND binds tighter than OR; the parentheses are for the reader
        return " OR ".join(f"({c.render(r)})" if isinstance(c, And) else c.render(r)
                           for c in self.conditions)

    def operands(self) -> Iterator[Operand]:
        for c in self.conditions:
            yield from c.operands()


@dataclass(frozen=True)
class Not(Condition):
    condition: Condition

    def __post_init__(self) -> None:
        _conditions("Not", (self.condition,))

    def render(self, r: Renderer) -> str:
        inner = self.condition.render(r)
        return f"NOT {inner}" if self.condition._is_call else f"NOT ({inner})"

    def operands(self) -> Iterator[Operand]:
        return self.condition.operands()


# ---------------------------------------------------------------- builders

class _Comparable:
    """Comparison methods shared by `Attr` and `Size`."""

    def _operand(self) -> Path | Size:
        raise NotImplementedError

    def eq(self, value: Any) -> Compare:
        return Compare(self._operand(), "=", _operand(value))

    def ne(self, value: Any) -> Compare:
        return Compare(self._operand(), "<>", _operand(value))

    def lt(self, value: Any) -> Compare:
        return Compare(self._operand(), "<", _operand(value))

    def lte(self, value: Any) -> Compare:
        return Compare(self._operand(), "<=", _operand(value))

    def gt(self, value: Any) -> Compare:
        return Compare(self._operand(), ">", _operand(value))

    def gte(self, value: Any) -> Compare:
        return Compare(self._operand(), ">=", _operand(value))

    def compare(self, op: str, value: Any) -> Compare:
        return Compare(self._operand(), op, _operand(value))

    def between(self, low: Any, high: Any) -> Between:
        return Between(self._operand(), Value.of(low), Value.of(high))

    def is_in(self, values: Iterable[Any]) -> In:
        return In(self._operand(), tuple(Value.of(v) for v in values))


@dataclass(frozen=True)
class SizeOf(_Comparable):
    """Builder for comparisons on ``size(path)``: ``Attr("tags").size().gt(2)``."""

    path: Path

    def _operand(self) -> Size:
        return Size(self.path)


@dataclass(frozen=True, init=False)
class Attr(_Comparable):
    """Builder for filter conditions on one path.

    ``Attr("a.b[2].c")`` parses a path; ``Attr(Path.attr("first.name"))`` or
    ``Attr.named("first.name")`` is the attribute whose name holds the dot.
    """

    path: Path

    def __init__(self, path: Path | str) -> None:
        object.__setattr__(self, "path", _path(path))

    @classmethod
    def named(cls, name: str) -> Attr:
        return cls(Path.attr(name))

    def _operand(self) -> Path:
        return self.path

    def begins_with(self, prefix: Any) -> BeginsWith:
        return BeginsWith(self.path, Value.of(prefix))

    def contains(self, operand: Any) -> Contains:
        return Contains(self.path, _operand(operand))  # type: ignore[arg-type]

    def not_contains(self, operand: Any) -> Not:
        return Not(self.contains(operand))

    def exists(self) -> AttributeExists:
        return AttributeExists(self.path)

    def not_exists(self) -> AttributeNotExists:
        return AttributeNotExists(self.path)

    def attribute_type(self, type_code: str) -> AttributeType:
        return AttributeType(self.path, type_code)

    def size(self) -> SizeOf:
        return SizeOf(self.path)


# ---------------------------------------------------------------- key conditions

KEY_OPERATORS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")


@dataclass(frozen=True)
class KeyTerm:
    """One key attribute compared: partition keys only with ``=``."""

    name: str
    op: str
    values: tuple[Value, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", tuple(self.values))
        if not self.name:
            raise SpecError("A key attribute name cannot be empty.")
        if self.op not in KEY_OPERATORS:
            raise SpecError(f"{self.op!r} cannot be used in a key condition; use one of "
                            f"{', '.join(KEY_OPERATORS)}.")
        want = 2 if self.op == "BETWEEN" else 1
        if len(self.values) != want:
            raise SpecError(f"{self.op} on key {self.name} takes {want} value(s).")
        if self.op == "begins_with" and self.values[0].type not in ("S", "B"):
            raise SpecError(f"begins_with on key {self.name} needs a string or binary "
                            f"prefix, but {self.values[0]} is "
                            f"{TYPE_NAMES[self.values[0].type]}.",
                            "Numbers have no prefixes: compare them with BETWEEN.")
        for v in self.values:
            if v.type not in SCALAR_TYPES:
                raise SpecError(f"Key {self.name} can only hold a string, number or binary, "
                                f"but {v} is {TYPE_NAMES[v.type]}.")
        if self.op == "BETWEEN":
            _check_between(f"key {self.name}", *self.values)

    def render(self, r: Renderer) -> str:
        name = r.name(self.name)
        v = [r.value(x) for x in self.values]
        if self.op == "BETWEEN":
            return f"{name} BETWEEN {v[0]} AND {v[1]}"
        if self.op == "begins_with":
            return f"begins_with({name}, {v[0]})"
        return f"{name} {self.op} {v[0]}"


@dataclass(frozen=True, init=False)
class KeyCondition:
    """A Query's key condition: ``partition = v`` and at most one sort key term.

    Build it with `Key`: ``Key("pk").eq("a") & Key("sk").between(1, 9)``.
    """

    terms: tuple[KeyTerm, ...]

    def __init__(self, *terms: KeyTerm) -> None:
        if len(terms) > 2:
            raise SpecError("A key condition has at most two parts: the partition key and "
                            "one sort key condition.")
        names = [t.name for t in terms]
        if len(set(names)) != len(names):
            raise SpecError(f"The key condition names {names[0]} twice; a key attribute "
                            "takes one condition.", "Use BETWEEN for a range.")
        object.__setattr__(self, "terms", tuple(terms))

    def __and__(self, other: KeyCondition) -> KeyCondition:
        if not isinstance(other, KeyCondition):
            raise SpecError("A key condition cannot be combined with a filter.",
                            "Put key conditions in the key condition and the rest in the filter.")
        return KeyCondition(*self.terms, *other.terms)

    def __or__(self, other: object) -> KeyCondition:
        raise SpecError("A key condition cannot use OR: a Query reads one partition.")

    def __invert__(self) -> KeyCondition:
        raise SpecError("A key condition cannot use NOT.")

    def ordered(self, partition_key: str | None = None) -> tuple[KeyTerm, ...]:
        """The terms, the partition key's first (or the equality first, if unknown)."""
        if partition_key is not None:
            return tuple(sorted(self.terms, key=lambda t: t.name != partition_key))
        return tuple(sorted(self.terms, key=lambda t: t.op != "="))

    def check(self) -> None:
        if not self.terms or not any(t.op == "=" for t in self.terms):
            raise SpecError("A key condition needs the partition key compared with =.")

    def render(self, r: Renderer, partition_key: str | None = None) -> str:
        self.check()
        return " AND ".join(t.render(r) for t in self.ordered(partition_key))

    def values(self) -> Iterator[Value]:
        for t in self.terms:
            yield from t.values


@dataclass(frozen=True)
class Key:
    """Builder for key conditions on the (top-level, literal) key attribute `name`."""

    name: str

    def eq(self, value: Any) -> KeyCondition:
        return self._term("=", value)

    def lt(self, value: Any) -> KeyCondition:
        return self._term("<", value)

    def lte(self, value: Any) -> KeyCondition:
        return self._term("<=", value)

    def gt(self, value: Any) -> KeyCondition:
        return self._term(">", value)

    def gte(self, value: Any) -> KeyCondition:
        return self._term(">=", value)

    def compare(self, op: str, value: Any) -> KeyCondition:
        return self._term(op, value)

    def between(self, low: Any, high: Any) -> KeyCondition:
        return self._term("BETWEEN", low, high)

    def begins_with(self, prefix: Any) -> KeyCondition:
        return self._term("begins_with", prefix)

    def _term(self, op: str, *values: Any) -> KeyCondition:
        return KeyCondition(KeyTerm(self.name, op, tuple(Value.of(v) for v in values)))


# ---------------------------------------------------------------- rendering

class Renderer:
    """Renders the expressions of one request with shared ``#n``/``:v`` placeholders.

    A renderer is a builder: use one per request, render the key condition, filter and
    projection through it, then read `attribute_names` and `attribute_values`.
    """

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._values: dict[Value, str] = {}

    def name(self, name: str) -> str:
        if name not in self._names:
            self._names[name] = f"#n{len(self._names)}"
        return self._names[name]

    def value(self, value: Value) -> str:
        if value not in self._values:
            self._values[value] = f":v{len(self._values)}"
        return self._values[value]

    def path(self, path: Path) -> str:
        out = []
        for seg in path.segments:
            if isinstance(seg, int):
                out.append(f"[{seg}]")
            else:
                out.append(("." if out else "") + self.name(seg))
        return "".join(out)

    def operand(self, operand: Operand) -> str:
        if isinstance(operand, Path):
            return self.path(operand)
        if isinstance(operand, Size):
            return f"size({self.path(operand.path)})"
        return self.value(operand)

    def condition(self, condition: Condition, what: str = "filter expression") -> str:
        if not isinstance(condition, Condition):
            raise SpecError(f"The {what} must be a condition, not {condition!r}.")
        return _within_limit(condition.render(self), what)

    def key_condition(self, key: KeyCondition, partition_key: str | None = None) -> str:
        if not isinstance(key, KeyCondition):
            raise SpecError(f"The key condition must be built with Key(...), not {key!r}.")
        return _within_limit(key.render(self, partition_key), "key condition expression")

    def projection(self, paths: Iterable[Path | str]) -> str:
        """``#n0, #n1.#n2[0]``: paths that overlap are refused, as DynamoDB does."""
        chosen = [_path(p) for p in paths]
        for i, a in enumerate(chosen):
            for b in chosen[:i]:
                if a.overlaps(b):
                    raise SpecError(f"The projection lists {b} and {a}, which overlap.",
                                    "Keep only the outer path.")
        return _within_limit(", ".join(self.path(p) for p in chosen), "projection expression")

    @property
    def attribute_names(self) -> dict[str, str]:
        """ExpressionAttributeNames: ``{"#n0": "status"}``."""
        return {placeholder: name for name, placeholder in self._names.items()}

    @property
    def attribute_values(self) -> dict[str, dict[str, Any]]:
        """ExpressionAttributeValues: ``{":v0": {"S": "ACTIVE"}}``."""
        return {placeholder: value.wire() for value, placeholder in self._values.items()}


def _within_limit(expression: str, what: str) -> str:
    size = len(expression.encode("utf-8"))
    if size > MAX_EXPRESSION_BYTES:
        raise SpecError(f"The {what} is {size:,} bytes long; DynamoDB allows at most "
                        f"{MAX_EXPRESSION_BYTES:,}.", "Simplify it or split the work.")
    return expression


class Expressions(NamedTuple):
    key_condition: str | None
    filter: str | None
    projection: str | None
    names: dict[str, str]
    values: dict[str, dict[str, Any]]


def render(condition: Condition | KeyCondition) -> tuple[str, dict[str, str], dict[str, Any]]:
    """One condition (or key condition) alone: (expression, names, values)."""
    r = Renderer()
    if isinstance(condition, KeyCondition):
        text = r.key_condition(condition)
    else:
        text = r.condition(condition)
    return text, r.attribute_names, r.attribute_values


def build(key_condition: KeyCondition | None = None, filter: Condition | None = None,
          projection: Iterable[Path | str] = (), partition_key: str | None = None) -> Expressions:
    """The expressions of one request, sharing one set of placeholders."""
    r = Renderer()
    key = r.key_condition(key_condition, partition_key) if key_condition is not None else None
    filt = r.condition(filter) if filter is not None else None
    paths = tuple(projection)
    proj = r.projection(paths) if paths else None
    return Expressions(key, filt, proj, r.attribute_names, r.attribute_values)


__all__ = [
    "MAX_EXPRESSION_BYTES", "MAX_IN_OPERANDS", "TYPE_CODES", "And", "Attr",
    "AttributeExists", "AttributeNotExists", "AttributeType", "BeginsWith", "Between",
    "Compare", "Condition", "Contains", "Expressions", "In", "Key", "KeyCondition",
    "KeyTerm", "Not", "Or", "Path", "Renderer", "Size", "SizeOf", "SpecError", "Value",
    "build", "render",
]
