"""A fast page path: Scan, Query and ExecuteStatement items taken from the raw body."""

from __future__ import annotations

import binascii
import gc
import json
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from json.decoder import scanstring
from typing import Any

#: Set to 0 (or false, no, off) to read every page through botocore's own parser.
ENV_VAR = "DYNASCOPE_FAST_PATH"
#: The operations whose `Items` skip botocore's shape walk.
OPERATIONS = ("Scan", "Query", "ExecuteStatement")

#: What botocore's JSON parser calls for a blob is `base64.b64decode(text)`, which is
#: `binascii.a2b_base64(text.encode("ascii"), strict_mode=False)`: for the str values JSON
#: gives, calling it directly returns the same bytes and fails on the same inputs (non-ASCII
#: text: ValueError; bad padding: binascii.Error; not a str: TypeError), and, not strict,
#: it drops characters outside the alphabet just the same. It saves two Python calls per
#: value. tests/app/test_fastpath.py checks the two agree.
_a2b = binascii.a2b_base64


def enabled_by_default() -> bool:
    """On unless the environment says ``DYNASCOPE_FAST_PATH=0``."""
    return os.environ.get(ENV_VAR, "1").strip().lower() not in ("0", "false", "no", "off")


#: Types that never hold binary: the walk steps over them at once.
_NO_BINARY = frozenset(("S", "N", "BOOL", "NULL", "SS", "NS"))


def _walk(values: Any) -> None:
    """Turn the base64 text of the B and BS values among `values` (AttributeValues; also
    inside L and M, at any depth) into bytes, in place, as botocore's parser does.

    One call per list or map, not per value: the common case (a scalar) costs one dict
    iteration and one set lookup. Only the first entry of a value counts (the service
    sends one); replacing its value while iterating is safe (the dict's size is kept).
    """
    skip = _NO_BINARY
    for value in values:
        for kind in value:
            if kind in skip:
                break
            payload = value[kind]
            if kind == "B":
                value[kind] = _a2b(payload)
            elif kind == "M":
                _walk(payload.values())
            elif kind == "L":
                _walk(payload)
            elif kind == "BS":
                value[kind] = [_a2b(m) for m in payload]
            break


def decode_binary(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Items of DynamoDB JSON as `json.loads` gives them -> the low-level client's shape.

    Only binary differs (base64 text on the wire, bytes in the client); numbers stay
    their exact strings, sets stay lists. Works in place and returns `items`.
    """
    walk = _walk
    for item in items:
        walk(item.values())
    return items


def may_hold_binary(body: bytes) -> bool:
    """False when no B or BS value can be in this JSON text (a cheap byte search). An
    escaped name (``\\u0042``) counts as maybe."""
    return b'"B"' in body or b'"BS"' in body or b"\\u00" in body


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_BLANK = frozenset(" \t\n\r")
_raw_decode = json.JSONDecoder().raw_decode
#: The scanner `raw_decode` wraps (json's C scanner when there is one): one value at an
#: index, StopIteration when there is none there (raw_decode turns that into its error).
_scan_once = json.JSONDecoder().scan_once


def split_items(text: str, binary: bool = False) -> tuple[list[Any], dict[str, Any]] | None:
    """A JSON object's ``Items`` array and the object's other members, as `json.loads`
    would read them; None when `text` is not JSON, or not an object with an array of
    Items. With `binary`, the items' B and BS values are bytes (`decode_binary`), and
    None also means a value that is not the service's shape or not base64.

    Each item is read by its own call of json's scanner, so a page of a thousand items
    never holds the GIL for more than one item at a time (`json.loads` of a 1 MB page
    would hold it for its whole parse, and the window would stop painting meanwhile).
    Its binary is decoded right after, while the item is still in the CPU's cache.
    """
    try:
        return _split(text, binary)
    except (ValueError, StopIteration):  # json's own errors (and base64's)
        return None
    except (TypeError, AttributeError, LookupError):  # a value of another shape
        return None


def _split(text: str, binary: bool) -> tuple[list[Any], dict[str, Any]] | None:
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
                scan, blank, walk = _scan_once, _BLANK, _walk
                while True:  # the hot loop: whitespace is rare, so only then the regex
                    item, pos = scan(text, pos)
                    append(item)
                    if binary:
                        walk(item.values())
                    mark = text[pos:pos + 1]
                    if mark in blank:
                        pos = ws(text, pos).end()
                        mark = text[pos:pos + 1]
                    if mark == ",":
                        pos += 1
                        if text[pos:pos + 1] in blank:
                            pos = ws(text, pos).end()
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


_pause_lock = threading.Lock()
_pausing = 0  # threads inside `_collector_paused` now
_resume = False  # whether the last of them turns the collector back on


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector off while pages are parsed, on one thread or several at once
    (a parallel scan): the first one in turns it off if it was on, the last one out
    turns it back on. (Each thread on its own would see the collector that another one
    turned off as "off", and one turning it on would let it run through the others'
    pages.)"""
    global _pausing, _resume
    with _pause_lock:
        if _pausing == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pausing -= 1
            if _pausing == 0 and _resume:
                gc.enable()


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
    # Anything that is not the service's shape (binary that is not base64 included)
    # gives None: botocore's parser then decides what it is.
    with _collector_paused():
        try:
            found = split_items(body.decode("utf-8"),  # decoded as botocore decodes it
                                binary=may_hold_binary(body))
        except UnicodeDecodeError:  # botocore's parser reports it
            return
    if found is None:
        return
    items, rest = found
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
