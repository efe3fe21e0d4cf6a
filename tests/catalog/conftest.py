"""Catalog fixtures: a fresh data home per test, an in-process client acting as sysadmin, an HTTP client."""
from __future__ import annotations

import warnings

import pytest

from catalog.app import create_app
from catalog.local import LocalCatalog
from catalog.store import close_store
from tests.catalog import helpers


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    yield path
    close_store(path)  # release the SQLite connections of this test's store


@pytest.fixture
def admin(home) -> helpers.Person:
    """A sysadmin with a token."""
    return helpers.person(home, sysadmin=True, name="admin")


@pytest.fixture
def catalog(admin) -> LocalCatalog:
    """The catalog, called in-process as the sysadmin."""
    return admin.catalog


@pytest.fixture
def client(home, admin):
    """An in-process HTTP client of the catalog app."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(create_app(home, helpers.SITE), base_url=helpers.SITE) as test_client:
        yield test_client
