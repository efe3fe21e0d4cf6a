"""Dagster resources: where the data home is, and which catalog releases go to."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

import dagster as dg

PIPELINE_USER = "opendata-pipeline"


class ActionClient(Protocol):
    """What the release step needs: CKAN's ``call_action`` (our LocalCatalog and ckanapi.RemoteCKAN both have it)."""

    def call_action(self, action: str, data_dict: dict | None = None, files: dict | None = None) -> Any: ...


class Home(dg.ConfigurableResource):
    """The data home (``OPENDATA_HOME``) and the declarations folder."""

    path: str
    datasets: str

    @property
    def root(self) -> Path:
        return Path(self.path)

    def std_dir(self, dataset: str) -> Path:
        return self.root / "std" / dataset

    def report_path(self, dataset: str, version: str) -> Path:
        return self.root / "reports" / dataset / f"{version}.json"

    def released_path(self, dataset: str) -> Path:
        """Pointer to the version currently published (the last good one)."""
        return self.std_dir(dataset) / "released.json"


class CatalogTarget(dg.ConfigurableResource):
    """Where releases are published: the embedded catalog in the data home, or a remote CKAN through ckanapi."""

    kind: Literal["local", "remote"] = "local"
    url: str = "http://127.0.0.1:8080"      # remote CKAN address, or the embedded catalog's public site URL
    api_key: str | None = None

    def client(self, home: Path) -> ActionClient:
        if self.kind == "remote":
            import ckanapi

            return ckanapi.RemoteCKAN(self.url, apikey=self.api_key, user_agent="tokyo-opendata-pipeline")
        from catalog.store import users
        from catalog.local import LocalCatalog

        users.ensure_user(home, PIPELINE_USER, sysadmin=True)
        return LocalCatalog(home, user=PIPELINE_USER, site_url=self.url)
