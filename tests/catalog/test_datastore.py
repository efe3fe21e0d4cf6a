"""datastore_search / datastore_info through the action layer, on real Parquet and CSV uploads.

Expected shapes are those captured from CKAN 2.11.6 (reference/ckan_fixtures/ckan-2.11.6_datastore.json).
"""
from __future__ import annotations

import datetime as dt
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog import datastore
from catalog.errors import NotAuthorized, NotFound, ValidationError
from tests.catalog import helpers

WARDS = pa.table({
    "ward_code": ["131016", "131024", "131032"],
    "ward": ["千代田区", "中央区", "港区"],
    "population": pa.array([68835, 177000, 261000], pa.int32()),
    "ratio": pa.array([1.5, 2.25, 3.0]).cast(pa.decimal128(10, 2)),
    "as_of": pa.array([dt.date(2024, 1, 1)] * 3),
    "_row": [2, 3, 4],  # the std Parquet's source line numbers: hidden, as CKAN hides "_" columns
})
FIELDS = [{"id": "_id", "type": "int"}, {"id": "ward_code", "type": "text"}, {"id": "ward", "type": "text"},
          {"id": "population", "type": "int4"}, {"id": "ratio", "type": "numeric"}, {"id": "as_of", "type": "date"}]
ROW1 = {"_id": 1, "ward_code": "131016", "ward": "千代田区", "population": 68835, "ratio": 1.5, "as_of": "2024-01-01"}


def parquet_bytes(table: pa.Table) -> io.BytesIO:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    buf.seek(0)
    return buf


def upload(catalog, package: str, filename: str, data: io.BytesIO, **fields) -> dict:
    return catalog.call_action("resource_create", {"package_id": package, "name": filename,
                                                   "upload": (filename, data), **fields})


@pytest.fixture
def wards(catalog) -> str:
    helpers.org(catalog, name="tokyo-somu", title="東京都総務局")
    helpers.dataset(catalog, "tokyo-somu", name="test-ds")
    return upload(catalog, "test-ds", "pop.parquet", parquet_bytes(WARDS))["id"]


def search(catalog, **params):
    return catalog.call_action("datastore_search", params)


def test_resource_show_marks_uploaded_parquet_datastore_active(catalog, wards):
    assert catalog.call_action("resource_show", {"id": wards})["datastore_active"] is True


def test_search_has_ckan_keys_in_order(catalog, wards):
    r = search(catalog, resource_id=wards, limit=2)
    assert list(r) == ["include_total", "limit", "records_format", "resource_id", "total_estimation_threshold",
                       "records", "fields", "_links", "total", "total_was_estimated"]
    assert r["records"][0] == ROW1
    assert list(r["records"][0]) == list(ROW1)
    assert r["fields"] == FIELDS
    assert r["_links"] == {"start": f"/api/3/action/datastore_search?resource_id={wards}&limit=2",
                           "next": f"/api/3/action/datastore_search?resource_id={wards}&limit=2&offset=2"}
    assert (r["total"], r["total_was_estimated"], r["limit"]) == (3, False, 2)


@pytest.mark.parametrize("fmt", ["objects", "lists", "csv"])
def test_pages_read_from_arrow_equal_pages_from_sql(catalog, wards, fmt):
    direct = search(catalog, resource_id=wards, offset=1, records_format=fmt)  # default order: an Arrow take
    via_sql = search(catalog, resource_id=wards, offset=1, records_format=fmt, sort="_id")
    assert direct["records"] == via_sql["records"] and "131024" in str(direct["records"])
    q_direct = search(catalog, resource_id=wards, q="区", fields="ward,rank", records_format=fmt)
    q_sql = search(catalog, resource_id=wards, q="区", fields="ward,rank", records_format=fmt, sort="rank desc, _id")
    assert q_direct["records"] == q_sql["records"]


def test_filters_list_sort_and_fields(catalog, wards):
    r = search(catalog, resource_id=wards, filters=json.dumps({"ward": ["港区", "中央区"]}), sort="population desc",
               fields="ward,population", include_total="true")
    assert r["records"] == [{"ward": "港区", "population": 261000}, {"ward": "中央区", "population": 177000}]
    assert r["fields"] == [{"id": "ward", "type": "text"}, {"id": "population", "type": "int4"}]
    assert r["filters"] == {"ward": ["港区", "中央区"]} and r["sort"] == "population desc" and r["total"] == 2
    assert list(r)[:3] == ["fields", "filters", "include_total"]
    assert r["_links"]["next"].endswith("&include_total=true&offset=100")


