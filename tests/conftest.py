"""Fixtures shared by every test: a real moto server over HTTP and the demo sandbox."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Qt must never look for a display in tests; set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Tests never read the developer's real AWS files or keys.
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
for _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
              "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from app.connections import Connection, ConnectionProfile, connect  # noqa: E402
from app.sandbox import Sandbox  # noqa: E402

#: tests' own tables live in this region, apart from the sandbox's (us-east-1)
TEST_REGION = "eu-west-1"

UI_DIR = Path(__file__).parent / "ui"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if UI_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's DynamoDB server on 127.0.0.1 and a free port, for the whole run."""
    import logging

    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def endpoint_profile(moto_endpoint: str) -> ConnectionProfile:
    return ConnectionProfile(name="moto", kind="sandbox", region=TEST_REGION,
                             endpoint_url=moto_endpoint)


@pytest.fixture
def conn(endpoint_profile: ConnectionProfile) -> Connection:
    """The app's own connection to the test server."""
    return connect(endpoint_profile)


@pytest.fixture
def ddb(moto_endpoint: str):
    """A plain boto3 client on the test server, for arranging and checking state."""
    return boto3.client(
        "dynamodb", endpoint_url=moto_endpoint, region_name=TEST_REGION,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


@pytest.fixture
def table_name(ddb) -> Iterator[str]:
    """A fresh, unique table name; the table (if the test made one) is deleted after."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    yield name
    with contextlib.suppress(ddb.exceptions.ResourceNotFoundException):
        ddb.delete_table(TableName=name)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """The demo sandbox, started once for the run (the same code `dynascope` runs)."""
    box = Sandbox()
    box.start()
    yield box
    box.stop()
