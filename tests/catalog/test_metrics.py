"""compute_publication_rates on a small catalog whose rates are worked out by hand below.

Publishers: 江東区 t131083, 千代田区 t131016 (区), 八王子市 t132012 (市), 檜原村 t133078 (村), 総務局 t000029 (局).

Live targets (weight, category) and what their packages achieve on AS_OF (P C V F M = published, conformant,
valid, fresh, machine_readable):

  t131083 aed               w1 c005  koto-aed: all good, CSV, monthly, changed 21 days ago   P C V F M
  t131083 public_toilet     w2 c006  koto-toilet: quality invalid, yearly but 2024-01 (stale), PDF only   P C
  t131083 evacuation_space  w1 c001  only koto-secret-evac, which is PRIVATE                     -
  t131083 population              exempted (exempt_reason): ignored although koto-population exists
  t131016 aed               w1 c005  chiyoda-aed: standard_conformant false, XLSX only, irregular   P V F
  t131016 public_toilet     w2 c006  nothing (chiyoda-evac has standard evacuation_space: not a target of t131016)
  t132012 aed               w1 c005  only hachioji-aed-list titled AED設置箇所一覧 without `standard` (no fuzzy
                                     match) and a DELETED package with standard aed              -
  t133078 aed               w1 c005  nothing; 檜原村 has no dataset at all (取組率 miss)            -
  t000029 shelter_capacity  w3 c001  need; bureau-shelters fulfils "shelter_capacity, bus_stops": valid, daily,
  t000029 bus_stops         w1 c013  need   metadata_modified yesterday (no data_modified), JSON   P V F M (each)
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from catalog.metrics import (ALL_MEASURES, FREQUENCY_DELTAS, compute_publication_rates, compute_remote,
                             package_measures, read_history, star_level, write_snapshot)
from catalog.metrics.measures import is_fresh, normalise_frequency

AS_OF = date(2026, 11, 22)
SECRET = "koto-secret-evac"

PUBLISHERS = [
    {"id": "t131083", "name": "江東区", "type": "区", "code": "131083"},
    {"id": "t131016", "name": "千代田区", "type": "区", "code": "131016"},
    {"id": "t132012", "name": "八王子市", "type": "市", "code": "132012"},
    {"id": "t133078", "name": "檜原村", "type": "村", "code": "133078"},
    {"id": "t000029", "name": "総務局", "type": "局", "code": None},
]


def _t(publisher, key, title, weight, category, kind="standard", **extra):
    return {"publisher": publisher, "key": key, "title": title, "weight": weight, "category": category,
            "kind": kind, **extra}


TARGETS = [
    _t("t131083", "aed", "AED設置箇所一覧", 1, "c005"),
    _t("t131083", "public_toilet", "公衆トイレ一覧", 2, "c006"),
    _t("t131083", "evacuation_space", "指定緊急避難場所一覧", 1, "c001"),
    _t("t131083", "population", "地域・年齢別人口", 1, "c004", exempt_reason="都の統計で公開済み"),
    _t("t131016", "aed", "AED設置箇所一覧", 1, "c005"),
    _t("t131016", "public_toilet", "公衆トイレ一覧", 2, "c006"),
    _t("t132012", "aed", "AED設置箇所一覧", 1, "c005"),
    _t("t133078", "aed", "AED設置箇所一覧", 1, "c005"),
    _t("t000029", "shelter_capacity", "避難所収容人数", 3, "c001", kind="need"),
    _t("t000029", "bus_stops", "バス停留所", 1, "c013", kind="need"),
]

# (name, org, extras, resource formats, other package fields)
_SPECS = [
    ("koto-aed", "t131083", {"standard": "aed", "standard_conformant": "true", "quality_status": "valid",
                             "update_frequency": "monthly", "data_modified": "2026-11-01"}, ["CSV", "PDF"], {}),
    ("koto-toilet", "t131083", {"standard": "public_toilet", "standard_conformant": "true",
                                "quality_status": "invalid", "update_frequency": "yearly",
                                "data_modified": "2024-01-10"}, ["PDF"], {}),
    (SECRET, "t131083", {"standard": "evacuation_space", "standard_conformant": "true", "quality_status": "valid",
                         "update_frequency": "yearly", "data_modified": "2026-10-01"}, ["CSV"], {"private": True}),
    ("koto-population", "t131083", {"standard": "population", "standard_conformant": "true",
                                    "quality_status": "valid"}, ["CSV"], {}),
    ("chiyoda-aed", "t131016", {"standard": "aed", "standard_conformant": "false", "quality_status": "valid",
                                "update_frequency": "irregular", "data_modified": "2019-04-01"}, ["XLSX"], {}),
    ("chiyoda-evac", "t131016", {"standard": "evacuation_space", "standard_conformant": "true",
                                 "quality_status": "valid"}, ["CSV"], {}),
    ("hachioji-aed-list", "t132012", {}, ["CSV"], {"title": "AED設置箇所一覧"}),
    ("hachioji-aed-old", "t132012", {"standard": "aed", "standard_conformant": "true", "quality_status": "valid"},
     ["CSV"], {"state": "deleted"}),
    ("bureau-shelters", "t000029", {"fulfils": "shelter_capacity, bus_stops", "quality_status": "valid",
                                    "update_frequency": "daily"}, ["JSON"],
     {"metadata_modified": "2026-11-21T09:30:00.123456"}),
]


def package(name: str, org: str, extras: dict, formats: list[str], **fields) -> dict:
    """A package dict shaped like CKAN's package_show (only the fields metrics read matter)."""
    pkg = {"id": f"id-{name}", "name": name, "title": name, "private": False, "state": "active", "type": "dataset",
           "metadata_modified": "2026-06-01T00:00:00.000000", "owner_org": f"org-{org}",
           "organization": {"id": f"org-{org}", "name": org, "title": org, "type": "organization"},
           "extras": [{"key": k, "value": v} for k, v in extras.items()],
           "resources": [{"id": f"{name}-{i}", "format": f, "url": f"http://x/{name}.{f.lower()}", "state": "active"}
                         for i, f in enumerate(formats)]}
    pkg.update(fields)
    return pkg


