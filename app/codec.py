"""Items as editor text and back, exactly: DynamoDB JSON and a typed document JSON.

An item is a dict in the low-level client's shape, ``{"id": {"S": "a"}, "n": {"N": "12.50"},
"b": {"B": b"..."}}``: numbers are strings, binary is bytes, sets are lists. Both views are
pretty-printed (indent 2) in the item's own key order and round-trip exactly:
``loads(dumps(item, view), view) == item`` for every valid item, number strings included
(``"12.50"`` stays ``"12.50"``). No value ever passes through ``float``.

**dynamodb** view: DynamoDB JSON as the wire has it. Every value is an object with one
type key (``{"N": "12.50"}``, ``{"SS": ["a", "b"]}``); binary is base64 text.

**document** view: ordinary JSON.

- S is a JSON string, BOOL ``true``/``false``, NULL ``null``, L an array, M an object.
- N is a JSON number written with the stored string's exact digits (``12.50``, ``1E-130``,
  38-digit integers). DynamoDB also reads strings JSON cannot write as a number (``+3``,
  ``.5``, ``007``, ``5.``); such a number is written ``{"$N": "+3"}``.
- What plain JSON cannot say carries a *tag*, an object with one key starting with ``$``:
  ``{"$SS": ["a", "b"]}``, ``{"$NS": [1, 2.5]}``, ``{"$BS": ["AAE="]}``, ``{"$B": "AAE="}``,
  ``{"$N": "+3"}``. A member of ``$NS`` may also be a string holding the number.
- **Escape for tag-like maps**: a map with *any* key starting with ``$`` is written wrapped
  as ``{"$M": {...}}``, and the object inside ``$M`` is always the map itself (its keys are
  never read as tags; its values are ordinary values). So when reading, an object with a key
  starting with ``$`` must be exactly one known tag; two keys or an unknown tag is an error
  that says how to write such a map. The item's own attribute names (the top-level object)
  are never tags and are never wrapped.

Bad text raises `CodecError` with the line and column (1-based) and what was expected;
a value that is well-formed JSON but not a valid value also names the attribute path,
e.g. ``address.geo.lat`` or ``history[3]``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from decimal import Context, Decimal, InvalidOperation
from json.decoder import scanstring
from typing import Any

from app.errors import DynascopeError

Item = dict[str, dict[str, Any]]
AttributeValue = dict[str, Any]

DYNAMODB = "dynamodb"
DOCUMENT = "document"
VIEWS = (DYNAMODB, DOCUMENT)

TYPES = ("S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M")
TAGS = ("$SS", "$NS", "$BS", "$B", "$N", "$M")

TYPE_NAMES = {
    "S": "a string (S)", "N": "a number (N)", "B": "binary (B)", "BOOL": "a boolean (BOOL)",
    "NULL": "null (NULL)", "SS": "a string set (SS)", "NS": "a number set (NS)",
    "BS": "a binary set (BS)", "L": "a list (L)", "M": "a map (M)",
}

#: A number as DynamoDB reads one (like Java's BigDecimal): ``3``, ``-7.1234``, ``+3``,
#: ``.123``, ``0001.23``, ``1e+5``; never ``NaN``, ``Infinity`` or spaces. ASCII digits only.
NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: A number JSON can write as a number token (the document view writes these bare).
JSON_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")

#: For arithmetic on numbers: wide enough for DynamoDB's whole range (1E-130 .. 1E+126,
#: 38 digits). boto3's own DYNAMODB_CONTEXT rejects valid numbers (boto3 issues 4693 and
#: 2500). Note that `Decimal(text)` itself is exact under any context, and comparisons are
#: exact; but `abs()`, `+x`, `normalize()` and arithmetic round to the context's precision.
CONTEXT = Context(prec=50, Emin=-999_999, Emax=999_999)

DISPLAY_LIMIT = 200
_PREVIEW_BYTES = 12


class CodecError(DynascopeError):
    """Text that is not an item: where (`line`, `column`, 1-based; `path`) and what was
    expected (`reason`). `str(err)` reads "Line 3, column 14: price: ..."."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None,
                 path: str = "") -> None:
        where = f"Line {line}, column {column}: " if line is not None else ""
        what = f"{path}: " if path else ""
        super().__init__(f"{where}{what}{reason}")
        self.reason = reason
        self.line = line
        self.column = column
        self.path = path


