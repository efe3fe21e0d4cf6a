"""How ingests start besides the UI and the CLI: schedules grouped by update frequency, and the inbox sensor."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import dagster as dg

from pipelines.declarations import Declarations, Frequency

# A handful of schedules, one per frequency (Asia/Tokyo), not one per dataset.
CRONS = {
    Frequency.continuous: "0 * * * *",
    Frequency.daily: "0 5 * * *",
    Frequency.weekly: "0 5 * * 1",
    Frequency.monthly: "0 5 1 * *",
    Frequency.quarterly: "0 5 1 1,4,7,10 *",
    Frequency.semiannual: "0 5 1 4,10 *",
    Frequency.yearly: "0 5 1 4 *",          # fiscal year starts in April
}
SETTLE_SECONDS = 5.0
INBOX_TAG = "opendata/inbox"   # a file whose size/mtime changed within this window is still being copied


# Schedules and the sensor launch subsets of Dagster's implicit asset job (the one the UI's "Materialize" uses).
# A schedule or sensor with its own ``target`` selection makes Dagster build and resolve one more asset job per
# schedule when it loads the code location: about 0.7 s each at 1,000 datasets, for no gain.
ASSET_JOB = "__ASSET_JOB"


GATE_CHECK = "quality_gate"  # the blocking check on every <id>/table


def dataset_keys_of(ids: list[str]) -> list[dg.AssetKey]:
    return [dg.AssetKey([i, part]) for i in ids for part in ("source", "table", "release")]


def dataset_selection(ids: list[str]) -> dg.AssetSelection:
    keys = dataset_keys_of(ids)
    return dg.AssetSelection.assets(*keys) | dg.AssetSelection.checks_for_assets(*keys)


def dataset_run_request(ids: list[str], **kwargs) -> dg.RunRequest:
    """A run of these datasets' source -> table (+ its quality gate) -> release."""
    return dg.RunRequest(asset_selection=dataset_keys_of(ids),
                         asset_check_keys=[dg.AssetCheckKey(dg.AssetKey([i, "table"]), GATE_CHECK) for i in ids],
                         **kwargs)


def build_schedules(decls: Declarations) -> list[dg.ScheduleDefinition]:
    schedules = []
    for freq, cron in CRONS.items():
        ids = sorted(d.id for d in decls.datasets.values() if d.update_frequency == freq)
        if ids:
            schedules.append(dg.ScheduleDefinition(
                name=f"ingest_{freq.value}", cron_schedule=cron, execution_timezone="Asia/Tokyo",
                job_name=ASSET_JOB, execution_fn=_scheduled(ids),
                description=f"Ingest the {len(ids)} {freq.value} datasets"))
    return schedules


def _scheduled(ids: list[str]):
    def run(context: dg.ScheduleEvaluationContext):
        return dataset_run_request(ids)
    return run


def build_inbox_sensor(decls: Declarations, home: Path) -> dg.SensorDefinition:
    inbox = home / "inbox"

    @dg.sensor(name="inbox", minimum_interval_seconds=30, job_name=ASSET_JOB,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="A file dropped into OPENDATA_HOME/inbox/<dataset-id>/ becomes that dataset's next "
                           "source version: it is ingested, validated and (if the quality gate passes) released.")
    def inbox_sensor(context: dg.SensorEvaluationContext):
        """A file dropped into OPENDATA_HOME/inbox/<dataset-id>/ becomes that dataset's next source version."""
        for ds_id, path in settled_inbox_files(inbox, set(decls.datasets)):
            yield dataset_run_request([ds_id], run_key=f"{ds_id}:{path.name}:{path.stat().st_mtime_ns}",
                                      tags={INBOX_TAG: str(path)})

    return inbox_sensor


def settled_inbox_files(inbox: Path, known: set[str], settle: float = SETTLE_SECONDS) -> list[tuple[str, Path]]:
    """Files in ``inbox/<dataset>/`` not modified for ``settle`` seconds (half-copied files are left alone)."""
    now = time.time()
    found = []
    for ds_dir in sorted(p for p in inbox.glob("*") if p.is_dir() and p.name in known):
        for f in sorted(ds_dir.iterdir()):
            if f.is_file() and not f.name.startswith(".") and now - f.stat().st_mtime >= settle:
                found.append((ds_dir.name, f))
    return found


def move_processed(path: Path, inbox: Path) -> Path:
    """Move a consumed inbox file aside (never delete it)."""
    dest = inbox / ".processed" / path.parent.name / f"{int(time.time())}-{path.name}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), dest)
    return dest

