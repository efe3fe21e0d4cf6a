"""validate_table: a standardized Arrow table → QualityReport (rules run by GX, results mapped to Findings)."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from quality.findings import Finding, QualityReport
from quality.gx_runtime import run_suite
from quality.personal import mask_digits, mask_email, mask_name
from quality.rules import TableProfile, build_expectations, message, required_columns
from quality.standards import Standard

MAX_EXAMPLES = 5
_MASKS = {"personal-my-number": mask_digits, "personal-email": mask_email, "personal-name": mask_name}


def validate_table(table: pa.Table, standard: Standard | None, *, publisher_code: str | None = None,
                   overrides: dict | None = None, extra_findings: Sequence[Finding] = (),
                   row_column: str = "_row") -> QualityReport:
    """Run the standard's suite (or the code/geo/personal checks alone) on ``table``; see docs/INTERFACES.md."""
    started = time.perf_counter()
    df, profile, assumed_rows = _frame(table, row_column)
    columns = list(profile.columns)
    expectations = build_expectations(profile, standard, publisher_code=publisher_code, overrides=overrides)
    result = run_suite(df, expectations, standard.slug if standard else "no-standard")
    findings, partial, summary = _findings(result)
    required = required_columns(standard, overrides)
    stats = {
        "rows": len(df), "columns": len(columns), "standard": standard.slug if standard else None,
        "publisher_code": publisher_code, "conformant": bool(standard) and all(c in columns for c in required),
        "expectations": len(expectations), "seconds": round(time.perf_counter() - started, 3),
        "row_numbers": "assumed" if assumed_rows else "source", "gx": summary,
    }
    return QualityReport(findings=[*extra_findings, *findings], partial=partial, stats=stats)


# On big tables a text column whose first rows are this repetitive becomes a pandas Categorical: each rule then
# checks every distinct value once, and GX's whole-frame row filters copy small integer codes instead of strings.
CATEGORICAL_RATIO = 0.2
CATEGORICAL_MIN_ROWS = 10_000
SAMPLE_ROWS = 20_000


@dataclass
class _Column:
    name: str
    data: pa.ChunkedArray
    text: bool = False
    nonnull: bool = False
    at: bool = False
    digits: bool = False


def _frame(table: pa.Table, row_column: str) -> tuple[pd.DataFrame, TableProfile, bool]:
    """The pandas frame GX validates, and what it holds.

    Blank strings count as missing; the index is the source line number of every row (GX reports failing
    rows by index). Columns are prepared in Arrow, two at a time (Arrow kernels release the GIL).
    """
    n = table.num_rows
    assumed = row_column not in table.column_names
    rows = (np.arange(2, n + 2) if assumed         # no source line numbers: one header line, data from line 2
            else table.column(row_column).to_numpy())
    data = table if assumed else table.drop_columns([row_column])
    with ThreadPoolExecutor(2) as pool:
        cols = list(pool.map(_prepare, data.column_names, data.columns))
    df = pa.table({c.name: c.data for c in cols}).to_pandas()
    df.index = pd.Index(rows)
    profile = TableProfile(
        columns=tuple(c.name for c in cols), text=frozenset(c.name for c in cols if c.text),
        empty=frozenset(c.name for c in cols if not c.nonnull),
        with_at=frozenset(c.name for c in cols if c.at), with_digits=frozenset(c.name for c in cols if c.digits))
    return df, profile, assumed


def _prepare(name: str, col: pa.ChunkedArray) -> _Column:
    """Blank → null, repetitive text → dictionary, and the profile flags (computed on distinct values if encoded)."""
    kind = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)):
        return _Column(name, col, nonnull=col.null_count < len(col))
    if pa.types.is_dictionary(col.type) or pa.types.is_string_view(col.type):
        col = col.cast(pa.string())
    if len(col) >= CATEGORICAL_MIN_ROWS:
        head = col.slice(0, SAMPLE_ROWS)
        if pc.count_distinct(head).as_py() <= CATEGORICAL_RATIO * len(head):
            return _encoded(name, pc.dictionary_encode(col).combine_chunks())
    blank = _blank(col)
    if blank is not None:
        col = pc.if_else(blank, pa.scalar(None, col.type), col)
    at = _bytes_in(col, "@".encode(), "＠".encode()) and _has(col, "[@＠]")
    return _Column(name, col, text=True, nonnull=col.null_count < len(col), at=at,
                   digits=_has(col, "[0-9０-９]{4}"))