def number(text: str) -> Decimal:
    """The exact value of a DynamoDB number string (raises `ValueError` if it is not one)."""
    if not isinstance(text, str) or not NUMBER_RE.fullmatch(text):
        raise ValueError(f"{text!r} is not a number")
    try:
        return Decimal(text)  # exact whatever the context: no rounding, no float
    except InvalidOperation as exc:  # an exponent beyond what Decimal can hold
        raise ValueError(f"{text!r} is not a number") from exc


def path_text(parts: Sequence[str | int]) -> str:
    """An attribute path as people read it: ``address.geo.lat``, ``history[3]``; a name
    that would be ambiguous (empty, with a dot, bracket, quote or space) is quoted."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            name = part if _PLAIN_NAME.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            out.append(f".{name}" if out else name)
    return "".join(out)


_PLAIN_NAME = re.compile(r"[^\s.\[\]\"]+")


# -- writing ---------------------------------------------------------------------------

class _Num:
    """A JSON number token kept as its exact text (read and written verbatim)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Fail(Exception):
    """A value that is not valid: the attribute path, the path in the JSON text, why."""

    def __init__(self, parts: tuple[str | int, ...], jpath: tuple[str | int, ...],
                 reason: str) -> None:
        super().__init__(reason)
        self.parts = parts
        self.jpath = jpath
        self.reason = reason


def _one(value: Any, parts: tuple) -> tuple[str, Any]:
    if not isinstance(value, dict) or len(value) != 1:
        raise _Fail(parts, (), 'a value is one type and its payload, e.g. {"S": "text"}')
    ((typ, payload),) = value.items()
    if typ not in TYPE_NAMES:
        raise _Fail(parts, (), f"unknown type {json.dumps(typ, ensure_ascii=False)}; "
                               f"the types are {', '.join(TYPES)}")
    return typ, payload


def _members(payload: Any, kind: type | tuple[type, ...], parts: tuple, typ: str) -> list:
    if not isinstance(payload, (list, tuple)) or not all(isinstance(m, kind) for m in payload):
        raise _Fail(parts, (), f"{TYPE_NAMES[typ]} holds a list of its members")
    return list(payload)


def _scalar_out(typ: str, payload: Any, parts: tuple) -> Any:
    """S, BOOL and NULL are written the same in both views."""
    if typ == "S" and isinstance(payload, str):
        return payload
    if typ == "BOOL" and isinstance(payload, bool):
        return payload
    if typ == "NULL":
        if payload is True:
            return None
        raise _Fail(parts, (), "NULL is always written {\"NULL\": true}")
    raise _Fail(parts, (), f"{TYPE_NAMES[typ]} has a payload of the wrong kind")


def _b64(data: Any, parts: tuple) -> str:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise _Fail(parts, (), "binary values are bytes")
    return base64.b64encode(data).decode("ascii")


def _to_wire(value: Any, parts: tuple) -> Any:
    typ, payload = _one(value, parts)
    if typ in ("S", "N"):
        if not isinstance(payload, str):
            raise _Fail(parts, (), f"{TYPE_NAMES[typ]} is held as a string")
        out: Any = payload
    elif typ == "B":
        out = _b64(payload, parts)
    elif typ in ("BOOL", "NULL"):
        out = _scalar_out(typ, payload, parts)
        if out is None:
            out = True  # {"NULL": true}
    elif typ in ("SS", "NS"):
        out = _members(payload, str, parts, typ)
    elif typ == "BS":
        out = [_b64(m, parts) for m in _members(payload, (bytes, bytearray), parts, typ)]
    elif typ == "L":
        if not isinstance(payload, list):
            raise _Fail(parts, (), "a list (L) holds a list of values")
        out = [_to_wire(m, (*parts, i)) for i, m in enumerate(payload)]
    else:  # M
        if not isinstance(payload, dict):
            raise _Fail(parts, (), "a map (M) holds a dict of names to values")
        out = {k: _to_wire(v, (*parts, k)) for k, v in payload.items()}
    return {typ: out}


def _number_out(text: str) -> Any:
    return _Num(text) if JSON_NUMBER_RE.fullmatch(text) else None


