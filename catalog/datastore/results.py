"""DuckDB rows -> the values and record formats CKAN's DataStore returns, and its ``_links``."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

SEARCH_PATH = "/api/3/action/datastore_search"
_PLAIN = ("VARCHAR", "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
          "UBIGINT", "HUGEINT", "UHUGEINT")


def _scalar(v: Any) -> Any:
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, (float, Decimal)):
        return float(v) if math.isfinite(v) else None  # numeric is a JSON number; NaN/Infinity are not JSON
    if isinstance(v, dt.datetime):
        return v.replace(microsecond=0).isoformat()  # CKAN formats timestamps to the second
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(v).hex()  # PostgreSQL's bytea text form
    if isinstance(v, (UUID, dt.timedelta)):
        return str(v)
    return str(v)


def _nested(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_nested(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _nested(x) for k, x in v.items()}
    return _scalar(v)


def _converters(duckdb_types: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    """Per column: how to turn a DuckDB Python value into JSON (None = it already is)."""
    out: list[Callable[[Any], Any] | None] = []
    for t in (t.upper() for t in duckdb_types):
        if t in _PLAIN:
            out.append(None)
        elif t.endswith("]") or t.startswith(("STRUCT", "MAP", "UNION")):
            out.append(_nested)
        else:
            out.append(_scalar)
    return out


def json_rows(rows: list[tuple], duckdb_types: Sequence[str]) -> list[list]:
    """Rows as lists of JSON values (numeric -> number, date -> ``"YYYY-MM-DD"``, timestamp to the second)."""
    conv = _converters(duckdb_types)
    if all(c is None for c in conv):
        return [list(r) for r in rows]
    return [[v if c is None or v is None else c(v) for c, v in zip(conv, r)] for r in rows]


def records(rows: list[list], names: Sequence[str], records_format: str) -> Any:
    """``objects`` (dicts), ``lists``, or ``csv``/``tsv``: one string, no header row, as PostgreSQL's COPY."""
    if records_format == "objects":
        return [dict(zip(names, r)) for r in rows]
    if records_format == "lists":
        return rows
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t" if records_format == "tsv" else ",", lineterminator="\n")
    writer.writerows([_copy_text(v) for v in r] for r in rows)
    return out.getvalue()


def _copy_text(v: Any) -> Any:
    if isinstance(v, bool):
        return "t" if v else "f"  # PostgreSQL's text form of booleans
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else v


def links(data_dict: dict, limit: int, offset: int) -> dict[str, str]:
    """``start``/``next``/``prev`` as CKAN builds them (``backend/postgres.py::_insert_links``).

    CKAN reads the request's query string; we rebuild it from the parameters in the order given, which is
    the same string for a GET and a more useful one for a POST (CKAN then drops the body's parameters).
    Like CKAN: ``next`` is always present, ``prev`` only when ``offset - limit > 0``.
    """
    args = {k: _arg(v) for k, v in data_dict.items() if v is not None and not k.startswith("__")}
    start = {k: v for k, v in args.items() if k != "offset"}
    nxt, prev = dict(args), dict(args)
    nxt["offset"] = str(offset + limit)
    prev["offset"] = str(offset - limit)
    out = {"start": f"{SEARCH_PATH}?{urlencode(start)}", "next": f"{SEARCH_PATH}?{urlencode(nxt)}"}
    if offset - limit > 0:
        out["prev"] = f"{SEARCH_PATH}?{urlencode(prev)}"
    return out


def _arg(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)  # fields / sort given as lists
    if isinstance(value, (dict, list)):
        return json.dumps(value)  # ASCII-escaped, as clients send JSON in a query string
    return str(value)
