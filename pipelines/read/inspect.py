"""``opendata inspect FILE``: what the reader sees — encoding, dialect, header, '#' metadata, row count,
column types guessed from a sample, and the standards the headers fit best."""
from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl

from pipelines.declarations import ReadOptions
from pipelines.normalize import dates, times
from pipelines.normalize.findings import FindingLog
from pipelines.normalize.plan import LAT_HEADERS, LON_HEADERS, PAIR_VALUE, make_plan
from pipelines.read.archive import extract_member
from pipelines.read.csv import stream_csv
from pipelines.read.formats import detect_format
from pipelines.read.sniff import sniff_csv
from pipelines.read.table import csv_metadata, open_table
from quality.headers import AUTO, match_headers, match_standard
from quality.standards import header_key, load_standard


def inspect_file(path: Path, read: ReadOptions | None = None) -> dict:
    read = read or ReadOptions()
    fmt = detect_format(path, path.name, read.format)
    if fmt == "zip":
        with tempfile.TemporaryDirectory() as tmp:
            member, name = extract_member(path, None, Path(tmp))
            return {**inspect_file(member, read), "member": name, "archive": str(path)}
    if fmt == "csv":
        layout = sniff_csv(path, read)
        info = {**csv_metadata(layout), "rows": count_records(path, layout)}
        names, sample = layout.names, {n: [r[i] for r in layout.sample] for i, n in enumerate(layout.names)}
    else:
        opened = open_table(path, fmt, read, FindingLog())
        info = dict(opened.metadata)
        info["rows"] = sum(t.num_rows for t in opened.batches)
        names, sample = opened.names, opened.sample
    info["dialect"] = {"delimiter": info.pop("delimiter", None), "quote": '"' if fmt == "csv" else None,
                       "newline": info.pop("newline", None)}
    info["metadata"] = info.pop("comments", {})
    info["columns"] = [{"name": n, "type": infer_type(n, sample.get(n, [])),
                        "examples": [v for v in sample.get(n, []) if v][:3]} for n in names]
    info["standards"] = best_standards(names, sample)
    return {"path": str(path), "format": fmt, **info}


def count_records(path: Path, layout) -> int:
    """Data rows after the header as ingest counts them: blank, all-separator and notes rows left out."""
    return sum(t.num_rows for t in stream_csv(path, layout, FindingLog()))


def infer_type(name: str, values: list[str | None]) -> str:
    """The narrowest type every non-empty sample value converts to (names decide latitude/longitude)."""
    vals = pl.Series([v for v in values if v not in (None, "")], dtype=pl.String)
    if vals.is_empty():
        return "empty"
    key = header_key(name)
    if key in LAT_HEADERS:
        return "latitude"
    if key in LON_HEADERS:
        return "longitude"
    if all(PAIR_VALUE.match(v) for v in vals):
        return "lat,lon"
    if vals.str.contains(r"^[+-]?\d+$").all():
        return "integer"
    if vals.cast(pl.Float64, strict=False).null_count() == 0:
        return "number"
    if dates.parse_dates(vals)["date"].null_count() == 0:
        return "date"
    parsed = times.parse_times(vals)
    if parsed.select(pl.coalesce("time", "start")).to_series().null_count() == 0:
        return "time"
    return "string"


def best_standards(names: list[str], sample: dict[str, list[str]], top: int = 3) -> list[dict]:
    """The standards ``match_standard`` ranks best, each with the mapping ingest would use (incl. "緯度,経度"),
    every header's match and confidence, and the ``columns:`` override to paste for matches below ``AUTO``."""
    ranked = [(slug, score) for slug, score, _ in match_standard(names)[:top] if score > 0]
    out = []
    for slug, score in ranked:
        std = load_standard(slug)
        matches = match_headers(names, std)
        plan = make_plan(names, std, sample=sample)
        out.append({"slug": slug, "score": score, "mapping": plan.mapping,
                    "matches": [{"source": m.source, "column": m.column, "confidence": m.confidence, "how": m.how,
                                 "mapped": m.mapped} for m in matches],
                    "override": {m.source: m.column for m in matches
                                 if not m.mapped and m.column and m.how == "fuzzy" and m.column not in plan.mapping.values()},
                    "threshold": AUTO,
                    "unmapped_required": [n[1] for n in plan.notes if n[0] == "unmapped-required-column"]})
    return out