def _to_doc(value: Any, parts: tuple) -> Any:
    typ, payload = _one(value, parts)
    if typ == "N":
        if not isinstance(payload, str):
            raise _Fail(parts, (), "a number (N) is held as a string")
        return _number_out(payload) or {"$N": payload}
    if typ in ("S", "BOOL", "NULL"):
        return _scalar_out(typ, payload, parts)
    if typ == "B":
        return {"$B": _b64(payload, parts)}
    if typ == "SS":
        return {"$SS": _members(payload, str, parts, typ)}
    if typ == "NS":
        return {"$NS": [_number_out(m) or m for m in _members(payload, str, parts, typ)]}
    if typ == "BS":
        return {"$BS": [_b64(m, parts) for m in _members(payload, (bytes, bytearray), parts, typ)]}
    if typ == "L":
        if not isinstance(payload, list):
            raise _Fail(parts, (), "a list (L) holds a list of values")
        return [_to_doc(m, (*parts, i)) for i, m in enumerate(payload)]
    if not isinstance(payload, dict):
        raise _Fail(parts, (), "a map (M) holds a dict of names to values")
    members = {k: _to_doc(v, (*parts, k)) for k, v in payload.items()}
    if any(k.startswith("$") for k in payload):
        return {"$M": members}
    return members


_encode_string = json.encoder.encode_basestring  # ensure_ascii=False, as json.dumps


def _emit(node: Any, out: list[str], level: int, step: int | None) -> None:
    """Append JSON text for `node` (dicts, lists, str, bool, None, `_Num`) to `out`, laid
    out like ``json.dumps(node, indent=step, ensure_ascii=False)``; compact when None."""
    kind = type(node)
    if kind is str:
        out.append(_encode_string(node))
    elif kind is _Num:
        out.append(node.text)
    elif node is True:
        out.append("true")
    elif node is False:
        out.append("false")
    elif node is None:
        out.append("null")
    else:
        is_map = kind is dict
        opening, closing = ("{", "}") if is_map else ("[", "]")
        if not node:
            out.append(opening + closing)
            return
        if step is None:
            inner, outer = "", ""
            sep = ", "
        else:
            inner = "\n" + " " * (step * (level + 1))
            outer = "\n" + " " * (step * level)
            sep = "," + inner
        out.append(opening + inner)
        first = True
        if is_map:
            for key, value in node.items():
                if not first:
                    out.append(sep)
                first = False
                out.append(_encode_string(key))
                out.append(": ")
                _emit(value, out, level + 1, step)
        else:
            for value in node:
                if not first:
                    out.append(sep)
                first = False
                _emit(value, out, level + 1, step)
        out.append(outer + closing)


def _check_view(view: str) -> None:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; the views are {', '.join(VIEWS)}")


def dumps(item: Item, view: str) -> str:
    """The editor text of `item` in `view` (`DYNAMODB` or `DOCUMENT`)."""
    _check_view(view)
    if not isinstance(item, dict):
        raise CodecError("an item is a map of attribute names to values")
    convert = _to_wire if view == DYNAMODB else _to_doc
    try:
        tree = {name: convert(value, (name,)) for name, value in item.items()}
    except _Fail as fail:
        raise CodecError(fail.reason, path=path_text(fail.parts)) from None
    out: list[str] = []
    _emit(tree, out, 0, 2)
    return "".join(out)


# -- reading ---------------------------------------------------------------------------

class _Obj:
    """A JSON object as its (name, value) pairs in text order: duplicates stay visible."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


class _Const:
    """``NaN``, ``Infinity`` or ``-Infinity``: JSON extensions DynamoDB has no number for."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _found(node: Any) -> str:
    kind = type(node)
    if kind is str:
        return "a string"
    if kind is _Num:
        return f"the number {node.text}"
    if kind is _Const:
        return node.text
    if kind is bool:
        return "true" if node else "false"
    if node is None:
        return "null"
    if kind is list:
        return "an array"
    return "an object" if node.pairs else "an empty object"


def _names(pairs: list[tuple[str, Any]], parts: tuple, jpath: tuple) -> None:
    """Refuse a repeated name: JSON would silently keep only the last one."""
    if len(pairs) > 1:
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _Fail((*parts, name), (*jpath, name),
                            f"the name {json.dumps(name, ensure_ascii=False)} appears twice "
                            "in the same object")
            seen.add(name)


