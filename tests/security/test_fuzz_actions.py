"""Property-based fuzzing: every registered action gets random JSON of every type, size and script.

Whatever arrives, the answer is never a 500, is always JSON (CKAN's envelope, or one of CKAN's bare-string 400s),
and comes back in bounded time. In-process (the ASGI app over a real SQLite home) to keep it fast in CI.
"""
from __future__ import annotations

import json
import time
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.actions import action_names
from catalog.app import create_app
from tests.security.conftest import populate

SITE = "http://catalog.test"
SECONDS = 5.0
KEYS = ["id", "name", "name_or_id", "resource_id", "package_id", "q", "fq", "fq_list", "sort", "rows", "start",
        "limit", "offset", "filters", "fields", "sql", "facet.field", "facet.limit", "records_format", "distinct",
        "include_total", "owner_org", "title", "resources", "tags", "groups", "extras", "url", "format", "upload",
        "private", "state", "all_fields", "type", "user", "capacity", "object", "include_datasets", "full_text",
        "plain", "language", "fl", "include_private", "organizations"]

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | \
    st.sampled_from(["", "*:*", "人口", "東京都", "wards", "t131083", "名前:値", "(", ")", '"', "NOT", "[* TO *]",
                     "SELECT 1", "null", "-1", "1e400", "NaN", "\x00", "ｶﾀｶﾅ", "🙂", "ward desc", "a" * 2000])
SCALARS = st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70) | \
    st.floats(allow_nan=True, allow_infinity=True) | TEXT
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) |
                      st.dictionaries(st.sampled_from(KEYS) | TEXT, inner, max_size=5), max_leaves=20)
BODIES = st.dictionaries(st.sampled_from(KEYS) | TEXT, VALUES, max_size=6)


@pytest.fixture(scope="module")
def fuzz_client(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz") / "home"
    facts = populate(home)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(create_app(home, SITE), base_url=SITE, raise_server_exceptions=False) as client:
        yield client, facts


def _check(response, elapsed: float) -> None:
    assert response.status_code != 500, response.text[:1000]
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    body = response.json()
    if isinstance(body, str):  # CKAN's bare-string 400s (bad JSON, GET on a write action)
        assert response.status_code == 400 and body.startswith("Bad request")
    else:
        assert body["success"] is (response.status_code == 200) and "help" in body
        assert ("result" in body) if body["success"] else ("__type" in body["error"])
    assert elapsed < SECONDS


@settings(max_examples=250, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(action=st.sampled_from(action_names()), body=BODIES, as_admin=st.booleans(), use_get=st.booleans())
def test_random_json_to_every_action_never_breaks_the_envelope(fuzz_client, action, body, as_admin, use_get):
    client, facts = fuzz_client
    headers = {"Authorization": facts["token"]} if as_admin else {}
    if "resource_id" in body and body["resource_id"] == "":
        body["resource_id"] = facts["resource_id"]  # sometimes hit a real table
    started = time.monotonic()
    if use_get:
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        response = client.get(f"/api/3/action/{action}", params=params, headers=headers)
    else:
        response = client.post(f"/api/3/action/{action}", content=json.dumps(body).encode(),
                               headers={**headers, "Content-Type": "application/json"})
    _check(response, time.monotonic() - started)
