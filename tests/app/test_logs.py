"""The app's log never holds a credential, a signature or an item, and botocore stays quiet."""

from __future__ import annotations

import asyncio
import io
import logging
import re
from pathlib import Path

import pytest
from faults import Injector

from app.connections import ConnectionProfile, EndpointKeys, connect
from app.logs import RedactingFilter, RedactingFormatter, redact, setup_logging

ROOT = Path(__file__).resolve().parents[2]
ACCESS_KEY = "ASIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENvalue"
QUIET = ("botocore", "boto3", "urllib3")


@pytest.fixture
def clean_logging():
    """Whatever a test does to the logging tree is undone after it."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level,
              {name: logging.getLogger(name).level for name in QUIET})
    yield
    for handler in root.handlers[:]:
        if handler not in before[0]:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(before[1])
    for name, level in before[2].items():
        logging.getLogger(name).setLevel(level)


def test_a_record_with_authorization_and_a_security_token_is_redacted(clean_logging):
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(RedactingFormatter("%(message)s"))
    log = logging.getLogger("dynascope.test")
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        headers = {"X-Amz-Security-Token": TOKEN.encode(),
                   "Authorization": (f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/"
                                     "eu-west-1/dynamodb/aws4_request, SignedHeaders=host, "
                                     "Signature=" + "ab" * 32).encode()}
        log.debug("Sending request: headers=%s", headers)
        log.info("aws_secret_access_key = %s\naws_session_token=%s", SECRET, TOKEN)
        log.info('{"Item": {"email": {"S": "alice@example.com"}}, "Count": 1}')
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    for secret in (TOKEN, SECRET, ACCESS_KEY, "ab" * 32, "alice@example.com"):
        assert secret not in text
    assert "'Authorization': b'***'" in text
    assert "'X-Amz-Security-Token': b'***'" in text
    assert "aws_secret_access_key = ***" in text
    assert '"Count": 1' in text  # what is not secret stays readable


@pytest.mark.parametrize(("line", "kept", "gone"), [
    ("Authorization: Bearer abc.def", "Authorization: ***", "abc.def"),
    ("GET /?X-Amz-Security-Token=tok%2F1&X-Amz-Signature=beef&a=1", "&a=1", "tok%2F1"),
    ('{"SecretAccessKey": "s3cr3t", "SessionToken": "t0k"}', '"SessionToken": "***"',
     "s3cr3t"),
    ("Making request with params: {'body': b'{\"Key\": {\"pk\": {\"S\": \"u1\"}}}'}",
     "'body': <", '"u1"'),
    ("Signature:\n" + "cd" * 32, "Signature:", "cd" * 32),
    ("x-amz-security-token:" + TOKEN, "x-amz-security-token:***", TOKEN),
])
def test_redact_removes_each_kind_of_secret(line, kept, gone):
    text = redact(line)
    assert gone not in text
    assert kept in text
    assert redact(text) == text  # the filter and the formatter may both run


def test_botocores_own_wire_log_comes_out_redacted(clean_logging, tmp_path, moto_endpoint,
                                                   ddb, table_name):
    """Even if a user forces botocore's DEBUG log on, the app's log file stays clean."""
    ddb.create_table(TableName=table_name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    log_file = tmp_path / "dynascope.log"
    handler = setup_logging(log_file, level=logging.DEBUG)
    logging.getLogger("botocore").setLevel(logging.DEBUG)  # what the app never does
    conn = connect(ConnectionProfile(
        name="local", kind="endpoint", region="eu-west-1", endpoint_url=moto_endpoint,
        credentials=EndpointKeys(ACCESS_KEY, SECRET, TOKEN)))
    signatures: list[str] = []

    def keep_signature(request, n):
        auth = request.headers["Authorization"].decode()
        signatures.append(re.search(r"Signature=(\w+)", auth).group(1))

    injector = Injector(conn.client, "PutItem", keep_signature)
    try:
        asyncio.run(conn.call("put_item", "save", TableName=table_name,
                              Item={"pk": {"S": "alice@example.com"}}))
        asyncio.run(conn.call("get_item", "read", TableName=table_name,
                              Key={"pk": {"S": "alice@example.com"}}))
    finally:
        injector.remove()
    handler.flush()
    text = log_file.read_text(encoding="utf-8")
    assert "Authorization" in text and "Sending http request" in text  # the log was on
    for secret in (TOKEN, SECRET, ACCESS_KEY, signatures[0], "alice@example.com"):
        assert secret not in text


def test_setup_logging_keeps_the_wire_loggers_at_warning(clean_logging, tmp_path):
    setup_logging(tmp_path / "a.log", level=logging.DEBUG)
    assert logging.getLogger().level == logging.DEBUG
    for name in QUIET:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING
    assert logging.getLogger("botocore.endpoint").getEffectiveLevel() >= logging.WARNING


def test_the_app_never_turns_on_botocores_debug_log():
    sources = sorted((ROOT / "app").rglob("*.py")) + sorted((ROOT / "ui").rglob("*.py"))
    assert len(sources) > 10
    offenders = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        if re.search(r"set_stream_logger|set_debug_logger", text):
            offenders.append(path.name)
        for line in text.splitlines():
            if re.search(r"getLogger\(\s*['\"](botocore|boto3|urllib3)", line) and \
                    "DEBUG" in line:
                offenders.append(path.name)
    assert offenders == []
