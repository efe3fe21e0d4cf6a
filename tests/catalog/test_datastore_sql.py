"""datastore_search_sql: results as CKAN returns them, and every refusal with its exact error envelope."""
from __future__ import annotations

import pytest

from catalog import datastore
from catalog.datastore import sql as datastore_sql
from catalog.errors import NotAuthorized, ValidationError
from tests.catalog import helpers
from tests.catalog.test_datastore import WARDS, parquet_bytes, upload

SQL_URL = "/api/3/action/datastore_search_sql"
HELP = f"{helpers.SITE}/api/3/action/help_show?name=datastore_search_sql"


@pytest.fixture
def wards(catalog) -> str:
    helpers.org(catalog, name="tokyo-somu")
    helpers.dataset(catalog, "tokyo-somu", name="test-ds")
    return upload(catalog, "test-ds", "pop.parquet", parquet_bytes(WARDS))["id"]


@pytest.fixture
def secret(catalog) -> str:
    helpers.org(catalog, name="internal")
    helpers.dataset(catalog, "internal", name="secret", private=True)
    return upload(catalog, "secret", "s.parquet", parquet_bytes(WARDS))["id"]


def sql(client, query: str, headers=None):
    return client.get(SQL_URL, params={"sql": query}, headers=headers or {})


def test_select_as_ckan_returns_it(client, wards):
    q = f'SELECT ward, population FROM "{wards}" WHERE population > 100000 ORDER BY population'
    r = sql(client, q)
    assert r.status_code == 200
    assert r.json()["result"] == {"sql": q, "records": [{"ward": "中央区", "population": 177000},
                                                         {"ward": "港区", "population": 261000}],
                                  "fields": [{"id": "ward", "type": "text"}, {"id": "population", "type": "int4"}]}


def test_anonymous_count_is_named_count_as_in_postgres(client, wards):
    r = sql(client, f'SELECT count(*) FROM "{wards}"').json()["result"]
    assert r["records"] == [{"count": 3}] and r["fields"] == [{"id": "count", "type": "int8"}]


def test_group_by_join_and_cte_over_resource_ids(client, catalog, wards):
    other = upload(catalog, "test-ds", "again.parquet", parquet_bytes(WARDS))["id"]
    q = (f'WITH w AS (SELECT left(ward_code, 3) AS pref, population FROM "{wards}") '
         f'SELECT pref, sum(population) AS people, count(*) FROM w GROUP BY pref '
         f'UNION ALL SELECT a.ward, b.population, 1 FROM "{wards}" a JOIN "{other}" b USING (_id) WHERE a._id = 1')
    r = sql(client, q).json()["result"]
    assert r["records"] == [{"pref": "131", "people": 506835, "count": 3},
                            {"pref": "千代田区", "people": 68835, "count": 1}]


def test_rows_beyond_the_cap_are_truncated(client, wards, monkeypatch):
    monkeypatch.setattr(datastore.limits, "ROWS_MAX", 2)
    r = sql(client, f'SELECT _id FROM "{wards}" ORDER BY _id').json()["result"]
    assert r["records_truncated"] is True and r["records"] == [{"_id": 1}, {"_id": 2}]
    assert "records_truncated" not in sql(client, f'SELECT _id FROM "{wards}" LIMIT 2').json()["result"]


def validation(query: str, message: str):
    return 409, {"query": [message], "__type": "Validation Error"}


def authorization(message: str):
    return 403, {"__type": "Authorization Error", "message": f"Access denied: {message}"}