def _number_in(node: Any, parts: tuple, jpath: tuple) -> str:
    text = node.text if type(node) is _Num else node
    if type(text) is not str:
        raise _Fail(parts, jpath, f"expected a number, found {_found(node)}")
    if not NUMBER_RE.fullmatch(text):
        raise _Fail(parts, jpath, f"{json.dumps(text, ensure_ascii=False)} is not a number")
    return text


def _binary_in(node: Any, parts: tuple, jpath: tuple) -> bytes:
    if type(node) is not str:
        raise _Fail(parts, jpath, f"expected base64 text, found {_found(node)}")
    try:
        return base64.b64decode(node, validate=True)
    except (binascii.Error, ValueError):
        shown = node if len(node) <= 24 else node[:24] + "…"
        raise _Fail(parts, jpath, f"{json.dumps(shown, ensure_ascii=False)} is not valid "
                                  "base64 (A-Z, a-z, 0-9, + and /, padded with = to a "
                                  "multiple of 4)") from None


def _list_in(node: Any, parts: tuple, jpath: tuple, what: str) -> list:
    if type(node) is not list:
        raise _Fail(parts, jpath, f"expected an array of {what}, found {_found(node)}")
    return node


def _set_in(typ: str, node: Any, parts: tuple, jpath: tuple, wire: bool) -> list:
    what = {"SS": "strings", "NS": "numbers", "BS": "base64 strings"}[typ]
    members = _list_in(node, parts, jpath, what)
    out: list[Any] = []
    for i, member in enumerate(members):
        where = (*jpath, i)
        if typ == "SS":
            if type(member) is not str:
                raise _Fail(parts, where, f"a string set holds strings, found {_found(member)}")
            out.append(member)
        elif typ == "NS":
            if wire and type(member) is _Num:
                raise _Fail(parts, where, "DynamoDB JSON writes a number as a string: "
                                          f'"{member.text}"')
            out.append(_number_in(member, parts, where))
        else:
            out.append(_binary_in(member, parts, where))
    return out


def _from_wire(node: Any, parts: tuple, jpath: tuple) -> AttributeValue:
    if type(node) is not _Obj or len(node.pairs) != 1:
        if type(node) is _Obj and len(node.pairs) > 1:
            keys = ", ".join(k for k, _ in node.pairs)
            reason = f"a value has exactly one type key, this one has {len(node.pairs)} ({keys})"
        else:
            reason = f'expected a type object such as {{"S": "text"}}, found {_found(node)}'
        raise _Fail(parts, jpath, reason)
    ((typ, payload),) = node.pairs
    where = (*jpath, typ)
    if typ == "S":
        if type(payload) is not str:
            raise _Fail(parts, where, f"a string (S) is a JSON string, found {_found(payload)}")
        return {"S": payload}
    if typ == "N":
        if type(payload) is _Num:
            raise _Fail(parts, where, "DynamoDB JSON writes a number as a string: "
                                      f'{{"N": "{payload.text}"}}')
        return {"N": _number_in(payload, parts, where)}
    if typ == "B":
        return {"B": _binary_in(payload, parts, where)}
    if typ == "BOOL":
        if type(payload) is not bool:
            raise _Fail(parts, where, f"BOOL is true or false, found {_found(payload)}")
        return {"BOOL": payload}
    if typ == "NULL":
        if payload is not True:
            raise _Fail(parts, where, f"NULL is always true, found {_found(payload)}")
        return {"NULL": True}
    if typ in ("SS", "NS", "BS"):
        return {typ: _set_in(typ, payload, parts, where, wire=True)}
    if typ == "L":
        members = _list_in(payload, parts, where, "type objects")
        return {"L": [_from_wire(m, (*parts, i), (*where, i)) for i, m in enumerate(members)]}
    if typ == "M":
        if type(payload) is not _Obj:
            raise _Fail(parts, where, f"a map (M) is a JSON object, found {_found(payload)}")
        _names(payload.pairs, parts, where)
        return {"M": {k: _from_wire(v, (*parts, k), (*where, k)) for k, v in payload.pairs}}
    raise _Fail(parts, jpath, f"unknown type {json.dumps(typ, ensure_ascii=False)}; "
                              f"the types are {', '.join(TYPES)}")


