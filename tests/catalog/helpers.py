"""Factories that create catalog objects through the actions (as CKAN's tests/factories.py does)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from catalog.store import users
from catalog.local import LocalCatalog

_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_counter)}"


@dataclass(frozen=True)
class Person:
    """A user with an API token and an in-process client acting as them."""

    name: str
    token: str
    catalog: LocalCatalog

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.token}


def person(home: Path, *, sysadmin: bool = False, org: str | None = None, role: str | None = None,
           name: str | None = None) -> Person:
    name = name or unique("user")
    users.ensure_user(home, name, sysadmin=sysadmin)
    if org and role:
        users.set_membership(home, name, org, role)
    return Person(name, users.create_token(home, name, "test"), LocalCatalog(home, user=name, site_url=SITE))


SITE = "http://catalog.test"


def org(catalog: LocalCatalog, **fields) -> dict:
    name = fields.pop("name", None) or unique("org")
    return catalog.call_action("organization_create", {"name": name, "title": fields.pop("title", f"組織 {name}"),
                                                       **fields})


def group(catalog: LocalCatalog, **fields) -> dict:
    name = fields.pop("name", None) or unique("grp")
    return catalog.call_action("group_create", {"name": name, "title": fields.pop("title", f"分類 {name}"), **fields})


def dataset(catalog: LocalCatalog, owner: dict | str, **fields) -> dict:
    owner_name = owner["name"] if isinstance(owner, dict) else owner
    name = fields.pop("name", None) or unique("ds")
    return catalog.call_action("package_create", {"name": name, "owner_org": owner_name,
                                                  "title": fields.pop("title", f"データ {name}"), **fields})


class Anonymous:
    """An in-process caller without a user (``LocalCatalog`` without a user acts as the site sysadmin)."""

    def __init__(self, home: Path):
        from catalog.store import open_store

        self.store = open_store(home)
        self.home = Path(home)

    def call_action(self, action: str, data_dict: dict | None = None):
        from catalog.actions import get_action
        from catalog.context import Context

        context = Context(store=self.store, site_url=SITE, home=self.home, user=None)
        return get_action(action)(context, dict(data_dict or {}))
