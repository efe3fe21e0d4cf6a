"""Run the Dagster assets in-process against the instance in DAGSTER_HOME (so CLI runs show in the UI's history)."""
from __future__ import annotations

import os
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

warnings.filterwarnings("ignore", category=dg.BetaWarning)            # Output(data_version=...) is beta
warnings.filterwarnings("ignore", message="This will be renamed", category=UserWarning)
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pipelines.automation import dataset_selection
from pipelines.definitions import build_definitions
from pipelines.home import ensure_dagster_home, read_json
from pipelines.resources import CatalogTarget

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}  # the summary table reports failures
STEP_END = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}


@dataclass
class DatasetOutcome:
    id: str
    status: str                      # published | unchanged | blocked | failed
    version: str | None = None
    rows: int | None = None
    errors: int = 0
    warnings: int = 0
    reason: str = ""


@dataclass
class IngestSummary:
    outcomes: list[DatasetOutcome] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(o.status in ("published", "unchanged") for o in self.outcomes)


def instance_for(home: Path) -> dg.DagsterInstance:
    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home(home))
    return dg.DagsterInstance.get()


def ingest(datasets_dir: Path, home: Path, ids: list[str] | None = None, catalog: CatalogTarget | None = None,
           progress: bool = True) -> IngestSummary:
    """Materialize source -> table (+ checks) -> release for the datasets, then the global assets."""
    started = time.perf_counter()
    defs = build_definitions(datasets_dir, home, catalog)
    from pipelines.declarations import load_declarations

    decls = load_declarations(datasets_dir)
    ids = ids or sorted(decls.datasets)
    unknown = sorted(set(ids) - set(decls.datasets))
    if unknown:
        raise SystemExit(f"unknown dataset(s): {', '.join(unknown)} (declared: {', '.join(sorted(decls.datasets))})")
    instance = instance_for(home)
    summary = IngestSummary()
    before = {i: (read_json(home / "std" / i / "released.json", {}) or {}).get("version") for i in ids}
    # 1. fetch every source (cheap; data version = sha256), 2. run downstream only where it is stale.
    sources = dg.AssetSelection.assets(*[dg.AssetKey([i, "source"]) for i in ids])
    fetched = _run(defs, instance, sources, f"Fetching {len(ids)} source(s)", progress)
    summary.run_ids.append(fetched.run_id)
    failures = {ev.step_key: _failure_text(ev) for ev in fetched.get_step_failure_events()}
    todo = stale_datasets(instance, defs, [i for i in ids if f"{_op(i)}__source" not in failures])
    if todo:
        result = _run(defs, instance, dataset_selection(todo) - sources, f"Ingesting {len(todo)} dataset(s)",
                      progress)
        summary.run_ids.append(result.run_id)
        failures.update({ev.step_key: _failure_text(ev) for ev in result.get_step_failure_events()})
    _finish(summary, defs, instance, home, ids, before, failures, bool(todo), progress)
    summary.seconds = time.perf_counter() - started
    return summary