def packages() -> list[dict]:
    return [package(name, org, extras, formats, **fields) for name, org, extras, formats, fields in _SPECS]


# (scope, scope_id) -> measure -> (numerator, denominator, weighted numerator, weighted denominator, missing)
# Missing as "publisher:key" (adoption: the publisher alone), sorted.
K_EV, K_TO, C_AED, C_TO, H_AED, V_AED = ("t131083:evacuation_space", "t131083:public_toilet", "t131016:aed",
                                         "t131016:public_toilet", "t132012:aed", "t133078:aed")
EXPECTED = {
    ("overall", "all"): {
        "published": (5, 9, 8, 13, [C_TO, K_EV, H_AED, V_AED]),
        "conformant": (2, 7, 3, 9, [C_AED, C_TO, K_EV, H_AED, V_AED]),
        "valid": (4, 9, 6, 13, [C_TO, K_EV, K_TO, H_AED, V_AED]),
        "fresh": (4, 9, 6, 13, [C_TO, K_EV, K_TO, H_AED, V_AED]),
        "machine_readable": (3, 9, 5, 13, [C_AED, C_TO, K_EV, K_TO, H_AED, V_AED]),
        "adoption": (3, 4, 3, 4, ["t133078"]),
    },
    ("type", "区"): {
        "published": (3, 5, 4, 7, [C_TO, K_EV]),
        "conformant": (2, 5, 3, 7, [C_AED, C_TO, K_EV]),
        "valid": (2, 5, 2, 7, [C_TO, K_EV, K_TO]),
        "fresh": (2, 5, 2, 7, [C_TO, K_EV, K_TO]),
        "machine_readable": (1, 5, 1, 7, [C_AED, C_TO, K_EV, K_TO]),
        "adoption": (2, 2, 2, 2, []),
    },
    ("type", "市"): {**{m: (0, 1, 0, 1, [H_AED]) for m in ("published", "conformant", "valid", "fresh",
                                                          "machine_readable")}, "adoption": (1, 1, 1, 1, [])},
    ("type", "村"): {**{m: (0, 1, 0, 1, [V_AED]) for m in ("published", "conformant", "valid", "fresh",
                                                          "machine_readable")}, "adoption": (0, 1, 0, 1, ["t133078"])},
    ("type", "局"): {**{m: (2, 2, 4, 4, []) for m in ("published", "valid", "fresh", "machine_readable")},
                    "conformant": (0, 0, 0, 0, [])},
    ("category", "c001"): {
        "published": (1, 2, 3, 4, [K_EV]), "conformant": (0, 1, 0, 1, [K_EV]), "valid": (1, 2, 3, 4, [K_EV]),
        "fresh": (1, 2, 3, 4, [K_EV]), "machine_readable": (1, 2, 3, 4, [K_EV]),
    },
    ("category", "c005"): {
        "published": (2, 4, 2, 4, [H_AED, V_AED]), "conformant": (1, 4, 1, 4, [C_AED, H_AED, V_AED]),
        "valid": (2, 4, 2, 4, [H_AED, V_AED]), "fresh": (2, 4, 2, 4, [H_AED, V_AED]),
        "machine_readable": (1, 4, 1, 4, [C_AED, H_AED, V_AED]),
    },
    ("category", "c006"): {
        "published": (1, 2, 2, 4, [C_TO]), "conformant": (1, 2, 2, 4, [C_TO]),
        **{m: (0, 2, 0, 4, [C_TO, K_TO]) for m in ("valid", "fresh", "machine_readable")},
    },
    ("category", "c013"): {**{m: (1, 1, 1, 1, []) for m in ("published", "valid", "fresh", "machine_readable")},
                           "conformant": (0, 0, 0, 0, [])},
    ("publisher", "t131083"): {
        "published": (2, 3, 3, 4, [K_EV]), "conformant": (2, 3, 3, 4, [K_EV]),
        **{m: (1, 3, 1, 4, [K_EV, K_TO]) for m in ("valid", "fresh", "machine_readable")},
        "adoption": (1, 1, 1, 1, []),
    },
    ("publisher", "t131016"): {
        "published": (1, 2, 1, 3, [C_TO]), "conformant": (0, 2, 0, 3, [C_AED, C_TO]),
        "valid": (1, 2, 1, 3, [C_TO]), "fresh": (1, 2, 1, 3, [C_TO]),
        "machine_readable": (0, 2, 0, 3, [C_AED, C_TO]), "adoption": (1, 1, 1, 1, []),
    },
    ("publisher", "t132012"): {**{m: (0, 1, 0, 1, [H_AED]) for m in ("published", "conformant", "valid", "fresh",
                                                                     "machine_readable")},
                               "adoption": (1, 1, 1, 1, [])},
    ("publisher", "t133078"): {**{m: (0, 1, 0, 1, [V_AED]) for m in ("published", "conformant", "valid", "fresh",
                                                                     "machine_readable")},
                               "adoption": (0, 1, 0, 1, ["t133078"])},
    ("publisher", "t000029"): {**{m: (2, 2, 4, 4, []) for m in ("published", "valid", "fresh", "machine_readable")},
                               "conformant": (0, 0, 0, 0, [])},
}


