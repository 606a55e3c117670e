"""The sandbox's demo tables and their items, generated deterministically from a seed.

Everything here is plain data in the low-level client's shape (AttributeValues), so the
same items reach the server whatever client writes them. Times are relative to `now`, so
some sessions are always already expired and some always live; with the same seed and
the same `now`, the data is the same to the byte.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Item = dict[str, dict[str, Any]]

DEFAULT_SEED = 20261125

# A number with DynamoDB's maximum of 38 significant digits, and ones at the edges of
# its range: the values that tools passing numbers through float get wrong.
BIG_38_DIGITS = "12345678901234567890123456789012345678"
TINY = "1E-100"
LARGEST = "9.9999999999999999999999999999999999999E+125"
SMALLEST_NEGATIVE = "-1E-130"


@dataclass
class DemoTable:
    """One table: the CreateTable request, its items, and what to do after loading."""

    create: dict[str, Any]
    items: list[Item]
    ttl_attribute: str | None = None
    #: (key, UpdateItem arguments without TableName/Key) applied after loading: stream history
    updates: list[tuple[Item, dict[str, Any]]] = field(default_factory=list)
    #: keys deleted after loading: stream history
    deletes: list[Item] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.create["TableName"]


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _n(v: int | str) -> dict[str, str]:
    return {"N": str(v)}


def _money(rnd: random.Random, lo: int, hi: int) -> str:
    return f"{rnd.randint(lo, hi)}.{rnd.randint(0, 99):02d}"


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _blob(*parts: object, size: int = 16) -> bytes:
    return hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:size]


FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia",
         "Donald", "Frances", "John", "Katherine", "Dennis", "Hedy", "Tim", "Anita", "Niklaus"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton",
        "Torvalds", "Perlman", "Knuth", "Allen", "McCarthy", "Johnson", "Ritchie", "Lamarr",
        "Berners-Lee", "Borg", "Wirth"]
CITIES = [("Lyon", "FR", "45.7640", "4.8357"), ("Porto", "PT", "41.1579", "-8.6291"),
          ("Graz", "AT", "47.0707", "15.4395"), ("Turku", "FI", "60.4518", "22.2666"),
          ("Leeds", "GB", "53.8008", "-1.5491"), ("Austin", "US", "30.2672", "-97.7431"),
          ("Osaka", "JP", "34.6937", "135.5023"), ("Recife", "BR", "-8.0476", "-34.8770")]
STREETS = ["Main Street", "Station Road", "Rue de la Paz", "Harbour Lane", "Elm Avenue"]
ROLES = ["admin", "editor", "viewer", "billing", "support"]
CATEGORIES = ["books", "garden", "kitchen", "music", "outdoor", "office", "toys", "audio"]
ADJ = ["Compact", "Deluxe", "Eco", "Classic", "Smart", "Rugged", "Mini", "Pro"]
NOUN = {"books": "Notebook", "garden": "Trowel", "kitchen": "Kettle", "music": "Ukulele",
        "outdoor": "Lantern", "office": "Stapler", "toys": "Puzzle", "audio": "Speaker"}
STATUSES = ["PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "RETURNED"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) Safari/605.1.15",
          "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0",
          "okhttp/4.12.0", "aws-cli/2.22.0 Python/3.12.6"]


def _showcase_user(now: datetime) -> Item:
    """One user holding every DynamoDB type and every awkward name, at the top of Users."""
    deep: dict[str, Any] = {"S": "the bottom, six maps down"}
    for level in range(6, 0, -1):
        deep = {"M": {f"level{level}": deep, "depth": _n(level)}}
    return {
        "user_id": _s("user-0000"),
        "name": _s("Ada Showcase"),
        "email": _s("ada.showcase@example.com"),
        "signup_date": _s(_iso(now - timedelta(days=900))),
        "is_active": {"BOOL": True},
        "is_admin": {"BOOL": False},
        "middle_name": {"NULL": True},
        "nickname": _s(""),
        "lifetime_points": _n(BIG_38_DIGITS),
        "tiny_ratio": _n(TINY),
        "largest_number": _n(LARGEST),
        "smallest_negative": _n(SMALLEST_NEGATIVE),
        "balance": _n("1234.50"),
        "roles": {"SS": ["admin", "billing", "editor"]},
        "lucky_numbers": {"NS": ["7", "3.14159", "-42", "1E+20"]},
        "avatar": {"B": _blob("avatar", "user-0000", size=24)},
        "key_fingerprints": {"BS": [_blob("key", 1, size=8), _blob("key", 2, size=8)]},
        "history": {"L": [_s("signed up"), _n(3), {"BOOL": True}, {"NULL": True},
                          {"L": [_s("nested"), _s("list")]},
                          {"M": {"event": _s("upgrade"), "plan": _s("pro")}},
                          {"SS": ["a", "b"]}, {"B": b"\x00\x01\x02\xff"}]},
        "address": {"M": {"street": _s("1 Analytical Engine Way"), "city": _s("London"),
                          "country": _s("GB"), "postcode": _s(""),
                          "geo": {"M": {"lat": _n("51.5072"), "lon": _n("-0.1276")}}}},
        "preferences": {"M": {"theme": _s("dark"), "deep": deep,
                              "notifications": {"M": {"email": {"BOOL": True},
                                                      "sms": {"BOOL": False},
                                                      "channels": {"L": [_s("push")]}}}}},
        # Names that need placeholders in expressions: reserved words and punctuation.
        "status": _s("ACTIVE"),
        "size": _n(42),
        "first.name": _s("Ada"),
        "weird key #1: yes": _s("spaces, a hash and a colon"),
        "empty_list": {"L": []},
        "empty_map": {"M": {}},
    }


def _users(rnd: random.Random, now: datetime, count: int) -> list[Item]:
    items = [_showcase_user(now)]
    for i in range(1, count):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        city, country, lat, lon = rnd.choice(CITIES)
        uid = f"user-{i:04d}"
        item: Item = {
            "user_id": _s(uid),
            "name": _s(f"{first} {last}"),
            "email": _s(f"{first}.{last}{i}@example.com".lower()),
            "signup_date": _s(_iso(now - timedelta(days=rnd.randint(1, 1500),
                                                   seconds=rnd.randint(0, 86399)))),
            "age": _n(rnd.randint(18, 90)),
            "is_active": {"BOOL": rnd.random() < 0.8},
            "roles": {"SS": sorted(rnd.sample(ROLES, rnd.randint(1, 3)))},
            "balance": _n(_money(rnd, 0, 5000)),
            "login_count": _n(rnd.randint(0, 2000)),
            "address": {"M": {
                "street": _s(f"{rnd.randint(1, 400)} {rnd.choice(STREETS)}"),
                "city": _s(city), "country": _s(country),
                "geo": {"M": {"lat": _n(lat), "lon": _n(lon)}},
            }},
            "preferences": {"M": {
                "theme": _s(rnd.choice(["light", "dark", "system"])),
                "language": _s(rnd.choice(["en", "fr", "pt", "de", "fi", "ja"])),
                "notifications": {"M": {"email": {"BOOL": rnd.random() < 0.6},
                                        "sms": {"BOOL": rnd.random() < 0.2}}},
            }},
        }
        if rnd.random() < 0.15:
            item["nickname"] = _s("")
        elif rnd.random() < 0.3:
            item["nickname"] = _s(first[:3].lower())
        if rnd.random() < 0.1:
            item["middle_name"] = {"NULL": True}
        if rnd.random() < 0.25:
            item["avatar"] = {"B": _blob("avatar", uid)}
        if rnd.random() < 0.3:
            item["lucky_numbers"] = {"NS": [str(n) for n in sorted(rnd.sample(range(1, 99), 3))]}
        items.append(item)
    return items


def _products(rnd: random.Random, count: int) -> list[Item]:
    items = []
    for i in range(1, count + 1):
        cat = CATEGORIES[i % len(CATEGORIES)]
        price = _money(rnd, 2, 480)
        whole = int(price.split(".")[0])
        band = "under-25" if whole < 25 else "25-100" if whole < 100 else "over-100"
        pid = f"prod-{i:04d}"
        item: Item = {
            "product_id": _s(pid),
            "name": _s(f"{rnd.choice(ADJ)} {NOUN[cat]} {i}"),
            "category": _s(cat),
            "price": _n(price),
            "price_band": _s(band),
            "stock": _n(rnd.randint(0, 250)),
            "in_stock": {"BOOL": rnd.random() < 0.85},
            "tags": {"SS": sorted(rnd.sample(["new", "sale", "gift", "eco", "bestseller",
                                              "limited"], rnd.randint(1, 3)))},
            "ratings": {"NS": [str(r) for r in sorted(rnd.sample(range(1, 6), rnd.randint(1, 4)))]},
            "image_hashes": {"BS": [_blob("img", pid, k, size=12)
                                    for k in range(rnd.randint(1, 3))]},
            "dimensions": {"M": {"width": _n(_money(rnd, 1, 80)), "height": _n(_money(rnd, 1, 80)),
                                 "depth": _n(_money(rnd, 1, 40)), "unit": _s("cm")}},
            "description": _s(f"A {cat} item made to last. Batch {rnd.randint(100, 999)}."),
        }
        if rnd.random() < 0.1:
            item["discontinued_at"] = {"NULL": True}
        if cat in ("outdoor", "toys"):
            item["sizes"] = {"SS": sorted(rnd.sample(["XS", "S", "M", "L", "XL"], 3))}
        items.append(item)
    return items


def _orders(rnd: random.Random, now: datetime, users: list[Item],
            products: list[Item], count: int) -> list[Item]:
    items = []
    taken: set[tuple[str, datetime]] = set()
    for i in range(1, count + 1):
        customer = rnd.choice(users)["user_id"]["S"]
        when = now - timedelta(days=rnd.randint(0, 720), seconds=rnd.randint(0, 86399))
        while (customer, when) in taken:  # the key (customer, date) must be unique
            when -= timedelta(seconds=1)
        taken.add((customer, when))
        lines = []
        total = 0
        for _ in range(rnd.randint(1, 4)):
            p = rnd.choice(products)
            qty = rnd.randint(1, 3)
            cents = int(p["price"]["N"].replace(".", ""))
            total += cents * qty
            lines.append({"M": {"product_id": p["product_id"], "quantity": _n(qty),
                                "unit_price": p["price"]}})
        item: Item = {
            "customer_id": _s(customer),
            "order_date": _s(_iso(when)),
            "order_id": _s(f"ord-{i:05d}"),
            "status": _s(rnd.choice(STATUSES)),
            "total": _n(f"{total // 100}.{total % 100:02d}"),
            "currency": _s(rnd.choice(["EUR", "USD", "GBP"])),
            "lines": {"L": lines},
            "shipping": {"M": {"method": _s(rnd.choice(["standard", "express", "pickup"])),
                               "tracking": _s(f"TRK{rnd.getrandbits(40):010X}")}},
            "gift": {"BOOL": rnd.random() < 0.1},
        }
        if rnd.random() < 0.2:
            item["coupon"] = _s(rnd.choice(["WELCOME10", "SPRING", "VIP"]))
        items.append(item)
    return items


def _sessions(rnd: random.Random, now: datetime, users: list[Item], count: int) -> list[Item]:
    epoch = int(now.timestamp())
    items = []
    for i in range(count):
        created = epoch - rnd.randint(60, 14 * 86400)
        # About a quarter already expired, the rest due within the next two weeks.
        if i % 4 == 0:
            expires: dict[str, Any] = _n(epoch - rnd.randint(60, 3 * 86400))
        else:
            expires = _n(epoch + rnd.randint(300, 14 * 86400))
        if i in (7, 8, 9):  # milliseconds by mistake: TTL reads them as far in the future
            expires = _n((epoch + rnd.randint(300, 86400)) * 1000)
        if i in (10, 11):  # not a number: TTL ignores the item
            expires = _s("never")
        sid = f"{rnd.getrandbits(128):032x}"
        items.append({
            "session_id": _s(sid),
            "user_id": rnd.choice(users)["user_id"],
            "created_at": _n(created),
            "expires_at": expires,
            "ip": _s(f"203.0.113.{rnd.randint(1, 254)}"),
            "user_agent": _s(rnd.choice(AGENTS)),
            "device": {"M": {"os": _s(rnd.choice(["linux", "macos", "windows", "android"])),
                             "mobile": {"BOOL": rnd.random() < 0.3}}},
            "scopes": {"SS": sorted(rnd.sample(["read", "write", "admin", "billing"],
                                               rnd.randint(1, 3)))},
            "token_hash": {"B": _blob("token", sid, size=32)},
        })
    return items


def _app_data(rnd: random.Random, now: datetime, users: list[Item],
              products: list[Item]) -> list[Item]:
    """A single-table design: users, their orders both ways round, order lines, products."""
    items: list[Item] = []
    order_no = 1000
    for u in users[:150]:
        uid = u["user_id"]["S"].split("-")[1]
        items.append({"PK": _s(f"USER#{uid}"), "SK": _s("METADATA"), "entity": _s("User"),
                      "name": u["name"], "email": u["email"]})
        for _ in range(rnd.randint(0, 3)):
            order_no += 1
            when = _s(_iso(now - timedelta(days=rnd.randint(0, 365))))
            status = _s(rnd.choice(STATUSES))
            lines = rnd.randint(1, 3)
            items.append({"PK": _s(f"USER#{uid}"), "SK": _s(f"ORDER#{order_no}"),
                          "entity": _s("Order"), "status": status, "created_at": when,
                          "line_count": _n(lines)})
            items.append({"PK": _s(f"ORDER#{order_no}"), "SK": _s(f"USER#{uid}"),
                          "entity": _s("OrderOwner"), "created_at": when})
            for line in range(1, lines + 1):
                p = rnd.choice(products)
                items.append({"PK": _s(f"ORDER#{order_no}"), "SK": _s(f"ITEM#{line:02d}"),
                              "entity": _s("OrderLine"), "product": p["product_id"],
                              "quantity": _n(rnd.randint(1, 5)), "unit_price": p["price"]})
    for p in products[:60]:
        pid = p["product_id"]["S"].split("-")[1]
        items.append({"PK": _s(f"PRODUCT#{pid}"), "SK": _s("METADATA"),
                      "entity": _s("Product"), "name": p["name"], "price": p["price"]})
    return items


def _key(item: Item, *names: str) -> Item:
    return {n: item[n] for n in names}


def generate(seed: int = DEFAULT_SEED, now: datetime | None = None) -> list[DemoTable]:
    """The demo data set: five tables, a few thousand items, every DynamoDB type."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rnd = random.Random(seed)
    users = _users(rnd, now, 400)
    products = _products(rnd, 200)
    orders = _orders(rnd, now, users, products, 1000)
    sessions = _sessions(rnd, now, users, 300)
    app_data = _app_data(rnd, now, users, products)
    epoch = int(now.timestamp())

    def attr(name: str, typ: str) -> dict[str, str]:
        return {"AttributeName": name, "AttributeType": typ}

    def key(hash_key: str, range_key: str | None = None) -> list[dict[str, str]]:
        k = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        if range_key:
            k.append({"AttributeName": range_key, "KeyType": "RANGE"})
        return k

    tags = [{"Key": "app", "Value": "dynascope-demo"}]
    # Sessions the history updates and deletes: live ones in seconds, so the odd values
    # (milliseconds, "never") stay in the table for the TTL view to show.
    live = [s for s in sessions if s["expires_at"].get("N")
            and epoch < int(s["expires_at"]["N"]) < epoch * 100]
    session_updates = [
        (_key(s, "session_id"),
         {"UpdateExpression": "SET last_seen = :t, expires_at = :e",
          "ExpressionAttributeValues": {":t": _n(epoch - 30), ":e": _n(epoch + 7 * 86400)}})
        for s in live[:25]
    ]
    session_deletes = [_key(s, "session_id") for s in live[25:35]]

    return [
        DemoTable(
            create={"TableName": "Users", "KeySchema": key("user_id"),
                    "AttributeDefinitions": [attr("user_id", "S")],
                    "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": True,
                    "Tags": [*tags, {"Key": "owner", "Value": "identity-team"}]},
            items=users,
        ),
        DemoTable(
            create={"TableName": "Orders", "KeySchema": key("customer_id", "order_date"),
                    "AttributeDefinitions": [attr("customer_id", "S"), attr("order_date", "S"),
                                             attr("status", "S")],
                    "LocalSecondaryIndexes": [{
                        "IndexName": "status-index", "KeySchema": key("customer_id", "status"),
                        "Projection": {"ProjectionType": "INCLUDE",
                                       "NonKeyAttributes": ["order_id", "total"]}}],
                    "BillingMode": "PROVISIONED",
                    "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 5},
                    "Tags": tags},
            items=orders,
        ),
        DemoTable(
            create={"TableName": "Products", "KeySchema": key("product_id"),
                    "AttributeDefinitions": [attr("product_id", "S"), attr("category", "S"),
                                             attr("price", "N"), attr("price_band", "S")],
                    "GlobalSecondaryIndexes": [
                        {"IndexName": "category-index", "KeySchema": key("category", "price"),
                         "Projection": {"ProjectionType": "ALL"}},
                        {"IndexName": "price-index", "KeySchema": key("price_band", "price"),
                         "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                    "BillingMode": "PAY_PER_REQUEST", "Tags": tags},
            items=products,
        ),
        DemoTable(
            create={"TableName": "UserSessions", "KeySchema": key("session_id"),
                    "AttributeDefinitions": [attr("session_id", "S")],
                    "BillingMode": "PAY_PER_REQUEST",
                    "StreamSpecification": {"StreamEnabled": True,
                                            "StreamViewType": "NEW_AND_OLD_IMAGES"},
                    "Tags": tags},
            items=sessions,
            ttl_attribute="expires_at",
            updates=session_updates,
            deletes=session_deletes,
        ),
        DemoTable(
            create={"TableName": "AppData", "KeySchema": key("PK", "SK"),
                    "AttributeDefinitions": [attr("PK", "S"), attr("SK", "S")],
                    "GlobalSecondaryIndexes": [
                        {"IndexName": "inverted-index", "KeySchema": key("SK", "PK"),
                         "Projection": {"ProjectionType": "ALL"}}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "Tags": [*tags, {"Key": "pattern", "Value": "single-table"}]},
            items=app_data,
        ),
    ]
