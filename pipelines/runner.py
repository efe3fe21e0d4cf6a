"""Run the Dagster assets against the instance in DAGSTER_HOME (so CLI runs show in the UI's history).

Datasets run in chunk steps (``pipelines.assets.build_chunk_assets``): a selection that touches one step runs
in-process; one touching several runs through Dagster's multiprocess executor, one step per core at a time.
Progress reads only the run's new events (an event-log cursor), so each update costs the same at any size.
"""
from __future__ import annotations

import contextlib
import os
import socket
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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from pipelines.assets import chunk_datasets, dataset_keys
from pipelines.automation import dataset_selection
from pipelines.declarations import Declarations, load_declarations
from pipelines.definitions import CELERY_ENV, build_definitions, datasets_per_step, ingest_job
from pipelines.home import ensure_dagster_home, read_json
from pipelines.resources import CatalogTarget

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}  # the summary table reports failures
PID_TAG, HOST_TAG = "opendata/pid", "opendata/host"
GLOBAL_STEPS = ("warehouse", "publication_metrics")
EXECUTOR_ENV = "OPENDATA_EXECUTOR"   # "in_process": every step in the CLI's process (for comparison, debugging)


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

    @property
    def failed(self) -> list[str]:
        return [o.id for o in self.outcomes if o.status == "failed"]


@dataclass
class Plan:
    """What one ``opendata ingest`` works with: declarations, definitions and the step each dataset runs in."""

    decls: Declarations
    defs: dg.Definitions
    per_step: int
    step_of: dict[str, str]
    env: dict[str, str]


def instance_for(home: Path) -> dg.DagsterInstance:
    os.environ["DAGSTER_HOME"] = str(ensure_dagster_home(home))
    instance = dg.DagsterInstance.get()
    fail_orphaned_runs(instance)
    return instance


def fail_orphaned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs an ``opendata`` process started on this host and that stayed STARTED after the
    process died (killed, machine restarted). Runs the daemon launched are watched by Dagster's run monitoring."""
    statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=statuses, tags={HOST_TAG: socket.gethostname()})):
        pid = int(run.tags.get(PID_TAG, "0") or 0)
        if pid and not _alive(pid):
            instance.report_run_failed(run, f"the opendata process (pid {pid}) that ran it is gone")
            failed.append(run.run_id)
    return failed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def plan(datasets_dir: Path, home: Path, catalog: CatalogTarget | None, per_step: int | None = None) -> Plan:
    decls = load_declarations(datasets_dir)
    per_step = per_step or datasets_per_step(len(decls.datasets))
    catalog = catalog or CatalogTarget()
    defs = build_definitions(datasets_dir, home, catalog, per_step=per_step, decls=decls,
                             celery_broker=os.environ.get(CELERY_ENV) or None)
    step_of = {ds.id: f"datasets_{i:03d}" for i, chunk in enumerate(chunk_datasets(decls, per_step)) for ds in chunk}
    # DAGSTER_HOME too: a step process rebuilds the instance from its config, where the event-log folder is
    # relative to DAGSTER_HOME (a forkserver started without it would write step events under its cwd)
    env = {"OPENDATA_HOME": str(home), "DAGSTER_HOME": str(ensure_dagster_home(home)),
           "OPENDATA_DATASETS": str(decls.root), "OPENDATA_DATASETS_PER_STEP": str(per_step),
           "OPENDATA_SITE_URL": catalog.url}
    if os.environ.get(CELERY_ENV):
        env[CELERY_ENV] = os.environ[CELERY_ENV]
    if catalog.kind == "remote":
        env.update(OPENDATA_CKAN_URL=catalog.url, OPENDATA_CKAN_API_KEY=catalog.api_key or "")
    return Plan(decls, defs, per_step, step_of, env)


