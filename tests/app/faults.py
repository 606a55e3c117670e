"""Inject faults under botocore's real retry code with a `before-send` handler."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse


class _Raw:
    """The body stream AWSResponse reads from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._body


def response(body: dict[str, Any], status: int = 200) -> AWSResponse:
    headers = {"Content-Type": "application/x-amz-json-1.0",
               "x-amzn-RequestId": "injected"}
    return AWSResponse("http://injected", status, headers, _Raw(json.dumps(body).encode()))


def throttle() -> AWSResponse:
    return response({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                     "message": "Rate exceeded (injected)"}, status=400)


Responder = Callable[[AWSPreparedRequest, int], AWSResponse | None]


class Injector:
    """Calls `responder(request, n)` for the n-th send (1-based) of one operation; a
    response it returns replaces the real one, None lets the request through."""

    def __init__(self, client: Any, operation: str, responder: Responder) -> None:
        self.client = client
        self.event = f"before-send.dynamodb.{operation}"
        self.responder = responder
        self.sent = 0
        self.bodies: list[dict[str, Any]] = []
        client.meta.events.register_first(self.event, self._handler)

    def _handler(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse | None:
        self.sent += 1
        self.bodies.append(json.loads(request.body or b"{}"))
        return self.responder(request, self.sent)

    def remove(self) -> None:
        self.client.meta.events.unregister(self.event, self._handler)