_ESCAPE_HINT = 'a map whose names start with "$" is written {"$M": {...}}'


def _from_doc(node: Any, parts: tuple, jpath: tuple) -> AttributeValue:
    kind = type(node)
    if kind is str:
        return {"S": node}
    if kind is _Num:
        return {"N": node.text}
    if kind is bool:
        return {"BOOL": node}
    if node is None:
        return {"NULL": True}
    if kind is list:
        return {"L": [_from_doc(m, (*parts, i), (*jpath, i)) for i, m in enumerate(node)]}
    if kind is _Const:
        raise _Fail(parts, jpath, f"{node.text} is not a number DynamoDB can store")
    pairs = node.pairs
    if not any(name.startswith("$") for name, _ in pairs):
        return {"M": _doc_map(pairs, parts, jpath)}
    if len(pairs) != 1:
        raise _Fail(parts, jpath, "an object with a name starting with \"$\" is a type tag "
                                  f"and has no other names; {_ESCAPE_HINT}")
    ((tag, payload),) = pairs
    where = (*jpath, tag)
    if tag == "$M":
        if type(payload) is not _Obj:
            raise _Fail(parts, where, f"$M holds an object, found {_found(payload)}")
        return {"M": _doc_map(payload.pairs, parts, where)}
    if tag == "$N":
        return {"N": _number_in(payload, parts, where)}
    if tag == "$B":
        return {"B": _binary_in(payload, parts, where)}
    if tag in ("$SS", "$NS", "$BS"):
        return {tag[1:]: _set_in(tag[1:], payload, parts, where, wire=False)}
    raise _Fail(parts, jpath, f"unknown tag {json.dumps(tag, ensure_ascii=False)}; the tags "
                              f"are {', '.join(TAGS)}, and {_ESCAPE_HINT}")


def _doc_map(pairs: list[tuple[str, Any]], parts: tuple, jpath: tuple) -> dict[str, Any]:
    _names(pairs, parts, jpath)
    return {k: _from_doc(v, (*parts, k), (*jpath, k)) for k, v in pairs}


def _closer(text: str, pos: int) -> str:
    """The bracket that closes the innermost object or array open at `pos`."""
    stack: list[str] = []
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[{}\[\]]', text[:pos]):
        token = match.group()
        if token in "{[":
            stack.append(token)
        elif token in "}]" and stack:
            stack.pop()
    return "]" if stack and stack[-1] == "[" else "}"


def _explain(exc: json.JSONDecodeError, text: str) -> str:
    msg, pos = exc.msg, exc.pos
    if msg == "Expecting ',' delimiter":
        return f"expected ',' or '{_closer(text, pos)}' after a value"
    if msg.startswith("Expecting property name"):
        if text[:pos].rstrip().endswith(","):
            return "expected a name in double quotes after ',' (no comma before '}')"
        return "expected a name in double quotes"
    if msg == "Expecting ':' delimiter":
        return "expected ':' after a name"
    if msg == "Expecting value":
        if not text.strip():
            return 'the text is empty; expected an item such as {"id": ...}'
        if pos >= len(text):
            return "expected a value, found the end of the text"
        found = text[pos]
        if found == "]" and text[:pos].rstrip().endswith(","):
            return "expected a value after ',' (no comma before ']')"
        return (f"expected a value (a string, number, object, array, true, false or null), "
                f"found {found!r}")
    if msg.startswith("Unterminated string"):
        return "a string starts here and is never closed with '\"'"
    if msg.startswith("Invalid control character"):
        return "a line break or control character inside a string must be escaped, e.g. \\n"
    if msg.startswith("Invalid \\uXXXX"):
        return "expected four hex digits after \\u"
    if msg.startswith("Invalid \\escape"):
        return "invalid escape in a string; a backslash is written \\\\"
    if msg == "Extra data":
        return "expected the end of the text after the item"
    return msg[:1].lower() + msg[1:]


_WS = re.compile(r"[ \t\n\r]*")
# Only skips over values while looking for a position; numbers stay text here too.
_SKIPPER = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)


