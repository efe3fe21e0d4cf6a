"""``LocalCatalog``: the in-process client, with the same ``call_action`` as ``ckanapi.RemoteCKAN``."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from catalog.store import users
from catalog.actions import get_action
from catalog.context import Context
from catalog.store.files import Upload
from catalog.store import open_store

SITE_USER = "site_user"  # like ckanapi's LocalCKAN: without a user, act as the site's own sysadmin


class LocalCatalog:
    """Call catalog actions in-process. Raises ``catalog.errors`` exceptions (NotFound, NotAuthorized, ...).

    ``user`` is a user name; None means the site user (a sysadmin created on first use), as in
    ``ckanapi.LocalCKAN``.
    """

    def __init__(self, home: Path, user: str | None = None, site_url: str = "http://127.0.0.1:8080"):
        self.home = Path(home)
        self.user = user
        self.site_url = site_url.rstrip("/")
        self.store = open_store(self.home)
        self.action = _Shortcuts(self)

    def call_action(self, action: str, data_dict: dict | None = None, context: Any = None, apikey: str | None = None,
                    files: dict | None = None, requests_kwargs: dict | None = None) -> Any:
        """Run ``action`` with ``data_dict`` (``files`` are merged in, as ckanapi does) and return its result."""
        data = dict(data_dict or {})
        data.update(files or {})
        if "upload" in data:
            data["upload"] = Upload.from_value(data["upload"])
        return get_action(action)(self._context(), data)

    def _context(self) -> Context:
        if self.user is None:
            user = users.ensure_user(self.home, SITE_USER, sysadmin=True)
        else:
            user = users.get_user(self.store, self.user)
        return Context(store=self.store, site_url=self.site_url, home=self.home, user=user)


class _Shortcuts:
    """``catalog.action.package_show(id=...)``, like ckanapi's ``action`` attribute."""

    def __init__(self, client: LocalCatalog):
        self._client = client

    def __getattr__(self, name: str):
        return lambda **kwargs: self._client.call_action(name, kwargs)
