"""Errors from DynamoDB calls become sentences that say what happened and what to do."""

from __future__ import annotations

import asyncio

import pytest
from faults import Injector, response, throttle

from app import catalog
from app.connections import Connection, client_config
from app.errors import AwsError, ConnectionFailed, DynascopeError, describe


def _html_500(request, n):
    body = b"<!doctype html><title>500 Internal Server Error</title><h1>Oops</h1>"
    resp = response({})
    resp.status_code = 500
    resp.headers["Content-Type"] = "text/html"
    resp.raw._body = body
    return resp


@pytest.fixture
def one_try(endpoint_profile):
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint_profile.endpoint_url,
                          region_name=endpoint_profile.region, aws_access_key_id="t",
                          aws_secret_access_key="t", config=client_config(max_attempts=1))
    return Connection(endpoint_profile, client)


def test_an_html_crash_page_reads_as_a_sentence(one_try):
    injector = Injector(one_try.client, "ListTables", _html_500)
    try:
        with pytest.raises(AwsError) as caught:
            asyncio.run(catalog.list_tables_page(one_try))
    finally:
        injector.remove()
    text = str(caught.value)
    assert text.startswith("Could not list the tables: the endpoint failed")
    assert "HTTP 500" in text and "<!doctype" not in text
    assert caught.value.code == "InternalServerError"


def test_throttling_says_to_wait(one_try):
    injector = Injector(one_try.client, "ListTables", lambda request, n: throttle())
    try:
        with pytest.raises(AwsError) as caught:
            asyncio.run(catalog.list_tables_page(one_try))
    finally:
        injector.remove()
    assert caught.value.code == "ThrottlingException"
    assert "wait a moment" in caught.value.hint


def test_retries_hide_a_passing_throttle(conn):
    """The app's own client (standard retries, 5 attempts) rides over two throttles."""
    injector = Injector(conn.client, "ListTables",
                        lambda request, n: throttle() if n <= 2 else None)
    try:
        names, _ = asyncio.run(catalog.list_tables_page(conn))
    finally:
        injector.remove()
    assert injector.sent == 3
    assert isinstance(names, list)


def test_other_exceptions_keep_their_type_name():
    err = describe(ValueError("bad"), "read the item")
    assert str(err) == "Could not read the item: ValueError: bad"
    assert describe(err, "anything") is err


def test_a_request_refused_before_sending_is_not_called_a_connection_problem(conn):
    with pytest.raises(DynascopeError) as caught:
        asyncio.run(conn.call("scan", "scan the table", TableName="t", Limit="ten"))
    assert not isinstance(caught.value, ConnectionFailed)
    assert str(caught.value).startswith("Could not scan the table: the request is not valid")
    assert "Nothing was sent" in caught.value.hint
