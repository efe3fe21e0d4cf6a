"""Dagster end to end, in-process: source -> table -> blocking checks -> release, warehouse, metrics."""
from __future__ import annotations

import json

import pytest

from catalog.local import LocalCatalog
from pipelines.definitions import build_definitions
from pipelines.globals import open_warehouse
from pipelines.runner import ingest
from tests.pipelines.conftest import GOOD_ROWS, HEADER

pytestmark = pytest.mark.slow


def _extra(pkg: dict, key: str) -> str | None:
    return next((e["value"] for e in pkg["extras"] if e["key"] == key), None)


def test_definitions_load(ws):
    import dagster as dg

    ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    defs = build_definitions(ws.datasets, ws.home)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {"koto-toilets/source", "koto-toilets/table", "koto-toilets/release", "warehouse",
            "publication_metrics"} <= keys
    # One blocking check per table (issue 13: a check per family cost 3 event writes each per dataset); its
    # description names every family and its result lists each family (see the ingest test below).
    checks = {c.name for c in graph.asset_check_keys}
    assert checks == {"quality_gate"}
    assert all(graph.get_check_spec(c).blocking for c in graph.asset_check_keys)
    gate = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["koto-toilets", "table"]), "quality_gate")).description
    assert all(f"{family}:" in gate for family in ("structure", "codes", "geo", "format", "personal-data",
                                                  "conversion", "license"))


def test_assets_carry_owners_schema_row_count_and_described_checks_sensors_and_freshness(ws):
    import datetime as dt

    import dagster as dg

    ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    defs = build_definitions(ws.datasets, ws.home)
    graph = defs.resolve_asset_graph()
    table = dg.AssetKey(["koto-toilets", "table"])
    assert graph.get(table).owners == ["team:t131083"]
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        assert spec.description, key
    gate = graph.get_check_spec(dg.AssetCheckKey(table, "quality_gate")).description
    assert "personal-data: " in gate and "personal-my-number" in gate and "Blocks the release on" in gate
    assert all(s.description for s in defs.sensors) and all(s.description for s in defs.schedules)
    policy = graph.get(dg.AssetKey(["koto-toilets", "release"])).freshness_policy  # from update_frequency
    assert policy.warn_window.to_timedelta() == dt.timedelta(days=366) and policy.fail_window.to_timedelta() == \
        dt.timedelta(days=732)

    ingest(ws.datasets, ws.home, progress=False)
    event = dg.DagsterInstance.get().get_latest_materialization_event(table).asset_materialization
    assert event.metadata["dagster/row_count"].value == 2
    columns = [c.name for c in event.metadata["dagster/column_schema"].schema.columns]
    assert "名称" in columns and "緯度" in columns and not [c for c in columns if c.startswith("_")]
    uri = event.metadata["dagster/uri"].value
    assert uri.startswith("std/koto-toilets/") and (ws.home / uri).exists()   # relative: the home can move


def test_ingest_publishes_then_blocks_bad_version_and_keeps_the_good_one(ws):
    src = ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    first = ingest(ws.datasets, ws.home, progress=False)
    assert [(o.id, o.status, o.rows) for o in first.outcomes] == [("koto-toilets", "published", 2)]
    cat = LocalCatalog(ws.home)
    pkg = cat.call_action("package_show", {"id": "koto-toilets"})
    good_version = _extra(pkg, "table_version")
    assert _extra(pkg, "quality_status") == "valid"
    assert {r["format"] for r in pkg["resources"]} == {"CSV", "Parquet", "JSON", "GeoJSON"}

    # New version: the required 名称 column is gone -> ERROR finding -> release blocked.
    bad_header = HEADER.replace("名称,", "")
    bad_rows = [",".join(r.split(",")[:3] + r.split(",")[4:]) for r in GOOD_ROWS]
    src.write_text(bad_header + "".join(bad_rows), "utf-8")
    second = ingest(ws.datasets, ws.home, progress=False)
    outcome = second.outcomes[0]
    assert outcome.status == "blocked" and outcome.errors >= 1
    pkg = cat.call_action("package_show", {"id": "koto-toilets"})
    assert _extra(pkg, "table_version") == good_version          # the last good version stays published
    csv = next(r for r in pkg["resources"] if r["format"] == "CSV")
    assert csv["size"] > 0

    run = second.run_ids[0]
    import dagster as dg
    from dagster import DagsterInstance
    inst = DagsterInstance.get()
    # The gate's result shows each family's outcome in the UI (what a check per family showed): structure failed
    table = dg.AssetKey(["koto-toilets", "table"])
    record = inst.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(table, "quality_gate")])[dg.AssetCheckKey(table, "quality_gate")]
    evaluation = record.event.dagster_event.event_specific_data
    assert not evaluation.passed and "structure" in evaluation.metadata["failed_families"].value
    structure = evaluation.metadata["structure"].value
    assert structure["passed"] is False and structure["errors"] >= 1 and structure["first_findings"]
    assert evaluation.metadata["geo"].value["passed"] is True
    step_stats = {s.step_key: s.status.value for s in inst.get_run_step_stats(run)}
    assert not any(k.endswith("release") and v == "SUCCESS" for k, v in step_stats.items()), step_stats


def test_bad_inputs_fail_alone_and_unchanged_rerun_does_nothing(ws):
    ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    ws.add("koto-missing", None)                                   # declared file does not exist
    ws.add("koto-undecodable", HEADER.encode() + b"131083,X1,\xff\xfe\x80,\x81\n")
    summary = ingest(ws.datasets, ws.home, progress=False)
    status = {o.id: o for o in summary.outcomes}
    assert status["koto-toilets"].status == "published"
    assert status["koto-missing"].status == "failed" and "koto-missing" in status["koto-missing"].reason
    # issue 15: a file that cannot be read is a report naming the reason, not a crash; it is quarantined and blocked
    bad = status["koto-undecodable"]
    assert bad.status == "blocked" and bad.errors == 1 and "last good version stays published" in bad.reason
    report = json.loads((ws.home / "reports" / "koto-undecodable" / f"{bad.version}.json").read_text("utf-8"))
    found = next(f for f in report["findings"] if f["type"] == "unreadable-source")
    assert found["severity"] == "error" and "offset" in found["examples"][0] and "byte" in found["examples"][0]
    assert len(list((ws.home / "quarantine" / "koto-undecodable").iterdir())) == 1
    again = ingest(ws.datasets, ws.home, ["koto-toilets"], progress=False)
    assert [o.status for o in again.outcomes] == ["unchanged"]


def test_warehouse_has_views_over_released_tables(ws):
    ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    ingest(ws.datasets, ws.home, progress=False)
    con = open_warehouse(ws.home)             # views hold paths relative to the home (it can be moved)
    assert con.execute('SELECT count(*) FROM "koto-toilets"').fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM std_public_toilet").fetchone()[0] == 2
    assert con.execute("SELECT id, standard FROM datasets").fetchall() == [("koto-toilets", "public_toilet")]
    names = [r[0] for r in con.execute('SELECT 名称 FROM "koto-toilets" ORDER BY 名称').fetchall()]
    assert names == ["木場公園トイレ", "猿江恩賜公園トイレ"]
