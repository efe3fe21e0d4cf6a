"""Every public input has a cap, and every attack is answered with CKAN's envelope: never a 500, fast, and the
server's memory stays bounded (issue 14). Attacks run against a real ``opendata serve`` process."""
from __future__ import annotations

import json
import time

import pytest
import requests

ACTION = "/api/3/action/"
SECONDS = 5.0  # every refusal below is answered well within this, on a loaded 2-core machine
RSS_MB = 500


def post(target, action: str, payload=None, *, data: bytes | None = None, headers=None) -> tuple[requests.Response, float]:
    server, _ = target
    started = time.monotonic()
    if data is None:
        response = requests.post(server.url + ACTION + action, json=payload, headers=headers, timeout=60)
    else:
        response = requests.post(server.url + ACTION + action, data=data, timeout=60,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    return response, time.monotonic() - started


def refused(response: requests.Response, elapsed: float, status: int, kind: str, action: str) -> dict:
    """CKAN's error envelope with ``status`` and ``__type`` ``kind``; returns the ``error`` object."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["help", "error", "success"] and body["success"] is False
    assert body["help"].endswith(f"/api/3/action/help_show?name={action}")
    assert body["error"]["__type"] == kind
    assert elapsed < SECONDS
    return body["error"]


# ---- the six 500s of the issue ---------------------------------------------------------------------------------

def test_deeply_nested_json_body_is_a_validation_error(target):
    deep = b'{"q": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    error = refused(*post(target, "package_search", data=deep), 409, "Validation Error", "package_search")
    assert error["__body"] == ["JSON nested deeper than 32 levels"]
    nested = {"q": "x"}
    for _ in range(40):
        nested = {"a": nested}
    error = refused(*post(target, "package_search", {"fq": nested}), 409, "Validation Error", "package_search")
    assert error["fq"] == ["JSON nested deeper than 32 levels"]


@pytest.mark.parametrize("ref", [["a", "b"], {"id": "wards"}])
def test_package_show_id_as_list_or_object_is_a_validation_error(target, ref):
    error = refused(*post(target, "package_show", {"id": ref}), 409, "Validation Error", "package_show")
    assert error["id"] == ["Must be a string"]


def test_huge_offset_is_a_validation_error(target):
    _, facts = target
    error = refused(*post(target, "package_list", {"limit": 10, "offset": 10**30}), 409, "Validation Error",
                    "package_list")
    assert error["offset"] == ["Must be at most 2147483647"]
    error = refused(*post(target, "datastore_search", {"resource_id": facts["resource_id"], "offset": 10**30}),
                    409, "Validation Error", "datastore_search")
    assert error["offset"] == ["Must be at most 2147483647"]
    error = refused(*post(target, "package_search", {"start": 10**30}), 409, "Validation Error", "package_search")
    assert error["start"] == ["Must be at most 2147483647"]


def test_huge_limit_is_a_validation_error_or_capped_as_ckan_does(target):
    _, facts = target
    error = refused(*post(target, "package_list", {"limit": 10**30}), 409, "Validation Error", "package_list")
    assert error["limit"] == ["Must be at most 2147483647"]
    error = refused(*post(target, "group_list", {"limit": "1e400"}), 409, "Validation Error", "group_list")
    assert "limit" in error
    # within range, the DataStore caps limit silently at rows_max as CKAN does (VERIFIED limit=1000000 -> 32000)
    response, elapsed = post(target, "datastore_search", {"resource_id": facts["resource_id"], "limit": 10**6})
    assert response.status_code == 200 and response.json()["result"]["limit"] == 32000 and elapsed < SECONDS
    assert len(response.json()["result"]["records"]) == 3000
    response, _ = post(target, "package_search", {"rows": 5000})
    assert response.status_code == 200 and response.json()["result"]["count"] == 1


def test_one_megabyte_q_to_datastore_search_is_a_validation_error(target):
    _, facts = target
    error = refused(*post(target, "datastore_search", {"resource_id": facts["resource_id"], "q": "x" * 1_000_000}),
                    409, "Validation Error", "datastore_search")
    assert error["q"] == ["Must be at most 1000 characters"]
    words = " ".join(["区"] * 40)
    error = refused(*post(target, "datastore_search", {"resource_id": facts["resource_id"], "q": words}),
                    409, "Validation Error", "datastore_search")
    assert error["q"] == ["Must be at most 32 words"]


def test_three_thousand_nested_parentheses_in_sql_are_a_validation_error(target):
    sql = "SELECT " + "(" * 3000 + "1" + ")" * 3000
    error = refused(*post(target, "datastore_search_sql", {"sql": sql}), 409, "Validation Error",
                    "datastore_search_sql")
    assert error["query"] == ["Query is nested deeper than 32 parentheses."]
    deep_case = "SELECT " + "CASE WHEN true THEN " * 700 + "1" + " END" * 700
    error = refused(*post(target, "datastore_search_sql", {"sql": deep_case}), 409, "Validation Error",
                    "datastore_search_sql")
    assert error["query"] == ["Query is nested too deeply."]


# ---- caps on size -----------------------------------------------------------------------------------------------

def test_a_body_over_ten_megabytes_is_413_with_the_envelope(target):
    big = json.dumps({"q": "x" * (11 << 20)}).encode()
    error = refused(*post(target, "package_search", data=big), 413, "Request Entity Too Large", "package_search")
    assert error["message"] == "Request body is larger than 10485760 bytes"


def test_a_chunked_body_without_length_is_cut_off_at_ten_megabytes(target):
    server, _ = target

    def chunks():
        yield b'{"q": "'
        for _ in range(100):  # 100 MB if it were all read
            yield b"x" * (1 << 20)
        yield b'"}'

    started = time.monotonic()
    try:
        response = requests.post(server.url + ACTION + "package_search", data=chunks(), timeout=60,
                                 headers={"Content-Type": "application/json"})
    except requests.ConnectionError:  # the server answered and closed while the client was still sending
        assert time.monotonic() - started < SECONDS
        return
    refused(response, time.monotonic() - started, 413, "Request Entity Too Large", "package_search")


def test_oversized_form_fields_are_bad_requests_not_500s(target):
    server, _ = target
    started = time.monotonic()
    r = requests.post(server.url + ACTION + "package_search", data={"q": "x" * (2 << 20)}, timeout=60)
    assert r.status_code == 400 and r.json().startswith("Bad request - ") and time.monotonic() - started < SECONDS
    r = requests.post(server.url + ACTION + "package_search", data={f"k{i}": "v" for i in range(1500)}, timeout=60)
    assert r.status_code == 400 and r.json().startswith("Bad request - ")


def test_long_q_and_fq_are_search_query_errors(target):
    for payload in ({"q": "人口 " * 5000}, {"fq": "tags:" + "x" * 20_000}, {"fq_list": ["name:a"] * 101},
                    {"q": "(" * 3000 + "x" + ")" * 3000}, {"q": "name:" + "NOT " * 3000 + "x"}):
        error = refused(*post(target, "package_search", payload), 400, "Search Query Error", "package_search")
        assert error["message"].startswith("Search Query is invalid: ")


def test_many_sort_fields_are_refused(target):
    _, facts = target
    error = refused(*post(target, "package_search", {"sort": ", ".join(["name asc"] * 11)}), 400,
                    "Search Query Error", "package_search")
    assert "sort" in error["message"]
    error = refused(*post(target, "datastore_search", {"resource_id": facts["resource_id"],
                                                       "sort": ", ".join(["ward"] * 17)}),
                    409, "Validation Error", "datastore_search")
    assert error["sort"] == ["Must be at most 16 fields"]


def test_sql_text_length_is_capped(target):
    sql = "SELECT 1" + " " * 20_000
    error = refused(*post(target, "datastore_search_sql", {"sql": sql}), 409, "Validation Error",
                    "datastore_search_sql")
    assert error["query"] == ["Query is longer than 20000 characters."]


def test_sql_values_and_result_bytes_are_capped(target):
    """The issue's attack: repeat('x', 30000) over a self-join answered 659 MB and grew the server by 2 GB."""
    _, facts = target
    table = f'"{facts["resource_id"]}"'
    sql = f"SELECT repeat('x', 30000) AS x, a.ward FROM {table} a, {table} b, {table} c"
    error = refused(*post(target, "datastore_search_sql", {"sql": sql}), 409, "Validation Error",
                    "datastore_search_sql")
    assert error["query"][0].endswith("repeat longer than 10000 characters")
    sql = f"SELECT lpad(a.ward, 20000, '-') FROM {table} a"
    error = refused(*post(target, "datastore_search_sql", {"sql": sql}), 409, "Validation Error",
                    "datastore_search_sql")
    assert error["query"][0].endswith("lpad longer than 10000 characters")
    sql = f"SELECT repeat('x', 9000) AS x, a.ward FROM {table} a, {table} b, {table} c"  # 32,001 x 9 kB
    error = refused(*post(target, "datastore_search_sql", {"sql": sql}), 409, "Validation Error",
                    "datastore_search_sql")
    assert error["query"] == ["Result is larger than 33554432 bytes; select fewer rows or columns"]


def test_sql_result_rows_are_capped_at_rows_max(target):
    _, facts = target
    table = f'"{facts["resource_id"]}"'
    response, elapsed = post(target, "datastore_search_sql", {"sql": f"SELECT a.population FROM {table} a, {table} b"})
    assert response.status_code == 200 and elapsed < SECONDS
    result = response.json()["result"]
    assert len(result["records"]) == 32000 and result["records_truncated"] is True


def test_the_server_stayed_under_500_mb_through_every_attack(target):
    """Runs last in this module: the peak resident memory of the server process over all the attacks above."""
    server, _ = target
    assert server.peak_rss_mb() < RSS_MB
