"""Shared fixtures: the small declarations workspace is used by pipeline and end-to-end tests."""
from tests.pipelines.conftest import ws  # noqa: F401
