"""Publication-rate actions: read the snapshots written by the ``publication_metrics`` asset.

Only actions are public here: the registry turns every public function of this module into an action.
"""
from __future__ import annotations

from datetime import date

from catalog import metrics as _metrics
from catalog.context import Context
from catalog.errors import NotFound, ValidationError

_FILTERS = {"publisher": "publisher", "type": "publisher_type", "category": "category", "scope": "scope",
            "measure": "measure"}
_CHOICES = {"scope": _metrics.SCOPES + (_metrics.BREAKDOWN,), "measure": _metrics.ALL_MEASURES}


def _date(data_dict: dict, key: str, errors: dict) -> date | None:
    value = data_dict.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        errors[key] = ["Invalid date, expected YYYY-MM-DD"]
        return None


def _bool(value, default: bool) -> bool:
    if value in (None, ""):
        return default
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes", "on")


def _filters(data_dict: dict, errors: dict) -> dict:
    out = {}
    for param, kwarg in _FILTERS.items():
        value = data_dict.get(param)
        if value in (None, ""):
            continue
        if param in _CHOICES and value not in _CHOICES[param]:
            errors[param] = [f"Must be one of: {', '.join(_CHOICES[param])}"]
        out[kwarg] = str(value)
    return out


def publication_rate_show(context: Context, data_dict: dict) -> dict:
    """Publication rates (公開率) of the latest snapshot, of one day, or their history over a date range.

    Anyone may read it: rows name target keys and titles, never datasets, so private datasets stay unseen.

    :param publisher: a publisher id (``t131083``): that publisher's rows only
    :param type: a publisher type (都/局/区/市/町/村): the type's rollup and its publishers' rows
    :param category: a category id (``c001``…``c014``): that category's rows
    :param scope: ``overall`` | ``type`` | ``category`` | ``publisher``
    :param measure: ``published`` | ``conformant`` | ``valid`` | ``fresh`` | ``machine_readable`` | ``adoption``
    :param date: the day to show (default: the latest snapshot)
    :param date_from: with or without ``date_to``: return the history in that range, oldest first
    :param date_to: end of the history range (inclusive; default: the latest snapshot)
    :param include_missing: list the missing targets (default true for one day, false for a history)
    :param group_by: ``overall`` | ``type`` | ``category`` | ``publisher``: instead of the stored rows, sums of
        the ``publisher_category`` rows matching ``publisher``, ``type``, ``category`` and ``measure`` (all
        of them: AND), one row per group, day and measure (weighted columns None)
    :returns: ``{"as_of", "date_from", "date_to", "count", "results": [row, …]}`` — rows as described in
        ``catalog.metrics``; ``as_of`` is None for a history, and for a catalog without any snapshot yet
    """
    errors: dict[str, list[str]] = {}
    day, lo, hi = (_date(data_dict, k, errors) for k in ("date", "date_from", "date_to"))
    filters = _filters(data_dict, errors)
    group_by = data_dict.get("group_by") or None
    if group_by is not None and group_by not in _metrics.GROUPS:
        errors["group_by"] = [f"Must be one of: {', '.join(_metrics.GROUPS)}"]
    if errors:
        raise ValidationError(errors)
    history = lo is not None or hi is not None
    if history:
        day = None
    else:
        day = lo = hi = day or _metrics.latest_snapshot_date(context.home)
    include_missing = _bool(data_dict.get("include_missing"), default=not history)
    rows = []
    if group_by and (history or day is not None):
        filters.pop("scope", None)
        rows = _metrics.rollup(context.home, group_by, date_from=lo, date_to=hi, include_missing=include_missing,
                               **filters)
    elif history or day is not None:     # else there is no snapshot yet: an empty answer, not an error
        rows = _metrics.read_history(context.home, date_from=lo, date_to=hi, include_missing=include_missing,
                                     **filters)
    if data_dict.get("date") and not rows and not _metrics.has_snapshot(context.home, day):
        raise NotFound(f"No publication-rate snapshot for {day.isoformat()}")
    return {"as_of": day.isoformat() if day else None, "date_from": lo.isoformat() if lo else None,
            "date_to": hi.isoformat() if hi else None, "count": len(rows), "results": rows}
