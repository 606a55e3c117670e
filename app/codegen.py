"""The request as code the user can copy: boto3 (client), the AWS CLI, and PartiQL.

Python and the CLI are made from the request dict (``QuerySpec.to_request()``), so they
send exactly what Dynascope sends. PartiQL is made from the `QuerySpec` itself: the
translation needs the structure of the conditions, not their rendered text, and it is
offered only when a statement returns the same items (`partiql` returns None otherwise).

The CLI command is for AWS CLI v2 (binary values as base64 in JSON) and carries
``--no-paginate``: without it the CLI would follow LastEvaluatedKey and send more
requests than the one shown.
"""

from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from botocore import xform_name

from app.catalog import TableInfo
from app.expressions import (
    And,
    AttributeExists,
    AttributeNotExists,
    BeginsWith,
    Between,
    Compare,
    Condition,
    Contains,
    In,
    KeyTerm,
    Not,
    Or,
    Path,
    Size,
    Value,
)
from app.query import QuerySpec

WIDTH = 88


def operation_of(request: dict[str, Any]) -> str:
    """"Query" when the request has a key condition, else "Scan"."""
    return "Query" if "KeyConditionExpression" in request else "Scan"


def _method(operation: str) -> str:
    op = operation.lower()
    if op not in ("query", "scan"):
        raise ValueError(f"code generation knows Query and Scan, not {operation!r}")
    return op


# ---------------------------------------------------------------- Python

def _py_str(text: str) -> str:
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1] + '"'
    return literal