def test_typed_filters_cast_their_values(catalog, wards):
    assert search(catalog, resource_id=wards, filters={"population": 177000})["total"] == 1
    assert search(catalog, resource_id=wards, filters={"as_of": "2024-01-01"})["total"] == 3
    assert search(catalog, resource_id=wards, filters={"_id": [1, 3]})["total"] == 2


def test_unknown_filter_column_is_ckans_validation_error(catalog, wards):
    with pytest.raises(ValidationError) as e:
        search(catalog, resource_id=wards, filters='{"nope": 1}')
    assert e.value.error_dict == {"filters": ['invalid value "nope"']}


@pytest.mark.parametrize("params, error", [
    ({"sort": "nope desc"}, {"sort": ['invalid value "nope desc"']}),
    ({"fields": ["ward", "nope"]}, {"fields": ['invalid value "nope"']}),
    ({"limit": "x"}, {"limit": ["Invalid integer"]}),
    ({"limit": -1}, {"limit": ["Must be a natural number"]}),
    ({"records_format": "xml"}, {"records_format": ["Value must be one of ['objects', 'lists', 'csv', 'tsv']"]}),
    ({"q": '{"nope": "x"}'}, {"q": ['invalid value "nope"']}),
    ({"filters": "{not json"}, {"filters": ["Cannot parse JSON"]}),
    ({"filters": {"population": "many"}}, None),
])
def test_invalid_parameters(catalog, wards, params, error):
    with pytest.raises(ValidationError) as e:
        search(catalog, resource_id=wards, **params)
    if error:
        assert e.value.error_dict == error
    else:
        assert list(e.value.error_dict) == ["query"] and "many" in e.value.error_dict["query"][0]


def test_missing_and_unknown_resource(catalog, wards):
    with pytest.raises(ValidationError) as e:
        search(catalog)
    assert e.value.error_dict == {"resource_id": ["Missing value"]}
    with pytest.raises(NotFound, match='^Resource "nope" was not found.$'):
        search(catalog, resource_id="nope")


def test_q_finds_japanese_inside_longer_text_and_ranks(catalog):
    helpers.org(catalog, name="t131016")
    helpers.dataset(catalog, "t131016", name="toilets")
    table = pa.table({"名称": ["丸の内トイレ", "神田トイレ", "港トイレ"],
                      "住所": ["東京都千代田区丸の内1丁目", "東京都千代田区神田2丁目", "東京都港区芝公園4丁目"],
                      "緯度": [35.68, 35.69, 35.65]})
    rid = upload(catalog, "toilets", "t.parquet", parquet_bytes(table))["id"]
    r = search(catalog, resource_id=rid, q="千代田区")
    assert [row["名称"] for row in r["records"]] == ["神田トイレ", "丸の内トイレ"]  # shorter text: higher rank
    assert r["total"] == 2 and r["q"] == "千代田区"
    assert r["fields"][-1] == {"id": "rank", "type": "float"} and 0 < r["records"][0]["rank"] <= 1
    assert search(catalog, resource_id=rid, q="千代田区 丸の内")["total"] == 1  # every word must occur
    assert search(catalog, resource_id=rid, q="35.68")["total"] == 0  # coordinates are not searched as words
    by_column = search(catalog, resource_id=rid, q={"名称": "トイレ"}, sort="_id")
    assert by_column["total"] == 3 and "rank 名称" in by_column["records"][0]


def test_q_pages_in_rank_order_whichever_path_cuts_the_page(catalog):
    helpers.org(catalog, name="t131017")
    helpers.dataset(catalog, "t131017", name="many")
    names = [f"施設{i}" + "あ" * (i % 7) for i in range(50)]  # different lengths: different ranks
    rid = upload(catalog, "many", "m.parquet", parquet_bytes(pa.table({"名称": names})))["id"]
    fast = [search(catalog, resource_id=rid, q="施設", limit=7, offset=o)["records"] for o in range(0, 50, 7)]
    general = search(catalog, resource_id=rid, q="施設", sort="rank desc, _id", limit=50)["records"]
    assert [r["_id"] for page in fast for r in page] == [r["_id"] for r in general]
    ranks = [r["rank"] for r in general]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) > 7


def test_q_combines_with_filters_and_sort(catalog, wards):
    r = search(catalog, resource_id=wards, q="区", filters={"ward_code": ["131016", "131032"]}, sort="_id desc")
    assert [row["ward"] for row in r["records"]] == ["港区", "千代田区"] and r["total"] == 2


def test_limit_is_capped_and_links_keep_the_request(catalog, wards):
    r = search(catalog, resource_id=wards, limit=1000000)
    assert r["limit"] == 32000 and len(r["records"]) == 3
    assert r["_links"]["start"] == f"/api/3/action/datastore_search?resource_id={wards}&limit=1000000"
    assert r["_links"]["next"] == f"/api/3/action/datastore_search?resource_id={wards}&limit=1000000&offset=32000"


