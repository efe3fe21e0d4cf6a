"""Dagster definitions: ``dagster dev -m pipelines.definitions`` (see README) and ``opendata ingest`` load these."""
from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.assets import build_dataset_assets, dataset_keys
from pipelines.automation import build_inbox_sensor, build_schedules
from pipelines.declarations import load_declarations
from pipelines.globals import build_global_assets
from pipelines.home import DEFAULT_DATASETS, resolve_home
from pipelines.resources import CatalogTarget, Home


def build_definitions(datasets_dir: Path, home: Path, catalog: CatalogTarget | None = None) -> dg.Definitions:
    decls = load_declarations(datasets_dir)
    assets, checks = [], []
    for ds in decls.datasets.values():
        source, table, release, quality = build_dataset_assets(ds, decls)
        assets += [source, table, release]
        checks.append(quality)
    release_keys = [dataset_keys(i)[2] for i in decls.datasets]
    assets += build_global_assets(decls, release_keys)
    io = dg.FilesystemIOManager(base_dir=str(home / "dagster" / "io"))
    return dg.Definitions(
        assets=assets, asset_checks=checks,
        schedules=build_schedules(decls), sensors=[build_inbox_sensor(decls, home),
                                                   dg.AutomationConditionSensorDefinition(
                                                       "global_assets", target=dg.AssetSelection.groups("global"))],
        resources={"home": Home(path=str(home), datasets=str(decls.root)),
                   "catalog": catalog or CatalogTarget(), "io_manager": io},
        executor=dg.in_process_executor,
    )


def catalog_from_env() -> CatalogTarget:
    """``OPENDATA_CKAN_URL`` (+ ``OPENDATA_CKAN_API_KEY``) publishes to a remote CKAN instead of the embedded one."""
    url = os.environ.get("OPENDATA_CKAN_URL")
    if url:
        return CatalogTarget(kind="remote", url=url, api_key=os.environ.get("OPENDATA_CKAN_API_KEY"))
    return CatalogTarget(url=os.environ.get("OPENDATA_SITE_URL", "http://127.0.0.1:8080"))


@dg.definitions
def defs() -> dg.Definitions:
    """Read at load time (not import time): OPENDATA_DATASETS, OPENDATA_HOME, OPENDATA_CKAN_URL."""
    datasets = Path(os.environ.get("OPENDATA_DATASETS") or DEFAULT_DATASETS)
    return build_definitions(datasets, resolve_home(), catalog_from_env())
