"""A replay endpoint for benchmarks: pre-built DynamoDB pages served at once from 127.0.0.1."""

from __future__ import annotations

import argparse
import base64
import json
import random
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # app/, run from anywhere

TABLE = "BenchItems"
REGION = "us-east-1"
#: DynamoDB's own page cap: 1 MB of items read per request
PAGE_BYTES = 1_000_000
_CITIES = ("Lyon", "Porto", "Graz", "Turku", "Cork", "Brno", "Gent", "Split")
_STATUS = ("NEW", "PAID", "SHIPPED", "RETURNED")
_WORDS = ("alpha", "bravo", "delta", "gamma", "kilo", "lima", "oscar", "tango", "zulu")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def make_item(i: int, rnd: random.Random | None = None) -> dict[str, Any]:
    """Item `i` in DynamoDB JSON (the wire form): about 340 bytes of item size and 690 of
    wire JSON, with every type (binary and sets included) and an attribute that changes
    every 2,500 items, so the grid's columns keep growing during a long scan."""
    rnd = rnd or random.Random(i)
    item: dict[str, Any] = {
        "pk": {"S": f"customer#{i % 5000:05d}"},
        "sk": {"S": f"order#{i:08d}"},
        "status": {"S": rnd.choice(_STATUS)},
        "total": {"N": f"{rnd.randint(1, 99999)}.{rnd.randint(0, 99):02d}"},
        "qty": {"N": str(rnd.randint(1, 40))},
        "paid": {"BOOL": rnd.random() < 0.7},
        "tags": {"SS": sorted(rnd.sample(_WORDS, 3))},
        "sizes": {"NS": [str(n) for n in rnd.sample(range(30, 50), 3)]},
        "thumb": {"B": _b64(rnd.randbytes(30))},
        "sigs": {"BS": [_b64(rnd.randbytes(8)) for _ in range(2)]},
        "address": {"M": {
            "street": {"S": f"{rnd.randint(1, 999)} {rnd.choice(_WORDS).title()} Street"},
            "city": {"S": rnd.choice(_CITIES)},
            "geo": {"M": {"lat": {"N": f"{rnd.uniform(-90, 90):.5f}"},
                          "lon": {"N": f"{rnd.uniform(-180, 180):.5f}"}}},
        }},
        "lines": {"L": [{"M": {"sku": {"S": f"SKU-{rnd.randint(0, 99999):05d}"},
                               "n": {"N": str(rnd.randint(1, 9))}}} for _ in range(2)]},
        "note": {"S": " ".join(rnd.choice(_WORDS) for _ in range(7))},
        "expires_at": {"N": str(1_800_000_000 + i)},
    }
    if i % 3 == 0:
        item["coupon"] = {"NULL": True}
    item[f"attr_{i // 2500:02d}"] = {"S": "x" * 16}
    return item


def _cursor(item: dict[str, Any]) -> dict[str, Any]:
    return {"pk": item["pk"], "sk": item["sk"]}