REFUSALS = [
    ("SELECT 1; SELECT 2", validation("", "Query is not a single statement.")),
    ('DELETE FROM "{rid}"', validation("", "Only SELECT statements are allowed, not DELETE.")),
    ("COPY (SELECT 1) TO '/tmp/x.csv'", validation("", "Only SELECT statements are allowed, not COPY.")),
    ("ATTACH '/tmp/x.duckdb' AS x", validation("", "Only SELECT statements are allowed, not ATTACH.")),
    ("PRAGMA show_tables", validation("", "Only SELECT statements are allowed, not PRAGMA.")),
    ("SET threads = 1", validation("", "Only SELECT statements are allowed, not SET.")),
    ("INSTALL httpfs", validation("", "Only SELECT statements are allowed, not INSTALL.")),
    ("LOAD httpfs", validation("", "Only SELECT statements are allowed, not LOAD.")),
    ('CREATE TABLE x AS SELECT * FROM "{rid}"', validation("", "Only SELECT statements are allowed, not CREATE.")),
    ("SELECT * FROM read_csv('/etc/passwd')", authorization("Not authorized to call function read_csv")),
    ("SELECT * FROM read_parquet('/tmp/*.parquet')", authorization("Not authorized to call function read_parquet")),
    ("SELECT * FROM glob('/etc/*')", authorization("Not authorized to call function glob")),
    ("SELECT * FROM query('SELECT 1')", authorization("Not authorized to call function query")),
    ("SELECT current_setting('threads')", authorization("Not authorized to call function current_setting")),
    ("SELECT * FROM duckdb_tables()", authorization("Not authorized to call function duckdb_tables")),
    ("SELECT * FROM duckdb_tables", authorization("Not authorized to access system tables")),
    ("SELECT * FROM information_schema.tables", authorization("Not authorized to access system tables")),
    ("SELECT * FROM pg_catalog.pg_class", authorization("Not authorized to access system tables")),
    ("SELECT * FROM sqlite_master", authorization("Not authorized to access system tables")),
    ('SELECT * FROM datastore."{rid}"', authorization("Not authorized to access system tables")),
    ("WITH x AS (SELECT 1) SELECT * FROM (WITH pg_class AS (SELECT 1) SELECT * FROM pg_class) a, pg_class",
     authorization("Not authorized to access system tables")),
    ('SELECT * FROM "nope"', validation("", 'relation "nope" does not exist')),
    ("SELECT * FROM '/etc/passwd'", validation("", 'relation "/etc/passwd" does not exist')),
    ('SELECT * FROM "{rid}" WHERE ward = ?', validation("", "PLACEHOLDER is not allowed in a query.")),
]


@pytest.mark.parametrize("query, expected", REFUSALS, ids=[q for q, _ in REFUSALS])
def test_refusals_have_ckans_envelope(client, wards, query, expected):
    status, error = expected
    r = sql(client, query.format(rid=wards))
    assert (r.status_code, r.json()) == (status, {"help": HELP, "error": error, "success": False})


def test_syntax_error_is_a_query_validation_error(client):
    r = sql(client, "SELEC 1")
    assert r.status_code == 409 and r.json()["error"]["query"][0].startswith("syntax error")


def test_private_resource_is_refused_to_anonymous_and_outsiders(client, home, wards, secret):
    query = f'SELECT count(*) FROM "{wards}" a, "{secret}" b'
    r = sql(client, query)
    message = f"Access denied: Not authorized to read resource {secret}"
    assert (r.status_code, r.json()["error"]) == (403, {"__type": "Authorization Error", "message": message})
    assert sql(client, query, helpers.person(home).headers).status_code == 403
    member = helpers.person(home, org="internal", role="member")
    assert sql(client, query, member.headers).json()["result"]["records"] == [{"count": 9}]


def test_a_cte_cannot_hide_a_private_table_under_its_name(client, wards, secret):
    query = f'WITH x AS (SELECT 1) SELECT * FROM "{secret}" AS x'
    assert sql(client, query).status_code == 403


def test_slow_query_is_interrupted(client, wards, monkeypatch):
    monkeypatch.setattr(datastore.limits, "QUERY_TIMEOUT", 0.2)
    q = "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 1000000000) SELECT count(*) FROM t"
    r = sql(client, q)
    assert (r.status_code, r.json()["error"]) == (409, {"query": ["Query took too long"], "__type": "Validation Error"})


def test_unknown_column_is_a_validation_error(client, wards):
    r = sql(client, f'SELECT nope FROM "{wards}"')
    assert r.status_code == 409 and "nope" in r.json()["error"]["query"][0]


def test_guard_runs_regenerated_sql_with_qualified_tables():
    checked = datastore_sql.check('SELECT "abc".x, count(*) FROM "abc" GROUP BY 1')
    assert checked.tables == ("abc",)
    assert checked.sql == 'SELECT "abc".x, COUNT(*) AS "count" FROM datastore."abc" GROUP BY 1'


@pytest.mark.parametrize("query", ["", "   ", None])
def test_empty_sql_is_missing(query):
    with pytest.raises(ValidationError) as e:
        datastore_sql.check(query)
    assert e.value.error_dict == {"sql": ["Missing value"]}


def test_allowlisted_functions_pass_and_others_do_not():
    datastore_sql.check("SELECT strftime(d, '%Y'), upper(a), round(x, 2), a::INTEGER, coalesce(a, b) FROM \"r\"")
    with pytest.raises(NotAuthorized, match="list_transform"):
        datastore_sql.check("SELECT list_transform([1], x -> x + 1)")
