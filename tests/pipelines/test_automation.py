"""Schedules grouped by update frequency, and the inbox sensor (settled files only; processed files moved aside)."""
from __future__ import annotations

import os
import time

import dagster as dg
import pytest

from pipelines.automation import INBOX_TAG, build_schedules, settled_inbox_files
from pipelines.declarations import load_declarations
from pipelines.definitions import build_definitions
from pipelines.runner import ingest
from tests.pipelines.conftest import GOOD_ROWS, HEADER


def test_schedules_are_grouped_by_frequency_in_tokyo_time(ws):
    ws.add("koto-a", HEADER + GOOD_ROWS[0])
    ws.add("koto-b", HEADER + GOOD_ROWS[1])
    ws.add("koto-c", HEADER + GOOD_ROWS[1], extra="")
    text = (ws.datasets / "t131083" / "koto-c.yaml").read_text("utf-8").replace("yearly", "monthly")
    (ws.datasets / "t131083" / "koto-c.yaml").write_text(text, "utf-8")
    schedules = {s.name: s for s in build_schedules(load_declarations(ws.datasets))}
    assert set(schedules) == {"ingest_yearly", "ingest_monthly"}
    assert schedules["ingest_yearly"].execution_timezone == "Asia/Tokyo"
    assert schedules["ingest_monthly"].cron_schedule == "0 5 1 * *"
    defs = build_definitions(ws.datasets, ws.home)
    schedule = defs.get_schedule_def("ingest_yearly")
    assert schedule.job_name == defs.get_implicit_global_asset_job_def().name   # no extra job to resolve
    with dg.build_schedule_context(instance=dg.DagsterInstance.ephemeral()) as ctx:
        data = schedule.evaluate_tick(ctx)
    [request] = data.run_requests
    assert {k.to_user_string() for k in request.asset_selection} == {
        f"koto-{x}/{p}" for x in "ab" for p in ("source", "table", "release")}
    assert {(k.asset_key.to_user_string(), k.name) for k in request.asset_check_keys} == {
        ("koto-a/table", "quality_gate"), ("koto-b/table", "quality_gate")}
    # the run it asks for: exactly these datasets' assets and gates, out of the implicit asset job
    job = defs.get_implicit_global_asset_job_def().get_subset(asset_selection=set(request.asset_selection),
                                                                asset_check_selection=set(request.asset_check_keys))
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == {
        f"koto-{x}/{p}" for x in "ab" for p in ("source", "table", "release")}


def test_half_copied_files_are_not_picked_up(tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "koto-a").mkdir(parents=True)
    (inbox / "unknown-ds").mkdir()
    fresh = inbox / "koto-a" / "new.csv"
    fresh.write_text("x")
    (inbox / "unknown-ds" / "x.csv").write_text("x")
    assert settled_inbox_files(inbox, {"koto-a"}) == []              # still being written
    old = time.time() - 60
    os.utime(fresh, (old, old))
    assert settled_inbox_files(inbox, {"koto-a"}) == [("koto-a", fresh)]


@pytest.mark.slow
def test_inbox_file_becomes_the_next_version_and_is_moved_aside(ws):
    ws.add("koto-a", HEADER + GOOD_ROWS[0])
    ingest(ws.datasets, ws.home, progress=False)
    dropped = ws.home / "inbox" / "koto-a" / "update.csv"
    dropped.parent.mkdir(parents=True)
    dropped.write_text(HEADER + "".join(GOOD_ROWS), "utf-8")
    old = time.time() - 60
    os.utime(dropped, (old, old))

    defs = build_definitions(ws.datasets, ws.home)
    sensor = defs.get_sensor_def("inbox")
    instance = dg.DagsterInstance.get()
    with dg.build_sensor_context(instance=instance, definitions=defs) as ctx:
        requests = list(sensor(ctx))
    assert len(requests) == 1 and requests[0].tags[INBOX_TAG] == str(dropped)
    job = defs.get_implicit_global_asset_job_def()
    res = job.execute_in_process(instance=instance, asset_selection=requests[0].asset_selection,
                                 tags=requests[0].tags, raise_on_error=False)
    assert res.success
    assert not dropped.exists()
    assert [p.name.endswith("update.csv") for p in (ws.home / "inbox" / ".processed" / "koto-a").iterdir()] == [True]
    from catalog.local import LocalCatalog

    pkg = LocalCatalog(ws.home).call_action("package_show", {"id": "koto-a"})
    rows = next(e["value"] for e in pkg["extras"] if e["key"] == "rows")
    assert rows == "2"
    # the declared source has not changed: a scheduled re-ingest keeps the dropped version current
    again = ingest(ws.datasets, ws.home, ["koto-a"], progress=False)
    assert [o.status for o in again.outcomes] == ["unchanged"]
