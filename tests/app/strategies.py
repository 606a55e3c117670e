"""Hypothesis strategies for valid DynamoDB items in the low-level client's shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

MAX_DIGITS = 38
MIN_EXPONENT = -130  # 1E-130 is the smallest magnitude DynamoDB stores
MAX_EXPONENT = 125  # 9.99...9E+125 (38 nines) the largest
MAX_DEPTH = 32

#: Reserved words and names that need placeholders or quoting somewhere.
AWKWARD_NAMES = [
    "status", "name", "size", "data", "count", "date", "key", "value", "user", "comment",
    "first.name", "a.b.c", "#hash", "a#b", ":colon", "a:b", "with space", " leading",
    "trailing ", "a[0]", "ünïcødé", "名前", "emoji 🙂", "$", "$SS", "$NS", "$M", "$B",
    "$N", "$foo", "S", "N", "M", "L", "BOOL", "NULL",
]

texts = st.text(st.characters(codec="utf-8"), max_size=20)  # "" included
names = st.one_of(
    st.sampled_from(AWKWARD_NAMES),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=12),
)
binaries = st.binary(max_size=24)  # b"" included


def _positional(digits: str, exponent: int) -> str:
    """digits[0].digits[1:] x 10**exponent, written without an exponent."""
    n = len(digits)
    if exponent >= n - 1:
        return digits + "0" * (exponent - n + 1)
    if exponent >= 0:
        return digits[:exponent + 1] + "." + digits[exponent + 1:]
    return "0." + "0" * (-exponent - 1) + digits


@st.composite
def number_texts(draw: st.DrawFn) -> str:
    """A valid DynamoDB number string: 1-38 significant digits, magnitude 1E-130 to
    9.99..E+125 or zero, written positionally or in E-notation, either sign; sometimes with
    trailing zeros ("12.50") or in forms DynamoDB reads but JSON cannot write ("+3", ".5")."""
    if draw(st.integers(0, 40)) == 0:
        return draw(st.sampled_from(["0", "-0", "0.0", "0.000", "0E+5", "0e-3"]))
    count = draw(st.integers(1, MAX_DIGITS))
    digits = draw(st.sampled_from("123456789")) + draw(
        st.text("0123456789", min_size=count - 1, max_size=count - 1))
    exponent = draw(st.integers(MIN_EXPONENT, MAX_EXPONENT))
    sign = draw(st.sampled_from(["", "-"]))
    style = draw(st.sampled_from(["positional", "scientific", "integer", "unusual"]))
    if style == "positional":
        text = _positional(digits, exponent)
        if "." in text:
            text += "0" * draw(st.integers(0, 2))
    elif style == "scientific":
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        text = mantissa + _exponent(draw, exponent)
    elif style == "integer":
        text = digits + _exponent(draw, exponent - (len(digits) - 1))
    else:
        text = _positional(digits, exponent)
        if text.startswith("0."):
            text = text[1:]  # ".5"
        elif draw(st.booleans()):
            text = "00" + text
        elif "." not in text:
            text += "."  # "5."
        sign = draw(st.sampled_from(["", "-", "+"]))
    return sign + text


def _exponent(draw: st.DrawFn, exponent: int) -> str:
    letter = draw(st.sampled_from("eE"))
    plus = "+" if exponent >= 0 and draw(st.booleans()) else ""
    return f"{letter}{plus}{exponent}"


def scalars() -> st.SearchStrategy[dict[str, Any]]:
    """Every type but L and M; sets non-empty with unique members (NS unique by value)."""
    return st.one_of(
        texts.map(lambda s: {"S": s}),
        number_texts().map(lambda n: {"N": n}),
        binaries.map(lambda b: {"B": b}),
        st.booleans().map(lambda b: {"BOOL": b}),
        st.just({"NULL": True}),
        st.lists(texts, min_size=1, max_size=5, unique=True).map(lambda m: {"SS": m}),
        st.lists(number_texts(), min_size=1, max_size=5, unique_by=Decimal).map(
            lambda m: {"NS": m}),
        st.lists(binaries, min_size=1, max_size=5, unique=True).map(lambda m: {"BS": m}),
    )


def values(max_leaves: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """Any AttributeValue, lists and maps nested a few levels (small on average)."""
    return st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(lambda m: {"L": m}),
            st.dictionaries(names, inner, max_size=4).map(lambda m: {"M": m}),
        ),
        max_leaves=max_leaves,
    )


def items(min_size: int = 1, max_size: int = 6) -> st.SearchStrategy[dict[str, Any]]:
    """An item: attribute names (reserved words, punctuation, unicode, "$") to values."""
    return st.dictionaries(names, values(), min_size=min_size, max_size=max_size)


def nest(leaf: dict[str, Any], kinds: str, name: str = "k") -> dict[str, Any]:
    """`leaf` wrapped in one list or map per letter of `kinds` ("L"/"M"), outermost first."""
    value = leaf
    for kind in reversed(kinds):
        value = {"L": [value]} if kind == "L" else {"M": {name: value}}
    return value


@st.composite
def deep_values(draw: st.DrawFn, levels: int = MAX_DEPTH) -> dict[str, Any]:
    """A value exactly `levels` levels deep (a top-level value is level 1): `levels - 1`
    lists and maps around a scalar, with a sibling here and there."""
    value = draw(scalars())
    for _ in range(levels - 1):
        if draw(st.booleans()):
            siblings = draw(st.lists(scalars(), max_size=1))
            value = {"L": [*siblings, value] if draw(st.booleans()) else [value, *siblings]}
        else:
            inner = draw(names)
            extra = draw(st.dictionaries(names.filter(lambda n, i=inner: n != i), scalars(),
                                         max_size=1))
            value = {"M": {**extra, inner: value}}
    return value


def depth(value: dict[str, Any]) -> int:
    """Levels of nesting of one AttributeValue: 1, plus 1 for each list or map around."""
    ((typ, payload),) = value.items()
    if typ == "L":
        return 1 + max(map(depth, payload), default=0)
    if typ == "M":
        return 1 + max(map(depth, payload.values()), default=0)
    return 1


def by_value(item: dict[str, Any]) -> dict[str, Any]:
    """An item in a form that compares as DynamoDB compares: numbers by value, sets
    without order. For checking what a server sends back."""
    return {name: value_by_value(v) for name, v in item.items()}


def value_by_value(value: dict[str, Any]) -> Any:
    """One AttributeValue as `by_value` compares it."""
    ((typ, payload),) = value.items()
    if typ == "N":
        return ("N", Decimal(payload))
    if typ == "NS":
        return ("NS", frozenset(Decimal(m) for m in payload))
    if typ in ("SS", "BS"):
        return (typ, frozenset(payload))
    if typ == "L":
        return ("L", [value_by_value(m) for m in payload])
    if typ == "M":
        return ("M", by_value(payload))
    return (typ, payload)