def ingest_inbox(datasets_dir: Path, home: Path, catalog: CatalogTarget | None = None,
                 progress: bool = True) -> IngestSummary:
    """Ingest every settled file in ``inbox/<dataset>/`` as that dataset's next version (what the sensor does)."""
    from pipelines.automation import INBOX_TAG, settled_inbox_files
    from pipelines.declarations import load_declarations

    started = time.perf_counter()
    defs = build_definitions(datasets_dir, home, catalog)
    decls = load_declarations(datasets_dir)
    instance = instance_for(home)
    summary, failures, ids = IngestSummary(), {}, []
    files = settled_inbox_files(home / "inbox", set(decls.datasets))
    before = {i: (read_json(home / "std" / i / "released.json", {}) or {}).get("version") for i, _ in files}
    for ds_id, path in files:
        res = _run(defs, instance, dataset_selection([ds_id]), f"inbox: {ds_id}/{path.name}", progress,
                   tags={INBOX_TAG: str(path)})
        summary.run_ids.append(res.run_id)
        failures.update({ev.step_key: _failure_text(ev) for ev in res.get_step_failure_events()})
        ids.append(ds_id)
    _finish(summary, defs, instance, home, ids, before, failures, bool(ids), progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _finish(summary: IngestSummary, defs: dg.Definitions, instance: dg.DagsterInstance, home: Path,
            ids: list[str], before: dict, failures: dict[str, str], changed: bool, progress: bool) -> None:
    """Refresh the global assets when anything ran, then record one outcome per dataset."""
    globals_ = dg.AssetSelection.groups("global")
    if changed or any(instance.get_latest_materialization_event(k) is None
                      for k in globals_.resolve(defs.resolve_asset_graph())):
        glob = _run(defs, instance, globals_, "warehouse + publication metrics", progress)
        summary.run_ids.append(glob.run_id)
        failures.update({ev.step_key: _failure_text(ev) for ev in glob.get_step_failure_events()})
    summary.outcomes += [_outcome(i, home, before[i], failures) for i in dict.fromkeys(ids)]
    summary.outcomes += [DatasetOutcome(id=k, status="failed", reason=v) for k, v in failures.items()
                         if k in ("warehouse", "publication_metrics")]


def _op(ds_id: str) -> str:
    return ds_id.replace("-", "_")


def stale_datasets(instance: dg.DagsterInstance, defs: dg.Definitions, ids: list[str]) -> list[str]:
    """Datasets whose table or release is missing or behind its upstream's data version / its code version."""
    graph = defs.resolve_asset_graph()
    return [i for i in ids if _behind(instance, graph, dg.AssetKey([i, "table"]), dg.AssetKey([i, "source"]))
            or _behind(instance, graph, dg.AssetKey([i, "release"]), dg.AssetKey([i, "table"]))]


def _behind(instance: dg.DagsterInstance, graph, key: dg.AssetKey, upstream: dg.AssetKey) -> bool:
    ev, up = instance.get_latest_materialization_event(key), instance.get_latest_materialization_event(upstream)
    if ev is None or up is None:
        return True
    tags, up_tags = ev.asset_materialization.tags or {}, up.asset_materialization.tags or {}
    consumed = tags.get(f"dagster/input_data_version/{upstream.to_user_string()}")
    code = graph.get(key).code_version
    return consumed != up_tags.get("dagster/data_version") or (code is not None
                                                              and tags.get("dagster/code_version") != code)


def _run(defs: dg.Definitions, instance: dg.DagsterInstance, selection: dg.AssetSelection, label: str,
         progress: bool, tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
    tag = uuid.uuid4().hex
    job = defs.get_implicit_global_asset_job_def()
    holder: dict = {}

    def target():
        holder["result"] = job.execute_in_process(
            instance=instance, asset_selection=list(selection.resolve(defs.resolve_asset_graph())),
            run_config=QUIET, raise_on_error=False,
            tags={"opendata/trigger": "cli", "opendata/cli-run": tag, **(tags or {})})

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    if progress:
        _show_progress(instance, tag, thread, label)
    thread.join()
    return holder["result"]


def _show_progress(instance: dg.DagsterInstance, tag: str, thread: threading.Thread, label: str) -> None:
    """Poll the run's event log and advance a progress bar per finished step."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=False, console=Console(stderr=True)) as bar:
        task = bar.add_task(label, total=None)
        run_id, seen = None, set()
        while thread.is_alive():
            time.sleep(0.3)
            if run_id is None:
                runs = instance.get_runs(filters=dg.RunsFilter(tags={"opendata/cli-run": tag}), limit=1)
                run_id = runs[0].run_id if runs else None
                if run_id:
                    bar.update(task, total=len(instance.get_run_by_id(run_id).step_keys_to_execute or []) or None)
                continue
            for rec in instance.all_logs(run_id):
                ev = rec.dagster_event
                if ev and ev.event_type_value in STEP_END and ev.step_key not in seen:
                    seen.add(ev.step_key)
                    bar.update(task, completed=len(seen), description=f"{label}: {ev.step_key}")
        bar.update(task, description=label)


def _failure_text(ev) -> str:
    """The root cause's message (Dagster wraps user errors in DagsterExecutionStepExecutionError)."""
    err = ev.event_specific_data.error if ev.event_specific_data else None
    while err is not None and err.cause is not None:
        err = err.cause
    msg = (err.message if err else ev.message or "").strip().splitlines()
    return msg[0] if msg else "failed"


def _outcome(ds_id: str, home: Path, before: str | None, failures: dict[str, str]) -> DatasetOutcome:
    from quality.findings import QualityReport

    released = read_json(home / "std" / ds_id / "released.json", {}) or {}
    metas = sorted((home / "std" / ds_id).glob("*.meta.json"), key=lambda p: p.stat().st_mtime)
    meta = read_json(metas[-1], {}) if metas else {}
    out = DatasetOutcome(id=ds_id, status="failed", version=meta.get("version"), rows=meta.get("rows"))
    report_path = home / "reports" / ds_id / f"{out.version}.json"
    if report_path.exists():
        rep = QualityReport.from_dict(read_json(report_path))
        out.errors, out.warnings = len(rep.errors), len(rep.warnings)
    mine = {k: v for k, v in failures.items() if k.startswith(f"{_op(ds_id)}_")}
    hard = [v for k, v in mine.items() if not k.endswith("_quality")]
    if hard:                                   # fetch/read/publish failed: say why, in the step's own words
        out.reason = hard[0]
    elif mine or (out.errors and released.get("version") != out.version):
        out.status = "blocked"
        out.reason = f"品質エラー / quality errors: reports/{ds_id}/{out.version}.json; last good version stays published"
    elif released.get("version") == out.version and out.version:
        out.status = "unchanged" if before == out.version else "published"
    else:
        out.reason = "not released (see the Dagster run)"
    return out