def missing_keys(row: dict) -> list[str]:
    return [f"{m['publisher']}:{m['key']}" if m["key"] else m["publisher"] for m in row["missing"]]


def by_scope(rows: list[dict]) -> dict:
    return {(r["scope"], r["scope_id"], r["measure"]): r for r in rows}


def assert_rows(rows: list[dict], as_of: date = AS_OF) -> None:
    got = by_scope(rows)
    want = {(s, i, m): v for (s, i), measures in EXPECTED.items() for m, v in measures.items()}
    assert sorted(got) == sorted(want)
    for key, (num, den, wnum, wden, missing) in want.items():
        row = got[key]
        assert (row["numerator"], row["denominator"]) == (num, den), key
        assert (row["weighted_numerator"], row["weighted_denominator"]) == (wnum, wden), key
        assert row["rate"] == (num / den if den else None), key
        assert row["weighted_rate"] == (wnum / wden if wden else None), key
        assert missing_keys(row) == missing, key
        assert row["as_of"] == as_of.isoformat()


# ---------------------------------------------------------------------------------------------------------
# the hand-worked catalog


def test_every_scope_and_measure_matches_the_hand_computed_rates():
    assert_rows(compute_publication_rates(packages(), TARGETS, PUBLISHERS, AS_OF))


def test_row_schema_names_and_order():
    rows = compute_publication_rates(packages(), TARGETS, PUBLISHERS, AS_OF)
    assert list(rows[0]) == ["as_of", "scope", "scope_id", "scope_name", "publisher_type", "measure", "numerator",
                             "denominator", "rate", "weighted_numerator", "weighted_denominator", "weighted_rate",
                             "missing"]
    assert [r["scope"] for r in rows[:6]] == ["overall"] * 6
    assert [r["measure"] for r in rows[:6]] == list(ALL_MEASURES)
    assert [(r["scope"], r["scope_id"]) for r in rows[-6:]] == [("publisher", "t133078")] * 6
    names = {(r["scope"], r["scope_id"]): (r["scope_name"], r["publisher_type"]) for r in rows}
    assert names[("publisher", "t131083")] == ("江東区", "区")
    assert names[("category", "c005")] == ("医療・福祉", None)
    assert names[("type", "局")] == ("局", "局")
    assert names[("overall", "all")] == ("全体", None)
    json.dumps(rows)   # plain, JSON-ready values