def _py_inline(value: Any) -> str:
    if isinstance(value, str):
        return _py_str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py_inline(k)}: {_py_inline(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_py_inline(v) for v in value) + "]"
    return repr(value)  # bytes as b'...', bool, int, None


def _py_long_str(text: str, indent: int) -> str:
    """A long string as adjacent literals in parentheses, cut after spaces."""
    room = max(WIDTH - indent - 8, 40)
    pieces, current = [], ""
    for word in re.findall(r"\S*\s*", text):
        if current and len(current) + len(word) > room:
            pieces.append(current)
            current = ""
        current += word
    pieces.append(current)
    pad = " " * (indent + 4)
    return "(\n" + "\n".join(pad + _py_str(p) for p in pieces if p) + "\n" + " " * indent + ")"


def _py(value: Any, indent: int) -> str:
    inline = _py_inline(value)
    if indent + len(inline) <= WIDTH:
        return inline
    if isinstance(value, str) and " " in value:
        return _py_long_str(value, indent)
    if not isinstance(value, dict | list) or not value:
        return inline
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        body = [f"{pad}{_py_inline(k)}: {_py(v, indent + 4 + len(_py_inline(k)) + 2)},"
                for k, v in value.items()]
        return "{\n" + "\n".join(body) + "\n" + " " * indent + "}"
    body = [f"{pad}{_py(v, indent + 4)}," for v in value]
    return "[\n" + "\n".join(body) + "\n" + " " * indent + "]"


def python_code(operation: str, request: dict[str, Any], *, region: str | None = None,
                endpoint_url: str | None = None) -> str:
    """A runnable boto3 script that sends `request` with the low-level client."""
    args = ['"dynamodb"']
    if region:
        args.append(f"region_name={_py_str(region)}")
    if endpoint_url:
        args.append(f"endpoint_url={_py_str(endpoint_url)}")
    lines = ["import boto3", "", f"client = boto3.client({', '.join(args)})",
             f"response = client.{_method(operation)}("]
    lines += [f"    {key}={_py(value, 4)}," for key, value in request.items()]
    lines += [")", 'items = response.get("Items", [])',
              "# More pages: pass response[\"LastEvaluatedKey\"] as ExclusiveStartKey.", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- AWS CLI

def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def cli_args(operation: str, request: dict[str, Any], *, region: str | None = None,
             endpoint_url: str | None = None) -> list[str]:
    """The AWS CLI command as an argument list (before shell quoting)."""
    args = ["aws", "dynamodb", _method(operation).replace("_", "-")]
    for key, value in request.items():
        flag = "--" + xform_name(key, "-")
        if isinstance(value, bool):
            args.append(flag if value else "--no-" + flag[2:])
        elif isinstance(value, dict | list):
            args += [flag, json.dumps(_jsonable(value), ensure_ascii=False)]
        else:
            args += [flag, str(value)]
    args.append("--no-paginate")
    if region:
        args += ["--region", region]
    if endpoint_url:
        args += ["--endpoint-url", endpoint_url]
    return args


def cli_command(operation: str, request: dict[str, Any], *, region: str | None = None,
                endpoint_url: str | None = None) -> str:
    """One line for a POSIX shell, every argument quoted with `shlex.quote`."""
    return " ".join(shlex.quote(a) for a in cli_args(operation, request, region=region,
                                                     endpoint_url=endpoint_url))


# ---------------------------------------------------------------- PartiQL

class _NoEquivalent(Exception):
    """This part of the spec has no faithful PartiQL form."""


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _pq_name(name: str) -> str:
    if '"' in name:
        raise _NoEquivalent
    return f'"{name}"'


def _pq_path(path: Path) -> str:
    out = []
    for seg in path.segments:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        else:
            out.append(("." if out else "") + _pq_name(seg))
    return "".join(out)


def _pq_value(value: Value) -> str:
    if value.type == "S":
        return "'" + value.data.replace("'", "''") + "'"
    if value.type == "N" and _PLAIN_NUMBER.fullmatch(value.data):
        return value.data.lstrip("+")
    if value.type == "BOOL":
        return "true" if value.data else "false"
    raise _NoEquivalent  # binary, NULL, sets, lists, maps, numbers with exponents


def _pq_operand(operand: Any) -> str:
    if isinstance(operand, Path):
        return _pq_path(operand)
    if isinstance(operand, Value):
        return _pq_value(operand)
    raise _NoEquivalent  # size()


def _pq_condition(c: Condition) -> str:
    if isinstance(c, Compare):
        return f"{_pq_operand(c.left)} {c.op} {_pq_operand(c.right)}"
    if isinstance(c, Between):
        if isinstance(c.operand, Size):
            raise _NoEquivalent
        return (f"{_pq_path(c.operand)} BETWEEN {_pq_value(c.low)} AND "
                f"{_pq_value(c.high)}")
    if isinstance(c, In):
        if isinstance(c.operand, Size):
            raise _NoEquivalent
        return f"{_pq_path(c.operand)} IN [{', '.join(_pq_value(v) for v in c.options)}]"
    if isinstance(c, BeginsWith):
        return f"begins_with({_pq_path(c.path)}, {_pq_value(c.prefix)})"
    if isinstance(c, Contains):
        return f"contains({_pq_path(c.path)}, {_pq_operand(c.operand)})"
    if isinstance(c, AttributeExists):
        return f"{_pq_path(c.path)} IS NOT MISSING"
    if isinstance(c, AttributeNotExists):
        return f"{_pq_path(c.path)} IS MISSING"
    if isinstance(c, And | Or):
        joiner = " AND " if isinstance(c, And) else " OR "
        return joiner.join(f"({_pq_condition(p)})" if isinstance(p, And | Or) else
                           _pq_condition(p) for p in c.conditions)
    if isinstance(c, Not):
        inner = _pq_condition(c.condition)
        return f"NOT {inner}" if c.condition._is_call else f"NOT ({inner})"
    raise _NoEquivalent  # attribute_type(), and anything new


def _pq_key(term: KeyTerm) -> str:
    name = _pq_name(term.name)
    v = [_pq_value(x) for x in term.values]
    if term.op == "BETWEEN":
        return f"{name} BETWEEN {v[0]} AND {v[1]}"
    if term.op == "begins_with":
        return f"begins_with({name}, {v[0]})"
    return f"{name} {term.op} {v[0]}"


def partiql(spec: QuerySpec, table_info: TableInfo | None = None) -> str | None:
    """A PartiQL SELECT returning the same items as `spec`, or None when there is none.

    None for: size() and attribute_type(), values PartiQL cannot write here (binary, NULL,
    sets, lists, maps, numbers in exponent notation), a parallel scan, a page size
    (Limit), consistent read, counting, and a descending Query without `table_info`
    (ORDER BY needs the sort key's name).
    """
    if (spec.segments > 1 or spec.page_size is not None or spec.consistent_read
            or spec.select_count):
        return None
    try:
        source = _pq_name(spec.table)
        if spec.index:
            source += "." + _pq_name(spec.index)
        columns = ", ".join(_pq_path(p) for p in spec.projection) or "*"
        where: list[str] = []
        if spec.key_condition is not None:
            partition = None
            if table_info is not None:
                partition = spec.key_schema(table_info)[0].name
            where += [_pq_key(t) for t in spec.key_condition.ordered(partition)]
        if spec.filter is not None:
            text = _pq_condition(spec.filter)
            where.append(f"({text})" if isinstance(spec.filter, Or) and where else text)
        statement = f"SELECT {columns} FROM {source}"
        if where:
            statement += " WHERE " + " AND ".join(where)
        if spec.is_query and not spec.forward:
            if table_info is None:
                return None
            keys = spec.key_schema(table_info)
            if len(keys) < 2:
                return statement  # no sort key: no order to reverse
            statement += f" ORDER BY {_pq_name(keys[1].name)} DESC"
        return statement
    except _NoEquivalent:
        return None


# ---------------------------------------------------------------- all three

@dataclass(frozen=True)
class GeneratedCode:
    request: dict[str, Any]
    python: str
    cli: str
    partiql: str | None


def generate(spec: QuerySpec, table_info: TableInfo | None = None, *,
             segment: int | None = None, region: str | None = None,
             endpoint_url: str | None = None) -> GeneratedCode:
    """The request of `spec` and its code in boto3, the AWS CLI and PartiQL."""
    if spec.segments > 1 and segment is None:
        segment = 0
    request = spec.to_request(table_info, segment)
    where = {"region": region, "endpoint_url": endpoint_url}
    return GeneratedCode(
        request=request,
        python=python_code(spec.operation, request, **where),
        cli=cli_command(spec.operation, request, **where),
        partiql=partiql(spec, table_info),
    )


__all__ = ["GeneratedCode", "cli_args", "cli_command", "generate", "operation_of",
           "partiql", "python_code"]
