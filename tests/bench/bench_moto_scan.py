"""Server time of moto's DynamoDB Scan over 20,000 items, to choose moto's version.

Run with the interpreter of the environment whose moto you want to measure:
    .venv/bin/python tests/bench/bench_moto_scan.py [items]
Prints one JSON object as its last line.
"""

import json
import random
import sys
import time

import boto3
import moto
from botocore.config import Config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def _item(i: int, rnd: random.Random) -> dict:
    return {
        "pk": {"S": f"item-{i:06d}"},
        "name": {"S": "".join(rnd.choices("abcdefghijklmnop", k=24))},
        "price": {"N": f"{rnd.randint(1, 99999)}.{rnd.randint(0, 99):02d}"},
        "tags": {"SS": [f"t{n}" for n in rnd.sample(range(20), 3)]},
        "active": {"BOOL": bool(i % 2)},
        "address": {
            "M": {
                "street": {"S": f"{rnd.randint(1, 999)} Main Street"},
                "city": {"S": rnd.choice(["Lyon", "Porto", "Graz", "Turku"])},
                "geo": {"M": {"lat": {"N": str(rnd.uniform(-90, 90))[:10]}}},
            }
        },
        "history": {"L": [{"N": str(n)} for n in range(5)]},
        "note": {"S": "x" * 120},
    }


def main() -> None:
    items = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://{host}:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    client.create_table(
        TableName="Bench",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    rnd = random.Random(7)
    t0 = time.perf_counter()
    batch = []
    for i in range(items):
        batch.append({"PutRequest": {"Item": _item(i, rnd)}})
        if len(batch) == 25:
            client.batch_write_item(RequestItems={"Bench": batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={"Bench": batch})
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    seen = 0
    kwargs: dict = {"TableName": "Bench"}
    while True:
        page = client.scan(**kwargs)
        seen += page["Count"]
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    scan_s = time.perf_counter() - t0
    server.stop()
    print(
        json.dumps(
            {
                "moto": moto.__version__,
                "items": seen,
                "load_s": round(load_s, 2),
                "scan_s": round(scan_s, 2),
                "scan_items_per_s": round(seen / scan_s),
            }
        )
    )


if __name__ == "__main__":
    main()