class Pages:
    """`count` items cut into pages as DynamoDB cuts them: at the request's Limit or at
    about 1 MB of wire JSON, whichever comes first, with a LastEvaluatedKey after every
    page but the last. Bodies are built once per (start, limit) and then reused."""

    def __init__(self, count: int, seed: int = 7) -> None:
        rnd = random.Random(seed)
        self.count = count
        self.items = [json.dumps(make_item(i, rnd), separators=(",", ":")).encode()
                      for i in range(count)]
        self.wire_bytes = sum(len(b) for b in self.items)
        self._index = {json.dumps(_cursor(json.loads(b)), sort_keys=True): n
                       for n, b in enumerate(self.items)}
        self._bodies: dict[tuple[int, int | None, str, bool], bytes] = {}
        self._lock = threading.Lock()

    def start_of(self, cursor: dict[str, Any] | None) -> int:
        if not cursor:
            return 0
        return self._index[json.dumps(cursor, sort_keys=True)] + 1

    def body(self, operation: str, request: dict[str, Any]) -> bytes:
        partiql = operation == "ExecuteStatement"
        if partiql:
            token = request.get("NextToken")
            start = int(token) if token else 0
        else:
            start = self.start_of(request.get("ExclusiveStartKey"))
        segment, total = request.get("Segment"), request.get("TotalSegments")
        if total:  # a parallel scan: each segment reads its own share of the items
            share = -(-self.count // total)
            low, high = segment * share, min(self.count, (segment + 1) * share)
            start = max(start, low)
        else:
            high = self.count
        limit = request.get("Limit")
        capacity = request.get("ReturnConsumedCapacity", "NONE") != "NONE"
        key = (start, limit, f"{operation}:{low if total else 0}:{high}", capacity)
        with self._lock:
            found = self._bodies.get(key)
        if found is not None:
            return found
        end, size = start, 0
        while end < high and (limit is None or end - start < limit) and size < PAGE_BYTES:
            size += len(self.items[end])
            end += 1
        parts = [b'{"Items":[', b",".join(self.items[start:end]), b"]"]
        rest: dict[str, Any] = {"Count": end - start}
        if not partiql:
            rest["ScannedCount"] = end - start
        if capacity:
            rest["ConsumedCapacity"] = {"TableName": TABLE,
                                        "CapacityUnits": round(size / 8192, 1) or 0.5}
        if end < high:
            if partiql:
                rest["NextToken"] = str(end)
            else:
                rest["LastEvaluatedKey"] = _cursor(json.loads(self.items[end - 1]))
        for name, value in rest.items():
            parts.append(f',"{name}":'.encode() + json.dumps(value).encode())
        parts.append(b"}")
        body = b"".join(parts)
        with self._lock:
            self._bodies[key] = body
        return body


def _table_description(pages: Pages) -> dict[str, Any]:
    arn = f"arn:aws:dynamodb:{REGION}:000000000000:table/{TABLE}"
    return {"Table": {
        "TableName": TABLE, "TableArn": arn, "TableStatus": "ACTIVE",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                      {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"}],
        "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
        "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
        "ItemCount": pages.count, "TableSizeBytes": pages.wire_bytes // 2,
        "CreationDateTime": 1_700_000_000.0,
    }}


class _Handler(BaseHTTPRequestHandler):
    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
        server = self.server
        server.requests += 1
        if server.latency_s:
            time.sleep(server.latency_s)
        status, body = 200, server.answer(operation, request)
        if body is None:
            status = 400
            body = json.dumps({"__type": "com.amazon.coral.validate#ValidationException",
                               "message": f"replay does not answer {operation}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", f"replay-{server.requests}")
        self.send_header("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF))
        self.end_headers()
        self.wfile.write(body)
        server.touched = time.monotonic()


class ReplayServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1 (a free port) that answers DynamoDB's JSON
    protocol from `Pages`: Scan, Query and ExecuteStatement page by page, and what the
    catalog asks (ListTables, DescribeTable, TTL, tags, backups) with one table.
    `latency_s` is added to every request. It stops by itself after `idle_s` without
    requests (and in any case at `stop()` or the end of a `with` block)."""

    daemon_threads = True

    def __init__(self, pages: Pages, latency_s: float = 0.0, idle_s: float = 300.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.pages = pages
        self.latency_s = latency_s
        self.idle_s = idle_s
        self.requests = 0
        self.touched = time.monotonic()
        self._thread: threading.Thread | None = None
        self._watch: threading.Thread | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, operation: str, request: dict[str, Any]) -> bytes | None:
        if operation in ("Scan", "Query", "ExecuteStatement"):
            return self.pages.body(operation, request)
        fixed: dict[str, Any] | None = {
            "ListTables": {"TableNames": [TABLE]},
            "DescribeTable": _table_description(self.pages),
            "DescribeTimeToLive": {"TimeToLiveDescription": {
                "TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}},
            "ListTagsOfResource": {"Tags": []},
            "DescribeContinuousBackups": {"ContinuousBackupsDescription": {
                "ContinuousBackupsStatus": "ENABLED",
                "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}},
        }.get(operation)
        return None if fixed is None else json.dumps(fixed).encode()

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.serve_forever, name="replay", daemon=True)
        self._thread.start()
        self._watch = threading.Thread(target=self._idle_stop, name="replay-idle", daemon=True)
        self._watch.start()
        return self

    def _idle_stop(self) -> None:
        while not self._stopped.wait(1.0):
            if time.monotonic() - self.touched > self.idle_s:
                self.stop()
                return

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.shutdown()
        self.server_close()

    def wait(self) -> None:
        """Block until the server has stopped (by `stop()` or when idle)."""
        self._stopped.wait()


@contextmanager
def serving(pages: Pages, latency_s: float = 0.0) -> Iterator[ReplayServer]:
    server = ReplayServer(pages, latency_s).start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def spawn(items: int, latency_s: float = 0.0) -> Iterator[dict[str, Any]]:
    """The replay server in a child process (so that it costs this process no CPU and no
    memory): yields ``{"url", "items", "wire_bytes"}``; the child ends with the block (it
    also ends by itself when this process dies: its stdin closes)."""
    child = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "serve", "--items", str(items),
         "--latency", str(latency_s)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError("the replay server did not start")
        yield json.loads(line)
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def client(url: str, fast_path: bool | None = None) -> Any:
    """A boto3 DynamoDB client for the replay endpoint with the app's retry settings."""
    import boto3

    from app.connections import client_config

    made = boto3.client("dynamodb", endpoint_url=url, region_name=REGION,
                        aws_access_key_id="replay", aws_secret_access_key="replay",
                        config=client_config())
    if fast_path:
        from app import fastpath

        fastpath.install(made)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["serve", "sizes"])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    args = parser.parse_args()
    if args.command == "sizes":  # what one item weighs, on the wire and to DynamoDB
        from app.fastpath import decode_binary
        from app.validate import item_size

        pages = Pages(args.items)
        sizes = [item_size(decode_binary([json.loads(b)])[0]) for b in pages.items]
        print(json.dumps({"items": args.items, "wire_bytes_per_item": pages.wire_bytes
                          / args.items, "item_size_per_item": sum(sizes) / args.items}))
        return
    pages = Pages(args.items)
    server = ReplayServer(pages, args.latency).start()
    print(json.dumps({"url": server.url, "items": pages.count,
                      "wire_bytes": pages.wire_bytes}), flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), server.stop()), daemon=True).start()
    server.wait()


if __name__ == "__main__":
    main()
