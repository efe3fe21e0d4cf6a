"""Reading request parameters the way CKAN's validators do: query strings give strings, JSON gives real types.

Every number read here is bounded (``INT_MAX``, PostgreSQL's ``integer``, as CKAN's columns are): a value past it
is a 409 naming the field, never an overflow deep in SQLite or numpy.
"""
from __future__ import annotations

from typing import Any

from catalog.errors import ValidationError

_TRUE = {"true", "1", "yes", "on"}
INT_MAX = 2**31 - 1
# Keys that name one object: a list or an object there is a caller's mistake, never a query.
SCALAR_KEYS = ("id", "name", "name_or_id", "resource_id", "package_id", "sql", "owner_org", "user", "object", "group")


def as_bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def as_int(data: dict, key: str, default: int | None, errors: dict, *, natural: bool = True,
           maximum: int = INT_MAX) -> int | None:
    """``data[key]`` as an int, recording CKAN's messages in ``errors`` when it is not one or is out of range."""
    value = data.get(key)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: int(float("inf")), JSON's Infinity
        errors[key] = ["Invalid integer", "Please enter an integer value"]
        return default
    if natural and number < 0:
        errors[key] = ["Must be a natural number"]
    elif abs(number) > maximum:
        errors[key] = [f"Must be at most {maximum}"]
        return default
    return number


def flag(data_dict: dict, key: str, default: bool) -> bool:
    return as_bool(data_dict.get(key), default)


def limit_offset(data_dict: dict, default_limit: int | None) -> tuple[int | None, int]:
    """``limit`` and ``offset`` of a list action, or ValidationError naming each bad one."""
    errors: dict[str, list[str]] = {}
    limit = as_int(data_dict, "limit", default_limit, errors)
    offset = as_int(data_dict, "offset", 0, errors)
    if errors:
        raise ValidationError(errors)
    return limit, offset


def require_scalars(data_dict: dict, keys: tuple[str, ...] = SCALAR_KEYS) -> None:
    """ValidationError when a key that names one object holds a list or an object (``{"id": ["a", "b"]}``)."""
    errors = {key: ["Must be a string"] for key in keys if isinstance(data_dict.get(key), (list, dict))}
    if errors:
        raise ValidationError(errors)
