"""The latest publication rates as CSV and as Prometheus text exposition format."""
from __future__ import annotations

import csv
import io
from datetime import datetime, time, timezone

from .query import COLUMNS, latest_snapshot_date, read_history

_PUBLISHER_LABELS = (("publisher", "scope_id"), ("publisher_name", "scope_name"),
                     ("publisher_type", "publisher_type"), ("measure", "measure"))
_ROLLUP_LABELS = (("scope", "scope"), ("scope_id", "scope_id"), ("scope_name", "scope_name"), ("measure", "measure"))
_VALUES = (
    ("rate", "Share of the targets meeting the measure (公開率); absent when nothing is expected"),
    ("numerator", "Targets meeting the measure"),
    ("denominator", "Targets the measure is judged on"),
    ("weighted_rate", "Need-weighted share of the targets meeting the measure"),
    ("weighted_numerator", "Summed need weight of the targets meeting the measure"),
    ("weighted_denominator", "Summed need weight of the targets the measure is judged on"),
)


def _missing_text(missing: list[dict] | None) -> str:
    return "; ".join(f"{m['publisher']}:{m['key']}" if m.get("key") else m["publisher"] for m in missing or [])


def rows_to_csv(rows: list[dict]) -> str:
    """Rows as CSV text, schema column order; ``missing`` as ``publisher:key; …`` (encode as utf-8-sig for Excel)."""
    columns = [c for c in COLUMNS if not rows or c in rows[0]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_missing_text(row[c]) if c == "missing" else ("" if row[c] is None else row[c])
                        for c in columns)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Prometheus


def escape_label(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _label_sets(rows: list[dict], labels: tuple) -> list[str]:
    """The ``{…}`` of each row, built once and shared by its six gauges."""
    return ["{" + ",".join(f'{label}="{escape_label(row[key])}"' for label, key in labels) + "}" for row in rows]


def _families(rows: list[dict], prefix: str, labels: tuple) -> list[str]:
    label_sets, lines = _label_sets(rows, labels), []
    for column, help_text in _VALUES:
        name = f"{prefix}_{column}"
        lines += [f"# HELP {name} {help_text}.", f"# TYPE {name} gauge"]
        # Prometheus has no null: a missing rate (nothing expected) is an absent series, not a 0
        lines += [f"{name}{ls} {row[column]!r}" for row, ls in zip(rows, label_sets) if row[column] is not None]
    return lines


def prometheus_text(context) -> str:
    """The latest snapshot as gauges: per publisher ``opendata_publication_*`` and per type/category/overall
    ``opendata_publication_rollup_*``, plus the snapshot's date as ``…_snapshot_timestamp_seconds``."""
    as_of = latest_snapshot_date(context.home)
    rows = read_history(context.home, date_from=as_of, date_to=as_of, include_missing=False) if as_of else []
    lines = ["# HELP opendata_publication_snapshot_timestamp_seconds Day of the latest publication-rate snapshot.",
             "# TYPE opendata_publication_snapshot_timestamp_seconds gauge"]
    if as_of:
        stamp = datetime.combine(as_of, time(), tzinfo=timezone.utc).timestamp()
        lines.append(f"opendata_publication_snapshot_timestamp_seconds {stamp!r}")
    lines += _families([r for r in rows if r["scope"] == "publisher"], "opendata_publication", _PUBLISHER_LABELS)
    lines += _families([r for r in rows if r["scope"] != "publisher"], "opendata_publication_rollup", _ROLLUP_LABELS)
    return "\n".join(lines) + "\n"
