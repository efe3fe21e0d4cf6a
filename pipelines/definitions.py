"""Dagster definitions: ``dagster dev -m pipelines.definitions`` (see README) and ``opendata ingest`` load these."""
from __future__ import annotations

import math
import os
from pathlib import Path

import dagster as dg

from pipelines.assets import build_chunk_assets, chunk_datasets, dataset_keys
from pipelines.automation import build_inbox_sensor, build_schedules
from pipelines.declarations import Declarations, load_declarations
from pipelines.globals import build_global_assets
from pipelines.home import DEFAULT_DATASETS, resolve_home
from pipelines.resources import CatalogTarget, Home

# Modules the multiprocess executor's forkserver imports once; every step process is forked from it, so a
# step does not pay the imports (great_expectations alone takes ~5 s with bytecode, ~13 s without).
PRELOAD = ["pipelines.definitions", "pipelines.ingest", "quality", "quality.validate", "catalog.local",
           "great_expectations", "duckdb", "pyarrow.parquet", "polars", "pipelines.preload"]
MIN_PER_STEP = 25        # below this a step's start-up (fork + loading the definitions) outweighs the work
TARGET_STEPS = 8         # 4 steps per core on 2 cores: enough to balance uneven datasets


def datasets_per_step(n: int) -> int:
    """Datasets per step: at least MIN_PER_STEP, and about TARGET_STEPS steps in all."""
    return max(MIN_PER_STEP, math.ceil(n / TARGET_STEPS))


CELERY_ENV = "OPENDATA_CELERY_BROKER"     # e.g. redis://host:6379/0 -> steps run on Celery workers


def executor(celery_broker: str | None = None) -> dg.ExecutorDefinition:
    """Dagster's multiprocess executor, one process per core, steps forked from a preloaded forkserver; or,
    with a Celery broker, dagster-celery's executor (steps as tasks on workers, possibly on other machines)."""
    if celery_broker:
        from dagster_celery import celery_executor

        return celery_executor.configured({"broker": celery_broker, "backend": celery_broker})
    return dg.multiprocess_executor.configured(
        {"max_concurrent": 0, "start_method": {"forkserver": {"preload_modules": PRELOAD}}})


def build_definitions(datasets_dir: Path, home: Path, catalog: CatalogTarget | None = None,
                      per_step: int | None = None, decls: Declarations | None = None,
                      celery_broker: str | None = None) -> dg.Definitions:
    decls = decls or load_declarations(datasets_dir)
    per_step = per_step or datasets_per_step(len(decls.datasets))
    assets = [build_chunk_assets(f"datasets_{i:03d}", chunk, decls)
              for i, chunk in enumerate(chunk_datasets(decls, per_step))]
    release_keys = [dataset_keys(i)[2] for i in decls.datasets]
    assets += build_global_assets(decls, release_keys)
    io = dg.FilesystemIOManager(base_dir=str(home / "dagster" / "io"))
    return dg.Definitions(
        assets=assets,
        schedules=build_schedules(decls), sensors=[build_inbox_sensor(decls, home),
                                                   dg.AutomationConditionSensorDefinition(
                                                       "global_assets", target=dg.AssetSelection.groups("global"),
                                                       description="Rebuilds the warehouse views and the "
                                                                   "publication metrics after releases.")],
        resources={"home": Home(path=str(home), datasets=str(decls.root)),
                   "catalog": catalog or CatalogTarget(), "io_manager": io},
        executor=executor(celery_broker),
    )


def catalog_from_env() -> CatalogTarget:
    """``OPENDATA_CKAN_URL`` (+ ``OPENDATA_CKAN_API_KEY``) publishes to a remote CKAN instead of the embedded one."""
    url = os.environ.get("OPENDATA_CKAN_URL")
    if url:
        return CatalogTarget(kind="remote", url=url, api_key=os.environ.get("OPENDATA_CKAN_API_KEY"))
    return CatalogTarget(url=os.environ.get("OPENDATA_SITE_URL", "http://127.0.0.1:8080"))


def per_step_from_env() -> int | None:
    value = os.environ.get("OPENDATA_DATASETS_PER_STEP")
    return int(value) if value else None


@dg.definitions
def defs() -> dg.Definitions:
    """Read at load time (not import time): OPENDATA_DATASETS, OPENDATA_HOME, OPENDATA_CKAN_URL,
    OPENDATA_DATASETS_PER_STEP, OPENDATA_CELERY_BROKER."""
    datasets = Path(os.environ.get("OPENDATA_DATASETS") or DEFAULT_DATASETS)
    # Dagster calls this twice when it loads a code location (once to find the targets, once to reconstruct
    # the repository): at 1,000 datasets each build is seconds, so a process builds them once per input.
    key = (str(datasets.resolve()), str(resolve_home()), *(os.environ.get(k) for k in (
        "OPENDATA_CKAN_URL", "OPENDATA_CKAN_API_KEY", "OPENDATA_SITE_URL", "OPENDATA_DATASETS_PER_STEP",
        CELERY_ENV)), _declarations_stamp(datasets))
    if _BUILT.get("key") != key:
        _BUILT.update(key=key, defs=build_definitions(datasets, resolve_home(), catalog_from_env(),
                                                      per_step_from_env(),
                                                      celery_broker=os.environ.get(CELERY_ENV) or None))
    return _BUILT["defs"]


_BUILT: dict = {}


def _declarations_stamp(datasets: Path) -> tuple:
    """Names, sizes and modification times of the declaration files: a changed declaration rebuilds."""
    out = []
    for path in sorted(datasets.rglob("*.y*ml")):
        st = path.stat()
        out.append((str(path), st.st_size, st.st_mtime_ns))
    return tuple(out)


def ingest_job():
    """The asset job as a reconstructable target for ``dg.execute_job``: each step process of the multiprocess
    executor rebuilds the definitions from ``defs`` and the same environment (``pipelines.runner``)."""
    from dagster._core.definitions.reconstruct import ReconstructableRepository

    return ReconstructableRepository.for_module("pipelines.definitions", "defs").get_reconstructable_job(
        "__ASSET_JOB")