def test_missing_lists_carry_target_titles_and_never_dataset_names():
    rows = compute_publication_rates(packages(), TARGETS, PUBLISHERS, AS_OF)
    koto = by_scope(rows)[("publisher", "t131083", "published")]
    assert koto["missing"] == [{"publisher": "t131083", "key": "evacuation_space", "title": "指定緊急避難場所一覧"}]
    hinohara = by_scope(rows)[("publisher", "t133078", "adoption")]
    assert hinohara["missing"] == [{"publisher": "t133078", "key": None, "title": "檜原村"}]
    assert SECRET not in json.dumps(rows, ensure_ascii=False)


def test_exempted_target_and_its_category_are_absent():
    rows = compute_publication_rates(packages(), TARGETS, PUBLISHERS, AS_OF)
    assert not [r for r in rows if r["scope_id"] == "c004" or "population" in missing_keys(r)]


def test_targets_already_filtered_by_the_pipeline_give_the_same_rows():
    live = [t for t in TARGETS if not t.get("exempt_reason")]
    assert compute_publication_rates(packages(), live, PUBLISHERS, AS_OF) == \
        compute_publication_rates(packages(), TARGETS, PUBLISHERS, AS_OF)


def test_making_the_private_dataset_public_publishes_the_target():
    pkgs = [dict(p, private=False) if p["name"] == SECRET else p for p in packages()]
    row = by_scope(compute_publication_rates(pkgs, TARGETS, PUBLISHERS, AS_OF))[("publisher", "t131083", "published")]
    assert (row["numerator"], row["denominator"], row["missing"]) == (3, 3, [])


def test_no_packages_gives_zero_rates_not_missing_rows():
    rows = compute_publication_rates([], TARGETS, PUBLISHERS, AS_OF)
    overall = by_scope(rows)[("overall", "all", "published")]
    assert (overall["numerator"], overall["denominator"], overall["rate"]) == (0, 9, 0.0)
    assert len(rows) == len(compute_publication_rates(packages(), TARGETS, PUBLISHERS, AS_OF))


def test_publisher_without_targets_has_rows_with_no_rate():
    pubs = PUBLISHERS + [{"id": "t000099", "name": "新局", "type": "局", "code": None}]
    rows = by_scope(compute_publication_rates(packages(), TARGETS, pubs, AS_OF))
    row = rows[("publisher", "t000099", "published")]
    assert (row["numerator"], row["denominator"], row["rate"], row["weighted_rate"]) == (0, 0, None, None)
    assert ("publisher", "t000099", "adoption") not in rows    # 取組率 is about municipalities only


# ---------------------------------------------------------------------------------------------------------
# one package's measures


def _pkg(**extras) -> dict:
    return package("p", "t131083", extras, ["CSV"])


