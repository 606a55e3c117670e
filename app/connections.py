"""Connection profiles and one boto3 session and low-level client per connection."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from botocore.config import Config

from app.errors import describe

Kind = Literal["sandbox", "endpoint", "profile", "default"]

#: Retry settings are explicit: botocore's own default mode is still "legacy".
RETRY_MODE = "standard"
MAX_ATTEMPTS = 5
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30

# Blocking SDK calls run here, never on the GUI thread. boto3 clients are thread-safe.
_EXECUTOR = ThreadPoolExecutor(max_workers=8, thread_name_prefix="dynascope-aws")


@dataclass(frozen=True)
class ConnectionProfile:
    """What a saved connection is: never a secret, only names, regions and URLs."""

    name: str
    kind: Kind
    region: str = "us-east-1"
    endpoint_url: str | None = None
    profile_name: str | None = None
    read_only: bool = False
    color: str = ""

    @property
    def label(self) -> str:
        if self.kind == "sandbox" or self.name == self.endpoint_url:
            return self.name
        return f"{self.name} · {self.region}"


@dataclass
class Connection:
    """A live connection: one boto3 Session and one low-level DynamoDB client."""

    profile: ConnectionProfile
    client: Any = field(repr=False)

    async def call(self, operation: str, action: str, **kwargs: Any) -> dict:
        """Run one DynamoDB operation off the calling thread.

        `operation` is the client method name (``"list_tables"``); `action` says in words
        what it does, for the error message. Errors come back as `DynascopeError`.
        """
        method: Callable[..., dict] = getattr(self.client, operation)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(_EXECUTOR, functools.partial(method, **kwargs))
        except Exception as exc:  # every failure becomes a sentence for the user
            raise describe(exc, action) from exc


async def run_blocking(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking function on the SDK's worker threads and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_EXECUTOR, functools.partial(fn, *args))


def client_config(max_attempts: int = MAX_ATTEMPTS) -> Config:
    return Config(
        retries={"mode": RETRY_MODE, "total_max_attempts": max_attempts},
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        user_agent_extra="dynascope",
    )


def sandbox_profile(endpoint_url: str, region: str) -> ConnectionProfile:
    return ConnectionProfile(
        name="Local sandbox", kind="sandbox", region=region, endpoint_url=endpoint_url
    )


# The sandbox's fixed, fake credentials: they only ever go to 127.0.0.1.
SANDBOX_ACCESS_KEY = "sandbox"
SANDBOX_SECRET_KEY = "sandbox"
# What an endpoint connection without a profile signs with (DynamoDB Local keeps data
# apart per access key and region, so this one is stable).
LOCAL_ACCESS_KEY = "dynascopelocal"
LOCAL_SECRET_KEY = "dynascopelocal"


def connect(profile: ConnectionProfile) -> Connection:
    """Build the session and client for `profile`. Makes no network call."""
    if profile.kind in ("sandbox", "endpoint") and not profile.endpoint_url:
        raise ValueError(f"connection {profile.name!r} needs an endpoint URL")
    if profile.kind == "sandbox":
        session = boto3.session.Session(
            aws_access_key_id=SANDBOX_ACCESS_KEY,
            aws_secret_access_key=SANDBOX_SECRET_KEY,
            region_name=profile.region,
        )
    elif profile.kind == "endpoint" and not profile.profile_name:
        # Local emulators accept any key; a fixed fake one keeps the AWS chain out of it.
        session = boto3.session.Session(
            aws_access_key_id=LOCAL_ACCESS_KEY,
            aws_secret_access_key=LOCAL_SECRET_KEY,
            region_name=profile.region,
        )
    elif profile.kind in ("profile", "endpoint"):
        session = boto3.session.Session(
            profile_name=profile.profile_name, region_name=profile.region
        )
    else:
        session = boto3.session.Session(region_name=profile.region)
    client = session.client(
        "dynamodb", endpoint_url=profile.endpoint_url, config=client_config()
    )
    return Connection(profile=profile, client=client)
