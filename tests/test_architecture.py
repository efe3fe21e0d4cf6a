"""The design's one-way imports (pipelines -> {quality, catalog}) and the action/auth pairing."""
from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"pipelines", "catalog", "quality"}
ALLOWED = {"pipelines": OURS, "catalog": {"catalog"}, "quality": {"quality"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(OURS))
def test_import_direction(package):
    bad = {str(p.relative_to(ROOT)): sorted(_imports(p) - ALLOWED[package])
           for p in (ROOT / package).rglob("*.py") if _imports(p) - ALLOWED[package]}
    assert bad == {}, f"{package} imports against the design: {bad}"


def test_every_action_has_an_auth_function_and_a_docstring():
    from catalog import actions, auth  # noqa: F401  (registries)

    registry = actions.registry()
    assert {"package_show", "package_search", "package_create", "organization_list", "status_show"} <= set(registry)
    for name, fn in registry.items():
        assert actions.auth_function(name) is not None, f"action {name} has no auth function"
        assert inspect.getdoc(fn), f"action {name} has no docstring"


def test_every_auth_function_has_an_action():
    from catalog import actions

    registry = actions.registry()
    for name in actions.auth_registry():
        assert name in registry, f"auth function {name} has no action"