def test_package_measures_need_public_and_active():
    good = {"standard_conformant": "true", "quality_status": "valid"}
    assert package_measures(_pkg(**good), AS_OF) == {"published", "conformant", "valid", "fresh", "machine_readable"}
    assert package_measures(dict(_pkg(**good), private=True), AS_OF) == frozenset()
    assert package_measures(dict(_pkg(**good), private="True"), AS_OF) == frozenset()
    assert package_measures(dict(_pkg(**good), state="draft"), AS_OF) == frozenset()
    assert package_measures(_pkg(quality_status="partial"), AS_OF) == {"published", "fresh", "machine_readable"}


@pytest.mark.parametrize("formats, stars", [
    ([], 0), (["PDF"], 1), (["XLS"], 2), (["xlsx", "pdf"], 2), (["CSV"], 3), ([".geojson"], 3),
    (["Parquet", "PDF"], 3), (["JSON-LD"], 4), (["TTL", "CSV"], 4), (["text/csv"], 3), (["ZIP"], 0),
])
def test_star_level_of_the_best_resource(formats, stars):
    assert star_level([{"format": f} for f in formats]) == stars


def test_star_level_falls_back_to_mimetype_and_url_and_skips_deleted_resources():
    assert star_level([{"format": "", "url": "http://x/a/b.geojson?dl=1"}]) == 3
    assert star_level([{"format": "", "mimetype": "application/pdf", "url": "http://x/download"}]) == 1
    assert star_level([{"format": "CSV", "state": "deleted"}, {"format": "PDF"}]) == 1


@pytest.mark.parametrize("frequency, days_ago, fresh", [
    ("daily", 2, True), ("daily", 3, False),              # 1 day + 1 day grace (10 % < 1 day)
    ("weekly", 8, True), ("weekly", 9, False),
    ("monthly", 34, True), ("monthly", 35, False),        # 31 + 3.1
    ("yearly", 402, True), ("yearly", 403, False),        # 366 + 36.6
    ("irregular", 5000, True), (None, 5000, True), ("sometimes", 5000, True),
    ("1年ごと", 402, True), ("年１回", 403, False), ("毎月", 35, False), ("随時", 5000, True),
    ("annual", 403, False), ("daily", -3, True),          # changed "in the future": not late
])
def test_freshness_follows_the_udata_model(frequency, days_ago, fresh):
    ext = {"data_modified": (AS_OF - timedelta(days=days_ago)).isoformat()}
    if frequency:
        ext["update_frequency"] = frequency
    assert is_fresh({}, ext, AS_OF) is fresh


def test_freshness_uses_metadata_modified_without_data_modified_and_fails_without_any_date():
    assert is_fresh({"metadata_modified": "2026-11-20T23:59:59.1"}, {"update_frequency": "daily"}, AS_OF)
    assert not is_fresh({"metadata_modified": "2026-11-19T00:00:00"}, {"update_frequency": "daily"}, AS_OF)
    assert not is_fresh({}, {"update_frequency": "daily"}, AS_OF)
    assert is_fresh({"metadata_modified": "2020-01-01T00:00:00"}, {"更新頻度": "不定期"}, AS_OF)


def test_japanese_frequencies_normalise():
    assert [normalise_frequency(v) for v in ["１か月ごと", "四半期ごと", "3ヶ月", "半年に1回", "週1回", "毎日",
                                            "公開時のみ", "更新無", ""]] == [
        "monthly", "quarterly", "quarterly", "semiannual", "weekly", "daily", "irregular", "irregular", None]


def test_frequency_deltas_agree_with_the_declarations():
    from pipelines.declarations import Frequency
    assert FREQUENCY_DELTAS == {f.value: f.delta for f in Frequency}


def test_extras_at_top_level_are_read_too():
    pkg = package("flat", "t131083", {}, ["CSV"])
    pkg.update(standard="aed", standard_conformant="true", quality_status="valid")
    rows = by_scope(compute_publication_rates([pkg], TARGETS[:1], PUBLISHERS[:1], AS_OF))
    assert rows[("publisher", "t131083", "valid")]["numerator"] == 1


# ---------------------------------------------------------------------------------------------------------
# compute_remote: paging package_search through call_action