def ingest(datasets_dir: Path, home: Path, ids: list[str] | None = None, catalog: CatalogTarget | None = None,
           progress: bool = True, per_step: int | None = None, prefork: bool = False) -> IngestSummary:
    """Materialize source -> table (+ checks) -> release for the datasets, then the global assets.

    ``prefork`` (the ``opendata ingest`` command: one ingest per process) starts the step processes' forkserver
    before the change check, so its imports and definitions are ready by the time a run needs them, and runs
    even a single step there. Library callers (tests, the UI's processes) keep one step in-process."""
    started = time.perf_counter()
    p = plan(datasets_dir, home, catalog, per_step)
    ids = ids or sorted(p.decls.datasets)
    unknown = sorted(set(ids) - set(p.decls.datasets))
    if unknown:
        raise SystemExit(f"unknown dataset(s): {', '.join(unknown)} (declared: {', '.join(sorted(p.decls.datasets))})")
    multiprocess = os.environ.get(EXECUTOR_ENV) != "in_process" and not os.environ.get(CELERY_ENV)
    warm = prefork and multiprocess and FORKSERVER.start(p.env)
    instance = instance_for(home)
    summary = IngestSummary()
    before = {i: (read_json(home / "std" / i / "released.json", {}) or {}).get("version") for i in ids}
    # Only datasets whose source changed, or whose table/release is behind, run: one run, all their steps.
    todo, failures = changed_datasets(p, instance, home, ids, progress)
    if todo:
        keys = sorted(dataset_selection(todo).resolve(p.defs.resolve_asset_graph()))
        parallel = warm or (len({p.step_of[i] for i in todo}) > 1 and os.environ.get(EXECUTOR_ENV) != "in_process")
        run_id, more = _run(p, instance, keys, f"Ingesting {len(todo)} dataset(s)", progress, len(todo),
                            parallel=parallel)
        summary.run_ids.append(run_id)
        failures.update(more)
    elif warm:
        FORKSERVER.discard()                  # nothing to run: do not wait for its imports to finish
    _finish(summary, p, instance, home, ids, before, failures, bool(todo), progress)
    summary.seconds = time.perf_counter() - started
    return summary


def ingest_inbox(datasets_dir: Path, home: Path, catalog: CatalogTarget | None = None,
                 progress: bool = True) -> IngestSummary:
    """Ingest every settled file in ``inbox/<dataset>/`` as that dataset's next version (what the sensor does)."""
    from pipelines.automation import INBOX_TAG, settled_inbox_files

    started = time.perf_counter()
    p = plan(datasets_dir, home, catalog)
    instance = instance_for(home)
    summary, failures, ids = IngestSummary(), {}, []
    files = settled_inbox_files(home / "inbox", set(p.decls.datasets))
    before = {i: (read_json(home / "std" / i / "released.json", {}) or {}).get("version") for i, _ in files}
    for ds_id, path in files:
        keys = sorted(dataset_selection([ds_id]).resolve(p.defs.resolve_asset_graph()))
        run_id, more = _run(p, instance, keys, f"inbox: {ds_id}/{path.name}", progress, 1, tags={INBOX_TAG: str(path)})
        summary.run_ids.append(run_id)
        failures.update(more)
        ids.append(ds_id)
    _finish(summary, p, instance, home, ids, before, failures, bool(ids), progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _finish(summary: IngestSummary, p: Plan, instance: dg.DagsterInstance, home: Path,
            ids: list[str], before: dict, failures: dict[str, str], changed: bool, progress: bool) -> None:
    """Refresh the global assets when anything ran, then record one outcome per dataset."""
    globals_ = list(dg.AssetSelection.groups("global").resolve(p.defs.resolve_asset_graph()))
    latest = instance.get_latest_materialization_events(globals_)
    if changed or any(latest.get(k) is None for k in globals_):
        run_id, more = _run(p, instance, globals_, "warehouse + publication metrics", progress, None)
        summary.run_ids.append(run_id)
        failures.update(more)
    summary.outcomes += [_outcome(i, home, before[i], failures) for i in dict.fromkeys(ids)]
    summary.outcomes += [DatasetOutcome(id=k, status="failed", reason=v) for k, v in failures.items()
                         if k in GLOBAL_STEPS]


def changed_datasets(p: Plan, instance: dg.DagsterInstance, home: Path, ids: list[str],
                     progress: bool) -> tuple[list[str], dict[str, str]]:
    """Datasets to run: the source's sha256 (fetched as the source asset would) differs from the data version
    Dagster last recorded for it, or its table/release is behind. Sources that cannot be fetched are run too,
    so that the failure is recorded by Dagster and reported with its reason."""
    from pipelines.resources import Home
    from pipelines.sources import one_transaction

    res = Home(path=str(home), datasets=str(p.decls.root))
    latest = _latest(instance, [dataset_keys(i)[0] for i in ids])
    changed = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), disable=not progress, transient=True) as bar:
        task = bar.add_task(f"Checking {len(ids)} source(s)", total=len(ids))
        with one_transaction(home):          # the fetch records of all sources: one commit, not one each
            _peek_all(p, res, ids, latest, changed, bar, task)
    rest = [i for i in ids if i not in set(changed)]
    todo = set(changed) | set(stale_datasets(instance, p.defs, rest, home))
    return [i for i in ids if i in todo], {}


