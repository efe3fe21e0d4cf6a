"""Pipeline at scale: chunk steps on the multiprocess executor, per-dataset failures, no-op and one-change
reruns, orphaned runs, and a data home that can be moved."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess

import dagster as dg
import pyarrow.parquet as pq
import pytest

from pipelines.globals import open_warehouse
from pipelines.runner import HOST_TAG, PID_TAG, RunProgress, fail_orphaned_runs, ingest, instance_for
from tests.pipelines.conftest import GOOD_ROWS, HEADER

pytestmark = pytest.mark.slow


def _selected(instance: dg.DagsterInstance, run_id: str) -> set[str]:
    return {k.to_user_string() for k in instance.get_run_by_id(run_id).asset_selection or []}


def test_multiprocess_steps_isolate_a_broken_dataset_and_rerun_only_what_changed(ws):
    a = ws.add("koto-a", HEADER + GOOD_ROWS[0])
    ws.add("koto-b", HEADER + GOOD_ROWS[1])
    ws.add("koto-broken", HEADER.encode() + b"131083,X1,\xff\xfe\x80,\x81\n")          # not decodable
    ws.add("koto-c", HEADER + "".join(GOOD_ROWS))
    # two datasets per step -> 2 steps -> Dagster's multiprocess executor (forkserver) runs them
    first = ingest(ws.datasets, ws.home, progress=False, per_step=2)
    status = {o.id: o.status for o in first.outcomes}
    # issue 15: an unreadable file is quarantined with a report naming the reason and blocked (not a crash)
    assert status == {"koto-a": "published", "koto-b": "published", "koto-broken": "blocked", "koto-c": "published"}
    assert not first.ok
    broken = next(o for o in first.outcomes if o.id == "koto-broken")
    assert "last good version stays published" in broken.reason
    instance = dg.DagsterInstance.get()
    run = instance.get_run_by_id(first.run_ids[0])
    assert run.status == dg.DagsterRunStatus.FAILURE          # the step with the broken dataset failed ...
    engine = [e.message for e in instance.all_logs(run.run_id) if "multiprocess executor" in (e.message or "")]
    assert engine, "the dataset run used the multiprocess executor"
    # progress counts come from the run's new events only: a second poll reads nothing again
    watch = RunProgress(instance, run.tags["opendata/cli-run"], "ingest", 4)
    watch.poll()
    assert {k: len(v) for k, v in watch.done.items()} == {"source": 4, "table": 4, "release": 3, "blocked": 1}
    assert instance.get_records_for_run(run.run_id, cursor=watch.cursor).records == []
    watch.close(progress=False)
    lineage = instance.get_latest_materialization_event(dg.AssetKey(["koto-b", "release"]))
    assert lineage.asset_materialization.tags["dagster/input_data_version/koto-b/table"]   # lineage per dataset

    # nothing changed -> no run at all
    again = ingest(ws.datasets, ws.home, ["koto-a", "koto-b", "koto-c"], progress=False, per_step=2)
    assert [o.status for o in again.outcomes] == ["unchanged"] * 3 and again.run_ids == []

    # one source changed -> one run with only that dataset, then warehouse + metrics
    a.write_text(HEADER + "".join(GOOD_ROWS), "utf-8")
    changed = ingest(ws.datasets, ws.home, ["koto-a", "koto-b", "koto-c"], progress=False, per_step=2)
    assert {o.id: o.status for o in changed.outcomes} == {"koto-a": "published", "koto-b": "unchanged",
                                                         "koto-c": "unchanged"}
    assert {k.split("/")[0] for k in _selected(instance, changed.run_ids[0])} == {"koto-a"}
    assert _selected(instance, changed.run_ids[1]) == {"warehouse", "publication_metrics"}


def test_runs_left_started_by_a_killed_process_are_marked_failed(ws):
    instance = instance_for(ws.home)
    dead = subprocess.Popen(["true"])
    dead.wait()
    mine = {PID_TAG: str(dead.pid), HOST_TAG: socket.gethostname()}
    orphan = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="orphan-run",
                                            status=dg.DagsterRunStatus.STARTED, tags=mine))
    alive = instance.add_run(dg.DagsterRun(job_name="__ASSET_JOB", run_id="live-run", status=dg.DagsterRunStatus.STARTED,
                                           tags={**mine, PID_TAG: str(subprocess.os.getpid())}))
    assert fail_orphaned_runs(instance) == [orphan.run_id]
    assert instance.get_run_by_id("orphan-run").status == dg.DagsterRunStatus.FAILURE
    assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED


def test_a_moved_home_still_serves_the_warehouse_and_every_released_table(ws, tmp_path):
    ws.add("koto-a", HEADER + GOOD_ROWS[0])
    ws.add("koto-b", HEADER + "".join(GOOD_ROWS))
    ingest(ws.datasets, ws.home, progress=False)
    old = str(ws.home.resolve())
    for f in [*ws.home.glob("std/*/*.json"), *ws.home.glob("reports/*/*.json")]:
        assert old not in f.read_text("utf-8"), f                    # no absolute path inside the home
    moved = tmp_path / "elsewhere" / "home"
    moved.parent.mkdir()
    shutil.move(str(ws.home), moved)
    con = open_warehouse(moved)
    assert con.execute('SELECT count(*) FROM "koto-a"').fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM std_public_toilet").fetchone()[0] == 3
    paths = dict(con.execute("SELECT id, path FROM datasets").fetchall())
    assert set(paths) == {"koto-a", "koto-b"} and not any(p.startswith("/") for p in paths.values())
    assert con.execute("SELECT count(*) FROM metrics").fetchone()[0] > 0
    for ds_id, rows in (("koto-a", 1), ("koto-b", 2)):
        released = json.loads((moved / "std" / ds_id / "released.json").read_text("utf-8"))
        assert pq.read_table(moved / released["path"]).num_rows == rows
    again = ingest(ws.datasets, moved, progress=False)               # and the pipeline carries on there
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"]
