"""A fast page path: Scan, Query and ExecuteStatement items taken from the raw body."""

from __future__ import annotations

import base64
import binascii
import gc
import json
import os
import re
from json.decoder import scanstring
from typing import Any

#: Set to 0 (or false, no, off) to read every page through botocore's own parser.
ENV_VAR = "DYNASCOPE_FAST_PATH"
#: The operations whose `Items` skip botocore's shape walk.
OPERATIONS = ("Scan", "Query", "ExecuteStatement")

_b64decode = base64.b64decode


def enabled_by_default() -> bool:
    """On unless the environment says ``DYNASCOPE_FAST_PATH=0``."""
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off")


#: Types that never hold binary: the walk steps over them at once.
_NO_BINARY = frozenset(("S", "N", "BOOL", "NULL", "SS", "NS"))


def _binary_in(value: dict[str, Any]) -> None:
    """Turn the base64 text of B and BS values (also inside L and M) into bytes, in place,
    with the very call botocore's JSON parser makes (`base64.b64decode`)."""
    for kind in value:  # one entry; replacing its value is safe
        payload = value[kind]
        if kind == "B":
            value[kind] = _b64decode(payload)
        elif kind == "BS":
            value[kind] = [_b64decode(m) for m in payload]
        elif kind == "M":
            _members(payload.values())
        elif kind == "L":
            _members(payload)
        return


def _members(values: Any) -> None:
    skip = _NO_BINARY
    for value in values:
        for kind in value:
            if kind not in skip:
                _binary_in(value)
            break


def decode_binary(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items of DynamoDB JSON as `json.loads` gives them -> the low-level client's shape.

    Only binary differs (base64 text on the wire, bytes in the client); numbers stay
    their exact strings, sets stay lists. Works in place and returns `items`.
    """
    for item in items:
        _members(item.values())
    return items


def may_hold_binary(body: bytes) -> bool:
    """False when no B or BS value can be in this JSON text (a cheap byte search). An
    escaped name (``\\u0042``) counts as maybe."""
    return b'"B"' in body or b'"BS"' in body or b"\\u00" in body


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_raw_decode = json.JSONDecoder().raw_decode


def split_items(text: str) -> tuple[list[Any], dict[str, Any]] | None:
    """A JSON object's ``Items`` array and the object's other members, as `json.loads`
    would read them; None when `text` is not JSON, or not an object with an array of
    Items.

    Each item is read by its own call of json's scanner, so a page of a thousand items
    never holds the GIL for more than one item at a time (`json.loads` of a 1 MB page
    would hold it for its whole parse, and the window would stop painting meanwhile).
    """
    try:
        return _split(text)
    except ValueError:  # json's own errors: not JSON
        return None


def _split(text: str) -> tuple[list[Any], dict[str, Any]] | None:
    ws = _WHITESPACE.match
    pos = ws(text, 0).end()
    if text[pos:pos + 1] != "{":
        return None
    pos = ws(text, pos + 1).end()
    items: list[Any] | None = None
    rest: dict[str, Any] = {}
    if text[pos:pos + 1] == "}":
        return None
    while True:
        if text[pos:pos + 1] != '"':
            return None
        name, pos = scanstring(text, pos + 1)
        pos = ws(text, pos).end()
        if text[pos:pos + 1] != ":":
            return None
        pos = ws(text, pos + 1).end()
        if name == "Items" and text[pos:pos + 1] == "[":
            items = []
            append = items.append
            pos = ws(text, pos + 1).end()
            if text[pos:pos + 1] == "]":
                pos += 1
            else:
                while True:
                    item, pos = _raw_decode(text, pos)
                    append(item)
                    pos = ws(text, pos).end()
                    mark = text[pos:pos + 1]
                    if mark == ",":
                        pos = ws(text, pos + 1).end()
                    elif mark == "]":
                        pos += 1
                        break
                    else:
                        return None
            rest.pop("Items", None)
        else:
            rest[name], pos = _raw_decode(text, pos)
            if name == "Items":  # a later duplicate wins, as in json.loads
                items = None
        pos = ws(text, pos).end()
        mark = text[pos:pos + 1]
        if mark == ",":
            pos = ws(text, pos + 1).end()
        elif mark == "}":
            break
        else:
            return None
    if items is None or ws(text, pos + 1).end() != len(text):
        return None
    return items, rest


def take_items(response_dict: dict[str, Any], customized_response_dict: dict[str, Any],
               **_kwargs: Any) -> None:
    """botocore's ``before-parse`` handler: for a 200 response, move ``Items`` from the
    raw body to `customized_response_dict` and leave botocore only the rest to parse.

    Anything unusual (an error status, a body that is not a JSON object, no list of
    items, binary that is not base64) is left untouched for botocore's own parser, so
    errors, retries and its messages stay exactly what they are. The CRC32 check of
    DynamoDB responses reads the HTTP response's own content, which is never changed.
    """
    if response_dict.get("status_code") != 200:
        return
    body = response_dict.get("body")
    if type(body) is not bytes:
        return
    # The parsed page is a tree without cycles that the app drops soon after: left on,
    # the cycle collector would walk it again and again while it is built, promote it to
    # the oldest generation and then walk every object of the app (tens of ms).
    collecting = gc.isenabled()
    gc.disable()
    try:
        found = split_items(body.decode("utf-8"))  # decoded as botocore decodes it
    except UnicodeDecodeError:  # botocore's parser reports it
        return
    finally:
        if collecting:
            gc.enable()
    if found is None:
        return
    items, rest = found
    if may_hold_binary(body):
        try:
            decode_binary(items)
        except (binascii.Error, TypeError, ValueError, AttributeError):
            return  # not the service's shape: botocore's parser decides what it is
    customized_response_dict["Items"] = items
    response_dict["body"] = json.dumps(rest).encode()


def _event(operation: str) -> str:
    return f"before-parse.dynamodb.{operation}"


def _unique_id(operation: str) -> str:
    return f"dynascope-fast-path-{operation}"


def install(client: Any) -> None:
    """Use the fast path on this DynamoDB client (installing twice is harmless)."""
    for operation in OPERATIONS:
        client.meta.events.register(_event(operation), take_items,
                                    unique_id=_unique_id(operation))


def uninstall(client: Any) -> None:
    """Back to botocore's own parser for every page of this client."""
    for operation in OPERATIONS:
        client.meta.events.unregister(_event(operation), unique_id=_unique_id(operation))