def _peek_all(p: Plan, res, ids: list[str], latest: dict, changed: list[str], bar: Progress, task) -> None:
    from pipelines.assets import peek_source

    for ds_id in ids:
        try:
            sha = peek_source(p.decls.datasets[ds_id], p.decls, res)
        except Exception:   # noqa: BLE001 - the run reports it
            sha = None
        ev = latest.get(dataset_keys(ds_id)[0])
        if sha is None or ev is None or (ev.asset_materialization.tags or {}).get("dagster/data_version") != sha:
            changed.append(ds_id)
        bar.advance(task)


def _latest(instance: dg.DagsterInstance, keys: list[dg.AssetKey]) -> dict:
    latest = {}
    for start in range(0, len(keys), 900):   # stay below SQLite's bound-parameter limit
        latest.update(instance.get_latest_materialization_events(keys[start:start + 900]))
    return latest


def stale_datasets(instance: dg.DagsterInstance, defs: dg.Definitions, ids: list[str], home: Path) -> list[str]:
    """Datasets whose table or release is missing or behind its upstream's data version / its code version.

    Reads the latest materialization of every asset involved in one batch (not one query per asset)."""
    graph = defs.resolve_asset_graph()
    latest = _latest(instance, [k for i in ids for k in dataset_keys(i)])

    def behind(key: dg.AssetKey, upstream: dg.AssetKey) -> bool:
        ev, up = latest.get(key), latest.get(upstream)
        if ev is None or up is None:
            return True
        tags, up_tags = ev.asset_materialization.tags or {}, up.asset_materialization.tags or {}
        consumed = tags.get(f"dagster/input_data_version/{upstream.to_user_string()}")
        code = graph.get(key).code_version
        return consumed != up_tags.get("dagster/data_version") or (code is not None
                                                                  and tags.get("dagster/code_version") != code)

    def blocked(ds_id: str) -> bool:   # current table failed the gate: stays blocked until its inputs change
        ev = latest.get(dataset_keys(ds_id)[1])
        version = (ev.asset_materialization.tags or {}).get("dagster/data_version") if ev else None
        report = read_json(home / "reports" / ds_id / f"{version}.json", {}) if version else {}
        return bool(report) and not report.get("valid", True)

    return [i for i in ids if behind(dataset_keys(i)[1], dataset_keys(i)[0])
            or (behind(dataset_keys(i)[2], dataset_keys(i)[1]) and not blocked(i))]


def _run(p: Plan, instance: dg.DagsterInstance, keys: list[dg.AssetKey], label: str, progress: bool,
         total: int | None, tags: dict[str, str] | None = None, parallel: bool = False) -> tuple[str, dict[str, str]]:
    """Run the selection (in-process, or on the multiprocess executor when it spans several steps); returns
    the run id and the failures by dataset id (or global step name)."""
    tag = uuid.uuid4().hex
    tags = {"opendata/trigger": "cli", "opendata/cli-run": tag, PID_TAG: str(os.getpid()),
            HOST_TAG: socket.gethostname(), **(tags or {})}
    holder: dict = {}

    def target():
        try:
            if parallel:
                if not os.environ.get(CELERY_ENV):
                    FORKSERVER.start(p.env)   # step processes inherit the forkserver's environment: this run's
                with _environ(p.env):
                    holder["result"] = dg.execute_job(ingest_job(), instance=instance,
                                                      asset_selection=keys, run_config=QUIET, tags=tags)
            else:
                job = p.defs.get_implicit_global_asset_job_def()
                holder["result"] = job.execute_in_process(instance=instance, asset_selection=keys,
                                                          run_config=QUIET, raise_on_error=False, tags=tags)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
            holder["error"] = e

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    watch = RunProgress(instance, tag, label, total)
    while thread.is_alive():
        thread.join(0.5)
        if progress:
            watch.poll()
    watch.close(progress)
    if "error" in holder:
        raise holder["error"]
    result = holder["result"]
    return result.run_id, _failures(result, p)


def _failures(result, p: Plan) -> dict[str, str]:
    """Per-dataset reasons from the chunk steps' Failure metadata; a step that failed without it (crash,
    resource error) fails every dataset it was running."""
    failures: dict[str, str] = {}
    selected = {k.path[0] for k in (result.dagster_run.asset_selection or [])}
    for ev in result.get_step_failure_events():
        data = ev.event_specific_data
        meta = data.user_failure_data.metadata if data and data.user_failure_data else {}
        if "failed" in meta:
            failures.update(meta["failed"].data)
        elif data and data.error and data.error.cls_name == "DagsterAssetCheckFailedError":
            continue   # a blocking check failed: those datasets are "blocked" (their reports say why)
        elif ev.step_key in GLOBAL_STEPS:
            failures[ev.step_key] = _failure_text(ev)
        else:
            failures.update({i: _failure_text(ev) for i, s in p.step_of.items() if s == ev.step_key and i in selected})
    return failures


