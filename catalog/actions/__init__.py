"""The action registry: every public function of the action modules, wrapped so its auth function always runs.

``get_action(name)`` returns ``fn(context, data_dict)``. The wrapper calls the auth function of the same name from
``catalog/auth/<same module>.py`` before the action (unless ``context.ignore_auth``) and raises NotAuthorized when
it fails — so an action cannot forget its access check (CKAN audits the same thing after the fact). An action
without an auth function is registered but refuses every caller except internal ones; a test lists them.

Modules are imported on first use, so action modules may ``from catalog.actions import get_action``.
"""
from __future__ import annotations

import functools
import importlib
import inspect
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog.context import Context
from catalog.errors import NotAuthorized
from catalog.store.params import require_scalars

MODULES = ("get", "create", "update", "patch", "delete", "datastore", "metrics", "activity")
# Outside get.py an action is GET-able if it says so or is named like a read (CKAN's side_effect_free).
_READ_NAME = re.compile(r".*_(show|list|search|search_sql|info)$")

Action = Callable[[Context, dict], Any]


@dataclass(frozen=True)
class Registered:
    name: str
    module: str
    function: Callable
    auth: Callable | None
    side_effect_free: bool


def side_effect_free(fn: Callable) -> Callable:
    """Mark an action (outside ``get.py``) as callable with HTTP GET."""
    fn.side_effect_free = True
    return fn


def get_action(name: str) -> Action:
    """The wrapped action; KeyError if there is no such action."""
    try:
        return _wrapped()[name]
    except KeyError:
        raise KeyError(f"Action name not known: {name}") from None


def action_names() -> list[str]:
    return sorted(_registry())


def registry() -> dict[str, Action]:
    """{name: wrapped action} of every registered action."""
    return dict(_wrapped())


def auth_function(name: str) -> Callable | None:
    return _registry()[name].auth


def auth_registry() -> dict[str, Callable]:
    """{name: auth function} of every auth function defined in ``catalog/auth/<module>.py``."""
    found: dict[str, Callable] = {}
    for module_name in MODULES:
        module = importlib.import_module(f"catalog.auth.{module_name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == module.__name__:
                found[name] = fn
    return found


def registered(name: str) -> Registered:
    return _registry()[name]


def check_access(name: str, context: Context, data_dict: dict) -> None:
    """Run the auth function of ``name``; raise NotAuthorized with CKAN's message when it fails."""
    entry = _registry()[name]
    if entry.auth is None:
        result = {"success": False, "msg": f"Action {name} has no auth function"}
    else:
        result = entry.auth(context, data_dict)
    if not result.get("success"):
        raise NotAuthorized(result.get("msg") or f"User {context.user_name} not authorized to call {name}")


def _wrap(entry: Registered) -> Action:
    @functools.wraps(entry.function)
    def action(context: Context, data_dict: dict | None = None) -> Any:
        data_dict = dict(data_dict or {})  # actions may pop keys without touching the caller's dict
        require_scalars(data_dict)  # {"id": [...]} is a 409, before any auth function looks the object up
        if not context.ignore_auth:
            check_access(entry.name, context, data_dict)
        if entry.side_effect_free:
            return entry.function(context, data_dict)
        try:
            return entry.function(context, data_dict)
        finally:                  # files it wrote (DataStore tables, uploads): answer caches must see them
            context.store.changed()

    return action


_lock = threading.Lock()


@functools.cache
def _registry() -> dict[str, Registered]:
    with _lock:
        found: dict[str, Registered] = {}
        for module_name in MODULES:
            module = importlib.import_module(f"catalog.actions.{module_name}")
            auth = importlib.import_module(f"catalog.auth.{module_name}")
            for name, fn in inspect.getmembers(module, inspect.isfunction):
                if name.startswith("_") or fn.__module__ != module.__name__ or fn is side_effect_free:
                    continue
                safe = module_name == "get" or getattr(fn, "side_effect_free", False) or bool(_READ_NAME.match(name))
                found[name] = Registered(name, module_name, fn, getattr(auth, name, None), safe)
        return found


@functools.cache
def _wrapped() -> dict[str, Action]:
    return {name: _wrap(entry) for name, entry in _registry().items()}