def _blank(col: pa.ChunkedArray):
    """Mask of whitespace-only values, or None; only values that are empty or start with a space are trimmed."""
    first = pc.utf8_slice_codeunits(col, 0, 1)
    maybe = pc.or_(pc.equal(first, ""), pc.utf8_is_space(first))
    if not pc.any(maybe).as_py():
        return None
    blank = pc.and_(maybe, pc.equal(pc.utf8_trim_whitespace(pc.if_else(maybe, col, "")), ""))
    return blank if pc.any(blank).as_py() else None


def _bytes_in(col: pa.ChunkedArray, *needles: bytes) -> bool:
    """Whether any needle occurs in the column's character data (a memchr over the buffers: no per-value work)."""
    for chunk in col.chunks:
        data = chunk.buffers()[2] if chunk.type in (pa.string(), pa.large_string()) else None
        if data is None:
            return True                   # not a plain string layout: let the regex decide
        raw = data.to_pybytes()
        if any(n in raw for n in needles):
            return True
    return False


def _encoded(name: str, arr: pa.DictionaryArray) -> _Column:
    values, indices = arr.dictionary, arr.indices
    blank = pc.equal(pc.utf8_trim_whitespace(values), "")
    if pc.any(blank).as_py():
        indices = pc.if_else(pc.take(blank, indices), pa.scalar(None, indices.type), indices)
        arr = pa.DictionaryArray.from_arrays(indices, values)
        values = pc.filter(values, pc.invert(blank))
    nonnull = indices.null_count < len(indices)
    return _Column(name, pa.chunked_array([arr]), text=True, nonnull=nonnull,
                   at=nonnull and _has(values, "[@＠]"), digits=nonnull and _has(values, "[0-9０-９]{4}"))


def _has(values, pattern: str) -> bool:
    """Whether any value matches; the first rows usually answer it."""
    head = values.slice(0, SAMPLE_ROWS)
    return bool(pc.any(pc.match_substring_regex(head, pattern)).as_py()
                or (len(values) > SAMPLE_ROWS and pc.any(pc.match_substring_regex(values, pattern)).as_py()))


def _findings(result) -> tuple[list[Finding], bool, list[dict[str, Any]]]:
    findings, partial, summary = [], False, []
    for r in result.results:
        cfg = r.expectation_config
        meta = cfg.meta or {}
        error = _exception(r.exception_info or {})
        summary.append(_summary(r, error is not None))
        if error is not None:
            partial = True
            ja, en = message("check-not-run", meta.get("finding_column"), cfg.type)
            findings.append(Finding("check-not-run", "warning", "structure", ja, en, meta.get("finding_column"),
                                    count=1, examples=(error[:200],)))
        elif not r.success:
            findings.append(_finding(meta, r.result or {}))
    return findings, partial, summary


def _exception(info: dict) -> str | None:
    """GX reports a failed metric either flat or keyed by metric id; either way the check did not run."""
    for entry in [info, *[v for v in info.values() if isinstance(v, dict)]]:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "exception")
    return None


def _finding(meta: dict, res: dict) -> Finding:
    ftype = meta["finding"]
    rows = tuple(int(i) for i in res.get("partial_unexpected_index_list") or ())
    mask = _MASKS.get(ftype, str)
    examples: list[str] = []
    for value in res.get("partial_unexpected_list") or ():
        if value is None or (isinstance(value, float) and value != value):   # a missing value has no example
            continue
        shown = mask(value)
        if shown not in examples:
            examples.append(shown)
        if len(examples) == MAX_EXAMPLES:
            break
    return Finding(type=ftype, severity=meta["severity"], family=meta["family"], message_ja=meta["message_ja"],
                   message_en=meta["message_en"], column=meta.get("finding_column"), rows=rows,
                   count=int(res.get("unexpected_count") or 1), examples=tuple(examples))


def _summary(r, raised: bool) -> dict[str, Any]:
    """Per-expectation outcome without values (Data Docs are rebuilt from this; personal values never leave)."""
    cfg, res = r.expectation_config, r.result or {}
    kwargs = {k: v for k, v in cfg.kwargs.items() if k != "batch_id"}
    return {"expectation": cfg.type, "kwargs": kwargs, "meta": dict(cfg.meta or {}), "success": bool(r.success),
            "raised": raised, "element_count": res.get("element_count"),
            "unexpected_count": res.get("unexpected_count"), "missing_count": res.get("missing_count")}