class FakeCKAN:
    """A CKAN whose package_search caps rows at ``cap`` (as real sites do) and records the calls."""

    def __init__(self, pkgs: list[dict], cap: int):
        self.pkgs, self.cap, self.calls = pkgs, cap, []

    def call_action(self, name: str, data_dict: dict | None = None) -> dict:
        assert name == "package_search"
        self.calls.append(dict(data_dict))
        start, rows = data_dict["start"], min(data_dict["rows"], self.cap)
        ordered = sorted(self.pkgs, key=lambda p: p["name"])
        return {"count": len(ordered), "results": ordered[start:start + rows]}


def test_compute_remote_pages_until_everything_is_read():
    public = [p for p in packages() if not p.get("private") and p.get("state") == "active"]
    ckan = FakeCKAN(public, cap=3)
    got = compute_remote(ckan)
    assert sorted(p["name"] for p in got) == sorted(p["name"] for p in public)
    assert [c["start"] for c in ckan.calls] == [0, 3, 6]
    assert all(c["rows"] == 1000 for c in ckan.calls)
    assert_rows(compute_publication_rates(got, TARGETS, PUBLISHERS, AS_OF))


# ---------------------------------------------------------------------------------------------------------
# the same catalog built through the catalog's actions (LocalCatalog), measured with compute_remote


def build_catalog(catalog, today: date) -> None:
    """Create the publishers and packages above through the actions; dates the server sets move with today."""
    for p in PUBLISHERS:
        catalog.call_action("organization_create", {"name": p["id"], "title": p["name"], "extras": [
            {"key": "publisher_type", "value": p["type"]}, {"key": "code", "value": p["code"] or ""}]})
    for name, org, extras, formats, fields in _SPECS:
        if name == "koto-aed":     # keep it 21 days old whatever day the test runs
            extras = dict(extras, data_modified=(today - timedelta(days=21)).isoformat())
        fields = {k: v for k, v in fields.items() if k not in ("state", "metadata_modified")}
        catalog.call_action("package_create", {
            "name": name, "owner_org": org, "extras": [{"key": k, "value": v} for k, v in extras.items()],
            "resources": [{"url": f"http://example.org/{name}.{f.lower()}", "format": f} for f in formats],
            **fields})
    catalog.call_action("package_delete", {"id": "hachioji-aed-old"})


def test_rates_of_a_catalog_built_through_local_catalog(catalog):
    today = datetime.now(timezone.utc).date()   # bureau-shelters' metadata_modified is "now" (UTC)
    build_catalog(catalog, today)
    pkgs = compute_remote(catalog)
    assert SECRET not in {p["name"] for p in pkgs} and "hachioji-aed-old" not in {p["name"] for p in pkgs}
    assert_rows(compute_publication_rates(pkgs, TARGETS, PUBLISHERS, today), as_of=today)


def test_publication_rate_show_through_local_catalog_and_http(catalog, client, home):
    today = datetime.now(timezone.utc).date()
    build_catalog(catalog, today)
    write_snapshot(compute_publication_rates(compute_remote(catalog), TARGETS, PUBLISHERS, today), home, today)
    local = catalog.call_action("publication_rate_show", {"publisher": "t131083", "measure": "published"})
    assert (local["as_of"], local["count"]) == (today.isoformat(), 1)
    assert missing_keys(local["results"][0]) == [K_EV]
    anonymous = client.get("/api/3/action/publication_rate_show", params={"scope": "overall"})   # no token
    body = anonymous.json()
    assert anonymous.status_code == 200 and body["success"] is True
    assert body["result"]["results"] == read_history(home, scope="overall")
    assert SECRET not in anonymous.text
    bad = client.get("/api/3/action/publication_rate_show", params={"measure": "speed"}).json()
    assert bad["success"] is False and bad["error"]["__type"] == "Validation Error"
    prom = client.get("/metrics")
    assert prom.status_code == 200 and prom.headers["content-type"].startswith("text/plain")
    line = ('opendata_publication_rate{publisher="t131083",publisher_name="江東区",publisher_type="区",'
            'measure="published"} 0.6666666666666666')
    assert line in prom.text.splitlines()
