"""Dagster's own engines beyond one machine, against real servers: storage on PostgreSQL (dagster-postgres)."""
from __future__ import annotations

import dagster as dg
import pytest

from pipelines.home import PG_URL_ENV
from pipelines.runner import ingest
from tests.pipelines.conftest import GOOD_ROWS, HEADER
from tests.servers import Postgres, Redis

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres():
    try:
        pg = Postgres()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    pg.start()
    yield pg
    pg.stop()


def test_ingest_with_dagster_storage_on_postgres(ws, postgres, monkeypatch):
    import psycopg2

    monkeypatch.setenv(PG_URL_ENV, postgres.url)
    a = ws.add("koto-a", HEADER + GOOD_ROWS[0])
    ws.add("koto-b", HEADER + "".join(GOOD_ROWS))
    first = ingest(ws.datasets, ws.home, progress=False)
    assert {o.id: o.status for o in first.outcomes} == {"koto-a": "published", "koto-b": "published"}
    instance = dg.DagsterInstance.get()
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    assert not (ws.home / "dagster" / "storage" / "runs.db").exists()      # nothing went to SQLite
    with psycopg2.connect(postgres.dsn) as con, con.cursor() as cur:
        cur.execute("SELECT run_id, status FROM runs ORDER BY create_timestamp")
        assert [r[0] for r in cur.fetchall()] == first.run_ids
        cur.execute("SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'")
        assert cur.fetchone()[0] == 2 * 3 + 2                          # 2 datasets x 3 assets + 2 globals

    again = ingest(ws.datasets, ws.home, progress=False)                # no-op: nothing stale, no run
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"] and again.run_ids == []

    a.write_text(HEADER + "".join(GOOD_ROWS), "utf-8")
    changed = ingest(ws.datasets, ws.home, progress=False)
    assert {o.id: o.status for o in changed.outcomes} == {"koto-a": "published", "koto-b": "unchanged"}
    ev = dg.DagsterInstance.get().get_latest_materialization_event(dg.AssetKey(["koto-a", "table"]))
    assert ev.run_id == changed.run_ids[0]


@pytest.fixture
def redis(tmp_path):
    try:
        server = Redis(tmp_path / "redis")
    except FileNotFoundError as e:
        pytest.skip(str(e))
    server.start()
    yield server
    server.stop()


def _catalog(home) -> dict:
    from catalog.local import LocalCatalog

    cat = LocalCatalog(home, user="opendata-pipeline")
    out = {}
    for name in cat.call_action("package_list", {}):
        pkg = cat.call_action("package_show", {"id": name})
        extras = {e["key"]: e["value"] for e in pkg["extras"]}
        out[name] = {"org": pkg["organization"]["name"], "private": pkg["private"],
                     **{k: extras.get(k) for k in ("table_version", "rows", "quality_status", "source_sha256")},
                     "resources": sorted((r["format"], r["size"]) for r in pkg["resources"])}
    return out


def test_celery_workers_ingest_the_bundled_datasets_like_the_in_process_run(tmp_path, redis, monkeypatch):
    """Redis as broker, two Celery worker processes (dagster-celery), one dataset per step: the catalog they
    produce equals the one an in-process ingest of the same declarations produces."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from pipelines.definitions import CELERY_ENV
    from pipelines.home import DEFAULT_DATASETS, ensure_dagster_home

    local = ingest(DEFAULT_DATASETS, tmp_path / "local", progress=False)
    assert local.ok

    home = tmp_path / "celery"
    env = {**os.environ, "DAGSTER_HOME": str(ensure_dagster_home(home)), "OPENDATA_HOME": str(home),
           "OPENDATA_DATASETS": str(DEFAULT_DATASETS), "OPENDATA_DATASETS_PER_STEP": "1", CELERY_ENV: redis.url}
    celery = str(Path(sys.executable).parent / "celery")
    workers = [subprocess.Popen([celery, "-A", "dagster_celery.app", "-b", redis.url, "--result-backend", redis.url,
                                 "worker", "-Q", "dagster", "--pool", "solo", "-n", f"w{i}@%h", "-l", "WARNING",
                                 "--without-gossip", "--without-mingle"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in (1, 2)]
    try:
        monkeypatch.setenv(CELERY_ENV, redis.url)
        remote = ingest(DEFAULT_DATASETS, home, progress=False, per_step=1)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(30)
    assert remote.ok, [(o.id, o.status, o.reason) for o in remote.outcomes]
    instance = dg.DagsterInstance.get()
    messages = [e.message or "" for e in instance.all_logs(remote.run_ids[0])]
    assert sum("celery" in m.lower() for m in messages) >= 7          # every dataset step went through Celery
    assert _catalog(home) == _catalog(tmp_path / "local")
