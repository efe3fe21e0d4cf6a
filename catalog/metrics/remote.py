"""Measuring any CKAN: fetch its public package dicts through the one ``call_action`` interface."""
from __future__ import annotations

from typing import Protocol


class ActionCaller(Protocol):
    def call_action(self, action: str, data_dict: dict | None = None): ...


def compute_remote(ckan: ActionCaller, rows: int = 1000) -> list[dict]:
    """Every package ``package_search`` shows, paged with ``start`` (ckanapi.RemoteCKAN or our LocalCatalog).

    Sorted by name so that a dataset edited while we page does not move between pages; sites cap ``rows``
    below what we ask, so the next ``start`` is what actually came back; ids seen twice are kept once.
    """
    packages: dict[str, dict] = {}
    start = 0
    while True:
        page = ckan.call_action("package_search", {"q": "*:*", "rows": rows, "start": start, "sort": "name asc"})
        results = page.get("results") or []
        for pkg in results:
            packages.setdefault(pkg.get("id") or pkg.get("name"), pkg)
        start += len(results)
        if not results or start >= page.get("count", 0):
            return list(packages.values())