def test_prev_link_only_when_offset_exceeds_limit(catalog, wards):
    r = search(catalog, resource_id=wards, offset=2, limit=1)
    assert [row["_id"] for row in r["records"]] == [3] and r["offset"] == 2
    assert r["_links"]["prev"] == f"/api/3/action/datastore_search?resource_id={wards}&offset=1&limit=1"
    assert r["_links"]["next"] == f"/api/3/action/datastore_search?resource_id={wards}&offset=3&limit=1"
    assert r["_links"]["start"] == f"/api/3/action/datastore_search?resource_id={wards}&limit=1"
    assert "prev" not in search(catalog, resource_id=wards, offset=1, limit=1)["_links"]  # CKAN's quirk


@pytest.mark.parametrize("fmt, records", [
    ("lists", [[1, "131016", "千代田区", 68835, 1.5, "2024-01-01"]]),
    ("csv", "1,131016,千代田区,68835,1.5,2024-01-01\n"),
    ("tsv", "1\t131016\t千代田区\t68835\t1.5\t2024-01-01\n"),
])
def test_records_formats(catalog, wards, fmt, records):
    r = search(catalog, resource_id=wards, records_format=fmt, limit=1)
    assert r["records"] == records and r["records_format"] == fmt and r["fields"] == FIELDS


def test_distinct_and_include_total_false(catalog, wards):
    r = search(catalog, resource_id=wards, distinct="true", fields="as_of")
    assert r["records"] == [{"as_of": "2024-01-01"}] and r["total"] == 1 and r["distinct"] is True
    r = search(catalog, resource_id=wards, include_total=False)
    assert "total" not in r and "total_was_estimated" not in r


def test_datastore_info(catalog, wards):
    r = catalog.call_action("datastore_info", {"id": wards})
    assert list(r) == ["meta", "fields"]
    assert list(r["meta"]) == ["id", "count", "table_type", "size", "db_size", "idx_size", "aliases"]
    assert (r["meta"]["id"], r["meta"]["count"], r["meta"]["table_type"]) == (wards, 3, "BASE TABLE")
    assert [f["id"] for f in r["fields"]] == ["ward_code", "ward", "population", "ratio", "as_of"]
    assert r["fields"][2] == {"id": "population", "type": "int4", "schema": {
        "native_type": "integer", "notnull": False, "index_name": None, "is_index": False, "uniquekey": False}}
    with pytest.raises(NotFound, match='Resource/Alias "nope" was not found.'):
        catalog.call_action("datastore_info", {"id": "nope"})


CSV = "\ufeffward_code,ward,population\r\n131016,千代田区,68835\r\n131024,中央区,177000\r\n".encode()


def test_csv_upload_is_served_as_text_columns(catalog, home):
    helpers.org(catalog, name="t1")
    helpers.dataset(catalog, "t1", name="csv-only")
    rid = upload(catalog, "csv-only", "pop.csv", io.BytesIO(CSV))["id"]
    r = search(catalog, resource_id=rid)
    assert r["fields"] == [{"id": "_id", "type": "int"}, {"id": "ward_code", "type": "text"},
                           {"id": "ward", "type": "text"}, {"id": "population", "type": "text"}]
    assert r["records"][0] == {"_id": 1, "ward_code": "131016", "ward": "千代田区", "population": "68835"}
    assert (home / "catalog" / "datastore" / f"{rid}.parquet").is_file()


def test_csv_with_a_matching_parquet_sibling_keeps_types(catalog, home):
    helpers.org(catalog, name="t2")
    helpers.dataset(catalog, "t2", name="both")
    table = WARDS.select(["ward_code", "ward", "population"])
    upload(catalog, "both", "pop.parquet", parquet_bytes(table))
    rid = upload(catalog, "both", "pop.csv", io.BytesIO(CSV))["id"]
    r = search(catalog, resource_id=rid, sort="population desc", limit=1)
    assert r["fields"][3] == {"id": "population", "type": "int4"} and r["records"][0]["ward"] == "港区"
    assert not (home / "catalog" / "datastore" / f"{rid}.parquet").exists()


def test_new_upload_replaces_the_table(catalog, wards):
    assert search(catalog, resource_id=wards)["total"] == 3
    catalog.call_action("resource_update", {"id": wards, "upload": ("pop.parquet", parquet_bytes(WARDS.slice(0, 1)))})
    assert search(catalog, resource_id=wards)["total"] == 1


