"""Reading request parameters the way CKAN's validators do: query strings give strings, JSON gives real types."""
from __future__ import annotations

from typing import Any

from catalog.errors import ValidationError

_TRUE = {"true", "1", "yes", "on"}


def as_bool(value: Any, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def as_int(data: dict, key: str, default: int | None, errors: dict, *, natural: bool = True) -> int | None:
    """``data[key]`` as an int, recording CKAN's messages in ``errors`` when it is not one."""
    value = data.get(key)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[key] = ["Invalid integer", "Please enter an integer value"]
        return default
    if natural and number < 0:
        errors[key] = ["Must be a natural number"]
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