def _offset(text: str, jpath: tuple[str | int, ...]) -> int | None:
    """Where the value at `jpath` (names and indexes of the JSON text) starts, if found."""
    ws = _WS.match
    try:
        pos = ws(text, 0).end()
        for part in jpath:
            if isinstance(part, str):
                if text[pos:pos + 1] != "{":
                    return None
                pos = ws(text, pos + 1).end()
                found = None
                while text[pos:pos + 1] == '"':
                    name, pos = scanstring(text, pos + 1)
                    pos = ws(text, pos).end()
                    if text[pos:pos + 1] != ":":
                        return None
                    pos = ws(text, pos + 1).end()
                    if name == part:
                        found = pos  # the last one, as JSON keeps the last
                    pos = ws(text, _SKIPPER.raw_decode(text, pos)[1]).end()
                    if text[pos:pos + 1] != ",":
                        break
                    pos = ws(text, pos + 1).end()
                if found is None:
                    return None
                pos = found
            else:
                if text[pos:pos + 1] != "[":
                    return None
                pos = ws(text, pos + 1).end()
                for _ in range(part):
                    pos = ws(text, _SKIPPER.raw_decode(text, pos)[1]).end()
                    if text[pos:pos + 1] != ",":
                        return None
                    pos = ws(text, pos + 1).end()
        return pos
    except (ValueError, IndexError, RecursionError):
        return None


def _line_column(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


def loads(text: str, view: str) -> Item:
    """The item that `text` in `view` holds; `CodecError` says where and why it is not one."""
    _check_view(view)
    try:
        tree = json.loads(text, object_pairs_hook=_Obj, parse_float=_Num, parse_int=_Num,
                          parse_constant=_Const)
    except json.JSONDecodeError as exc:
        raise CodecError(_explain(exc, text), exc.lineno, exc.colno) from None
    except RecursionError:
        raise CodecError("the text nests too deeply to be read") from None
    try:
        if type(tree) is not _Obj:
            raise _Fail((), (), "expected an item: an object of attribute names and values, "
                                f"found {_found(tree)}")
        convert = _from_wire if view == DYNAMODB else _from_doc
        _names(tree.pairs, (), ())
        return {name: convert(value, (name,), (name,)) for name, value in tree.pairs}
    except _Fail as fail:
        pos = _offset(text, fail.jpath)
        line, column = _line_column(text, pos) if pos is not None else (None, None)
        raise CodecError(fail.reason, line, column, path_text(fail.parts)) from None
    except RecursionError:
        raise CodecError("the text nests too deeply to be read") from None


# -- one value for a grid cell -----------------------------------------------------------

def _preview(data: bytes) -> str:
    head = base64.b64encode(data[:_PREVIEW_BYTES]).decode("ascii")
    more = "…" if len(data) > _PREVIEW_BYTES else ""
    unit = "byte" if len(data) == 1 else "bytes"
    return f"{head}{more} ({len(data)} {unit})"


def display(value: AttributeValue, limit: int = DISPLAY_LIMIT) -> str:
    """One AttributeValue as a short line for a grid cell: numbers exactly as stored,
    strings as they are, sets as ``{"a", "b"}`` / ``{1, 2.5}``, binary as a base64 preview
    with its length, lists and maps as compact document JSON; cut at `limit` characters."""
    try:
        ((typ, payload),) = value.items()
        if typ == "S":
            text = payload.replace("\r\n", "↵").replace("\n", "↵") if "\n" in payload else payload
        elif typ == "N":
            return payload
        elif typ == "BOOL":
            return "true" if payload else "false"
        elif typ == "NULL":
            return "null"
        elif typ == "B":
            return _preview(payload)
        elif typ == "SS":
            text = "{" + ", ".join(_encode_string(m) for m in payload) + "}"
        elif typ == "NS":
            text = "{" + ", ".join(payload) + "}"
        elif typ == "BS":
            text = "{" + ", ".join(_preview(m) for m in payload) + "}"
        else:
            out: list[str] = []
            _emit(_to_doc(value, ()), out, 0, None)
            text = "".join(out)
    except (AttributeError, TypeError, ValueError, _Fail):
        return "?"
    return text if len(text) <= limit else text[:limit - 1] + "…"
