"""The app's own log: secrets and item data redacted; botocore's wire log stays off."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

REDACTED = "***"

# Loggers that print request headers and bodies at DEBUG: kept at WARNING by the app.
WIRE_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer")

# Header or key names whose whole value is secret.
_SECRET_NAMES = (
    r"authorization|x-amz-security-token|x-amz-signature|x-amz-credential"
    r"|aws_secret_access_key|aws_session_token|secret_?access_?key|secretkey|secret_key"
    r"|session_?token|sessiontoken|accesstoken|access_token|refreshtoken|refresh_token"
    r"|clientsecret|client_secret|tokencode|token_code|password"
)
# name = value inside quotes: 'Authorization': b'AWS4-HMAC...' or "SessionToken": "..."
_QUOTED = re.compile(
    r"""(?P<head>(?P<q>['"])(?:""" + _SECRET_NAMES + r""")(?P=q)\s*[:=]\s*b?)"""
    r"""(?P<vq>['"])(?P<value>(?:\\.|(?!(?P=vq)).)*)(?P=vq)""",
    re.IGNORECASE)
# A header line: everything after the colon is secret.
_HEADER_LINE = re.compile(
    r"(?im)^(?P<head>[ \t]*(?:proxy-)?(?:authorization|x-amz-security-token)[ \t]*:[ \t]*)"
    r"(?P<value>\S.*)$")
# name: value or name=value outside quotes (INI lines, query strings, kwargs reprs),
# with an auth scheme ("Bearer abc") taken as part of the value.
_BARE = re.compile(
    r"(?P<head>\b(?:" + _SECRET_NAMES + r")\b\s*[:=]\s*)"
    r"(?P<value>(?:(?:Bearer|Basic|AWS4-HMAC-SHA256)\s+)?[^\s&,;'\"]+)",
    re.IGNORECASE)
# SigV4 pieces wherever they appear (botocore.auth logs "Signature:\n<hex>" at DEBUG).
_SIGV4 = re.compile(r"(?P<head>\b(?:Credential|Signature)=|\bSignature:\s*)"
                    r"(?P<value>[^\s,&'\"]+)")
# Access key ids: keep the prefix (it says which kind), drop the rest.
_KEY_ID = re.compile(r"\b(?P<head>AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b")

# Keys whose values hold table data: replaced whole, whatever their structure.
_DATA_KEYS = (
    "Item", "Items", "Key", "Keys", "Attributes", "ExpressionAttributeValues",
    "ExclusiveStartKey", "LastEvaluatedKey", "RequestItems", "TransactItems",
    "TransactStatements", "Statements", "Statement", "Parameters", "Responses",
    "UnprocessedItems", "UnprocessedKeys", "NewImage", "OldImage", "CancellationReasons",
    "body",
)
_DATA = re.compile(r"""(?P<q>['"])(?P<name>""" + "|".join(_DATA_KEYS) +
                   r""")(?P=q)\s*:\s*""")


def _end_of_value(text: str, start: int) -> int:
    """Index just past the JSON/Python value starting at `start` (object, list, string
    or scalar), with quotes and nesting respected."""
    if start >= len(text):
        return start
    if text[start] == "b" and text[start + 1:start + 2] in ("'", '"'):
        start += 1  # a bytes literal
    opening = text[start]
    if opening in "'\"":
        i = start + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == opening:
                return i + 1
            i += 1
        return len(text)
    if opening not in "{[(":
        i = start
        while i < len(text) and text[i] not in ",}]) \n":
            i += 1
        return i
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def _redact_data(text: str) -> str:
    out, pos = [], 0
    for match in _DATA.finditer(text):
        if match.start() < pos:
            continue  # inside a value already dropped
        value_start = match.end()
        if text.startswith("<", value_start):
            continue  # redacted before ("<75 chars redacted>"): redacting is idempotent
        value_end = _end_of_value(text, value_start)
        out.append(text[pos:value_start])
        out.append(f"<{value_end - value_start} chars redacted>")
        pos = value_end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str) -> str:
    """`text` with credentials, signatures, tokens and item data replaced."""
    if not text:
        return text
    text = _QUOTED.sub(lambda m: f"{m['head']}{m['vq']}{REDACTED}{m['vq']}", text)
    text = _HEADER_LINE.sub(lambda m: f"{m['head']}{REDACTED}", text)
    text = _BARE.sub(lambda m: f"{m['head']}{REDACTED}", text)
    text = _SIGV4.sub(lambda m: f"{m['head']}{REDACTED}", text)
    text = _KEY_ID.sub(lambda m: f"{m['head']}{REDACTED}", text)
    return _redact_data(text)


class RedactingFilter(logging.Filter):
    """Redacts each record's message (arguments merged in) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw template
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Redacts the whole formatted line, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def keep_wire_logs_off() -> None:
    """botocore logs signed headers and bodies at DEBUG: never let it get there."""
    for name in WIRE_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def setup_logging(log_file: Path | None = None, level: int = logging.INFO
                  ) -> logging.Handler:
    """The app's log handler (a rotating file, or stderr), redacting everything it writes.

    Returns the handler, already attached to the root logger.
    """
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    else:
        handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    keep_wire_logs_off()
    return handler


__all__ = ["RedactingFilter", "RedactingFormatter", "keep_wire_logs_off", "redact",
           "setup_logging"]