class Forkserver:
    """The forkserver the multiprocess executor forks its step processes from (``PRELOAD`` imported once).

    Python keeps one per process and starts it on first use; its children inherit *its* environment. So it is
    started here, in the run's environment (``OPENDATA_HOME``, ``OPENDATA_DATASETS``, ...), and restarted when a
    later run in the same process has another one: two runs over different homes must not share step processes
    that read the first home."""

    def __init__(self):
        self.env: tuple | None = None

    def start(self, env: dict[str, str]) -> bool:
        import multiprocessing
        from multiprocessing import forkserver

        from pipelines.definitions import PRELOAD

        key = tuple(sorted(env.items()))
        server = forkserver._forkserver
        if self.env is not None and self.env != key and getattr(server, "_forkserver_pid", None):
            self.discard()
        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
        with _environ(env):
            server.ensure_running()   # returns at once: the server imports PRELOAD while this process goes on
        self.env = key
        return True

    def discard(self) -> None:
        """Stop it without waiting (it may be busy importing, and would only notice its parent later)."""
        import signal
        from multiprocessing import forkserver

        server = forkserver._forkserver
        pid = getattr(server, "_forkserver_pid", None)
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            with contextlib.suppress(OSError):
                os.close(server._forkserver_alive_fd)
            server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None
        self.env = None


FORKSERVER = Forkserver()


@contextlib.contextmanager
def _environ(values: dict[str, str]):
    """The environment the step processes rebuild the same definitions from (see ``ingest_job``)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class RunProgress:
    """Counts of datasets fetched / validated / released / blocked, from the run's new events only."""

    TYPES = {dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_CHECK_EVALUATION,
             dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.RUN_FAILURE, dg.DagsterEventType.RUN_SUCCESS}

    def __init__(self, instance: dg.DagsterInstance, tag: str, label: str, total: int | None):
        self.instance, self.tag, self.label, self.total = instance, tag, label, total
        self.run_id: str | None = None
        self.cursor: str | None = None
        self.done = {"source": set(), "table": set(), "release": set(), "blocked": set()}
        self.bar: Progress | None = None

    def poll(self) -> None:
        if self.run_id is None:
            runs = self.instance.get_runs(filters=dg.RunsFilter(tags={"opendata/cli-run": self.tag}), limit=1)
            if not runs:
                return
            self.run_id = runs[0].run_id
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True))
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        while True:
            conn = self.instance.get_records_for_run(self.run_id, cursor=self.cursor, of_type=self.TYPES,
                                                     limit=1000)
            for rec in conn.records:
                self._count(rec.event_log_entry.dagster_event)
            self.cursor = conn.cursor
            if not conn.has_more:
                break
        self._show()

    def _count(self, ev) -> None:
        if ev is None:
            return
        if ev.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            key = ev.asset_key
            if key is not None and len(key.path) == 2 and key.path[1] in self.done:
                self.done[key.path[1]].add(key.path[0])
        elif ev.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = ev.event_specific_data
            if not evaluation.passed:
                self.done["blocked"].add(evaluation.asset_key.path[0])

    def _show(self) -> None:
        if self.bar is None:
            return
        d = self.done
        finished = d["release"] | d["blocked"] if d["table"] or d["release"] else d["source"]
        text = (f"{self.label}: fetched {len(d['source'])} · validated {len(d['table'])} · "
                f"released {len(d['release'])} · blocked {len(d['blocked'])}")
        self.bar.update(self.task, completed=len(finished), description=text)

    def close(self, progress: bool) -> None:
        if progress:
            self.poll()
        if self.bar is not None:
            self.bar.stop()


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
    if ds_id in failures:                      # fetch/read/publish failed: say why, in the step's own words
        out.reason = failures[ds_id]
    elif out.errors and released.get("version") != out.version:
        out.status = "blocked"
        out.reason = f"品質エラー / quality errors: reports/{ds_id}/{out.version}.json; last good version stays published"
    elif released.get("version") == out.version and out.version:
        out.status = "unchanged" if before == out.version else "published"
    else:
        out.reason = "not released (see the Dagster run)"
    return out