def test_non_tabular_resources_have_no_table(catalog, wards):
    rid = upload(catalog, "test-ds", "notes.json", io.BytesIO(b"[]"))["id"]
    with pytest.raises(NotFound):
        search(catalog, resource_id=rid)


def test_private_dataset_tables_need_a_role(catalog, home, client):
    helpers.org(catalog, name="internal")
    helpers.dataset(catalog, "internal", name="secret", private=True)
    rid = upload(catalog, "secret", "s.parquet", parquet_bytes(WARDS))["id"]
    outsider = helpers.person(home)
    with pytest.raises(NotAuthorized):
        outsider.catalog.call_action("datastore_search", {"resource_id": rid})
    member = helpers.person(home, org="internal", role="member")
    assert member.catalog.call_action("datastore_search", {"resource_id": rid})["total"] == 3
    r = client.get("/api/3/action/datastore_search", params={"resource_id": rid})
    assert r.status_code == 403 and r.json()["error"]["__type"] == "Authorization Error"


def test_http_get_and_post_give_the_same_records(client, catalog, wards):
    get = client.get("/api/3/action/datastore_search", params={"resource_id": wards, "q": "港区"}).json()
    post = client.post("/api/3/action/datastore_search", json={"resource_id": wards, "q": "港区"}).json()
    assert get["success"] and get["result"]["records"] == post["result"]["records"]
    start = f"/api/3/action/datastore_search?resource_id={wards}&q=%E6%B8%AF%E5%8C%BA"
    assert get["result"]["_links"]["start"] == start
    r = client.get("/api/3/action/datastore_search", params={"resource_id": wards, "filters": '{"nope": 1}'})
    assert r.status_code == 409
    assert r.json()["error"] == {"filters": ['invalid value "nope"'], "__type": "Validation Error"}
    r = client.get("/api/3/action/datastore_search", params={"resource_id": "nope"})
    assert r.status_code == 404
    assert r.json()["error"] == {"__type": "Not Found Error", "message": 'Not found: Resource "nope" was not found.'}


def test_engine_database_cannot_touch_files(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")
    with pytest.raises(Exception, match="(?i)permission|disabled"):
        datastore.Engine().execute(f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(Exception, match="(?i)cannot change|lock"):
        datastore.Engine().execute("SET enable_external_access = true")


@pytest.mark.parametrize("duck, pg", [("INTEGER", "int4"), ("BIGINT", "int8"), ("DECIMAL(10,2)", "numeric"),
                                      ("DOUBLE", "float8"), ("DATE", "date"), ("TIME", "time"), ("BOOLEAN", "bool"),
                                      ("TIMESTAMP", "timestamp"), ("VARCHAR", "text"), ("INTEGER[]", "_int4")])
def test_postgres_type_names(duck, pg):
    assert datastore.pg_type(duck) == pg


def test_sorted_pages_from_a_cached_order_equal_pages_from_sql(catalog):
    """A sort without filters is served from a cached Arrow order (any depth is a slice); it must give DuckDB's
    rows and order exactly: ties by _id, NULLS LAST both ways, byte order of text, NaN left to SQL."""
    helpers.org(catalog, name="tokyo-somu", title="東京都総務局")
    helpers.dataset(catalog, "tokyo-somu", name="sorted-ds")
    n = 300
    table = pa.table({
        "name": [None if i % 17 == 0 else ["b", "あ", "B", "a", "漢字"][i % 5] + str(i % 7) for i in range(n)],
        "count": pa.array([None if i % 11 == 0 else (i * 37) % 13 for i in range(n)], pa.int32()),
        "score": [float("nan") if i == 5 else i * 0.5 for i in range(n)],
        "day": pa.array([dt.date(2024, 1, 1 + i % 28) for i in range(n)]),
    })
    rid = upload(catalog, "sorted-ds", "sorted.parquet", parquet_bytes(table))["id"]
    sql = 'SELECT * FROM "{rid}" ORDER BY "{col}" {order}, _id LIMIT 40 OFFSET {offset}'
    for col in ("name", "count", "score", "day"):
        for order in ("asc", "desc"):
            for offset in (0, 130, 280):
                page = search(catalog, resource_id=rid, sort=f"{col} {order}", limit=40, offset=offset)
                expected = catalog.call_action("datastore_search_sql", {"sql": sql.format(
                    rid=rid, col=col, order=order, offset=offset)})["records"]
                got = [{k: v for k, v in r.items()} for r in page["records"]]
                assert [r["_id"] for r in got] == [r["_id"] for r in expected], (col, order, offset)
    engine_table = datastore.engine().cached(rid)
    assert ("count", True) in engine_table.orders and ("score", False) not in engine_table.orders
