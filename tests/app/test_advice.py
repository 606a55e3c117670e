"""Ledger advice: wasteful reads are named with the cheaper way, fine reads are left alone."""

from __future__ import annotations

from app.advice import read_advice
from app.catalog import table_info
from app.expressions import Attr, Key
from app.paging import Totals
from app.query import QuerySpec

INFO = table_info({
    "TableName": "Products",
    "KeySchema": [{"AttributeName": "product_id", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "product_id", "AttributeType": "S"},
                             {"AttributeName": "category", "AttributeType": "S"},
                             {"AttributeName": "price", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [{
        "IndexName": "category-index",
        "KeySchema": [{"AttributeName": "category", "KeyType": "HASH"},
                      {"AttributeName": "price", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"}}],
})


def test_a_scan_filtering_on_an_index_key_names_the_index():
    spec = QuerySpec("Products", filter=Attr("category").eq("books") & Attr("price").gt(5))
    text = read_advice(spec, INFO, Totals(requests=10, count=12, scanned=9812))
    assert text == ("This filter read 9,812 items to return 12: a Query on the index "
                    "category-index (category = 'books') would read only the matches.")


def test_a_scan_on_the_table_key_names_the_table():
    spec = QuerySpec("Products", filter=Attr("product_id").eq("prod-0001"))
    text = read_advice(spec, INFO, Totals(count=1, scanned=200))
    assert text is not None and "a Query on the table Products (product_id = " in text


def test_no_index_fits_says_what_would():
    spec = QuerySpec("Products", filter=Attr("stock").lt(3))
    text = read_advice(spec, INFO, Totals(count=2, scanned=200))
    assert text is not None and "an index keyed on a filtered attribute" in text


def test_a_wasteful_query_filter_is_named():
    spec = QuerySpec("Products", index="category-index",
                     key_condition=Key("category").eq("books"), filter=Attr("stock").lt(3))
    text = read_advice(spec, INFO, Totals(count=3, scanned=150))
    assert text is not None and text.startswith("This Query read 150 items to return 3")


def test_fine_reads_get_no_advice():
    spec = QuerySpec("Products", filter=Attr("category").eq("books"))
    assert read_advice(spec, INFO, Totals(count=50, scanned=200)) is None  # 25 % kept
    assert read_advice(spec, INFO, Totals(count=1, scanned=99)) is None  # too small
    assert read_advice(QuerySpec("Products"), INFO, Totals(count=0, scanned=500)) is None
