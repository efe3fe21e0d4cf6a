"""CKAN's timestamp format: naive UTC ISO-8601 with microseconds and no ``Z``.

The harvester compares ``metadata_modified`` values as strings, so the format must be exact (always six digits).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).strftime(FORMAT)


def after(value: str) -> str:
    """The timestamp 1 µs after ``value``."""
    return (datetime.strptime(value, FORMAT) + timedelta(microseconds=1)).strftime(FORMAT)


def minutes_ago(minutes: int) -> str:
    return (datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=minutes)).strftime(FORMAT)


def solr(value: str | None) -> str | None:
    """How Solr-sourced fields (``fl=``) carry timestamps: with a ``Z``."""
    return f"{value}Z" if value else value


_DATE_MATH = re.compile(r"^NOW(?:/(DAY|HOUR|MINUTE))?((?:[+-]\d+(?:YEARS?|MONTHS?|DAYS?|HOURS?|MINUTES?|SECONDS?))*)$")
_STEP = re.compile(r"([+-]\d+)([A-Z]+?)S?(?=[+-]|$)")
_UNITS = {"YEAR": 365 * 86400, "MONTH": 30 * 86400, "DAY": 86400, "HOUR": 3600, "MINUTE": 60, "SECOND": 1}


def parse_query_value(text: str) -> str:
    """A Solr date term (``2024-01-01T00:00:00Z``, ``2024-05-01T10:20:30.123456Z``, ``NOW-1DAY``, ``2024-01-01``)
    in our storage format, so ranges compare as strings. Raises ValueError for anything else."""
    math = _DATE_MATH.match(text.upper())
    if math:
        moment = datetime.now(timezone.utc).replace(tzinfo=None)
        if math.group(1) == "DAY":
            moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for amount, unit in _STEP.findall(math.group(2) or ""):
            moment += timedelta(seconds=int(amount) * _UNITS[unit])
        return moment.strftime(FORMAT)
    parsed = datetime.fromisoformat(text.rstrip("Zz"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.strftime(FORMAT)
