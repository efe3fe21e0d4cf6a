"""The layout the design writes down (docs/ARCHITECTURE.md), locked in.

- Between the top-level packages: ``pipelines -> {quality, catalog}``; ``catalog`` and ``quality`` import
  nothing else of ours.
- Inside ``catalog/``: the rooms are layered (``CATALOG_LAYERS``, top to bottom). A room imports only rooms
  below it; rooms in one layer are independent of each other; nothing but the CLI's ``serve`` imports ``catalog.app``.
- A room's modules are private: code outside a room imports its ``__init__`` (the room's public face) or the
  submodules that face lists in ``__all__``, never another of its modules.
- Inside ``quality/``: the modules are layered the same way (``QUALITY_LAYERS``).
- No import cycle among the modules of ``catalog``, ``quality`` or ``pipelines``.

Imports are read from the source with ``ast``: every ``import`` counts, including those inside functions (they
run too), except those under ``if TYPE_CHECKING:`` (they never run). ``from package import name`` depends on
``package.name`` when that is a module, else on ``package`` itself.
"""
from __future__ import annotations

import ast
import inspect
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"pipelines", "catalog", "quality"}
ALLOWED = {"pipelines": OURS, "catalog": {"catalog"}, "quality": {"quality"}}

CATALOG_LAYERS = [  # top to bottom
    {"app"},                                          # the ASGI app: routes, error envelope
    {"web", "local"},                                 # HTML pages; the in-process catalog (call_action)
    {"dcat"},                                         # RDF of what package_search / package_show answer
    {"actions"},                                      # one function per CKAN action
    {"auth"},                                         # the auth function of each action
    {"search", "datastore", "metrics", "caller"},     # package_search; DataStore; 公開率; request -> Context
    {"store"},                                        # SQLite store and its entities
    {"context", "errors"},                            # what every layer shares
]
QUALITY_LAYERS = [  # top to bottom; "" is the package's face (quality/__init__.py)
    {""},
    {"data_docs"},                                    # GX Data Docs rebuilt from saved reports
    {"reports"},                                      # reports on disk, the steward's text table
    {"validate"},                                     # table -> QualityReport
    {"gx_runtime"},                                   # the one GX context, suite runs
    {"rules"},                                        # the suite builder: standard -> expectations
    {"expectations"},                                 # GX custom expectations
    {"checks", "personal", "license", "headers"},     # vectorised predicates, personal data, licences, header words
    {"findings", "catalogue", "codes", "standards"},  # finding types, check digits, the standards as data
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for package in OURS for p in (ROOT / package).rglob("*.py")}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    return skipped


@cache
def _imports(module: str) -> frozenset[str]:
    """The modules of ours that ``module`` imports (as dotted names; packages by their own name)."""
    path = _modules()[module]
    tree = ast.parse(path.read_text("utf-8"))
    skipped = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in _modules() else base)
    return frozenset(name for name in found if name in _modules() and name != module)


def _room(module: str) -> str | None:
    """``catalog.search.engine`` -> ``search``; ``catalog`` itself -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "catalog" and len(parts) > 1 else None


def _rank(layers: list[set[str]], name: str) -> int:
    for rank, layer in enumerate(layers):
        if name in layer:
            return rank
    raise AssertionError(f"{name!r} is in no layer: add it to the layer list and to docs/ARCHITECTURE.md")


@pytest.mark.parametrize("package", sorted(OURS))
def test_import_direction(package):
    bad = {m: sorted({i.split(".")[0] for i in _imports(m)} - ALLOWED[package])
           for m in _modules() if m.split(".")[0] == package and {i.split(".")[0] for i in _imports(m)} - ALLOWED[package]}
    assert bad == {}, f"{package} imports against the design: {bad}"


def test_every_catalog_room_is_in_a_layer():
    rooms = {_room(m) for m in _modules() if _room(m)}
    assert rooms == set().union(*CATALOG_LAYERS), "CATALOG_LAYERS and catalog/ disagree"


def test_catalog_rooms_import_downwards_only():
    bad = []
    for module in _modules():
        here = _room(module)
        if here is None:
            continue
        for target in _imports(module):
            there = _room(target)
            if there is None or there == here:
                continue
            if there == "app" or _rank(CATALOG_LAYERS, there) <= _rank(CATALOG_LAYERS, here):
                bad.append(f"{module} -> {target}")
    assert bad == [], "imports against the catalog's layers (docs/ARCHITECTURE.md):\n" + "\n".join(sorted(bad))


def test_nothing_imports_the_app():
    """The app is the top: only the process entry point that serves it (``opendata serve``) imports it."""
    importers = [m for m in _modules() if "catalog.app" in _imports(m)]
    assert importers == ["pipelines.cli"]


def _face(room: str) -> set[str]:
    """What ``catalog/<room>/__init__.py`` lists in ``__all__``."""
    path = ROOT / "catalog" / room / "__init__.py"
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


def test_a_rooms_modules_are_private_to_it():
    bad = []
    for module in _modules():
        for target in _imports(module):
            there = _room(target)
            parts = target.split(".")
            if there is None or len(parts) < 3 or _room(module) == there:
                continue
            if not (ROOT / "catalog" / there / "__init__.py").exists():
                continue  # a seam module (catalog/app.py ...), not a room
            if parts[2] not in _face(there):
                bad.append(f"{module} -> {target} (not in catalog.{there}.__all__)")
    assert bad == [], "imports of a room's private modules:\n" + "\n".join(sorted(bad))


def test_quality_modules_import_downwards_only():
    bad = []
    for module in (m for m in _modules() if m.split(".")[0] == "quality"):
        here = module.partition(".")[2]
        for target in _imports(module):
            there = target.partition(".")[2]
            if _rank(QUALITY_LAYERS, there) <= _rank(QUALITY_LAYERS, here):
                bad.append(f"{module} -> {target}")
    assert bad == [], "imports against quality's layers (docs/ARCHITECTURE.md):\n" + "\n".join(sorted(bad))


def _cycles(modules: list[str]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each a cycle to break."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(_imports(node) & set(modules)):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


@pytest.mark.parametrize("package", sorted(OURS))
def test_no_import_cycles(package):
    assert _cycles([m for m in _modules() if m.split(".")[0] == package]) == []


def test_the_cycle_finder_finds_cycles(monkeypatch):
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    monkeypatch.setattr(sys.modules[__name__], "_imports", lambda m: frozenset(graph[m]))
    assert _cycles(list(graph)) == [["a", "b", "c"]]


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
