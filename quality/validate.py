"""validate_table: a standardized Arrow table → QualityReport (rules run by GX, results mapped to Findings)."""
from __future__ import annotations

import time
from typing import Any, Sequence

import pandas as pd
import pyarrow as pa
from pandas.api import types as ptypes

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
    df, assumed_rows = _frame(table, row_column)
    profile = _profile(df, row_column)
    columns = list(profile.columns)
    expectations = build_expectations(profile, standard, publisher_code=publisher_code, overrides=overrides)
    result = run_suite(df, expectations, standard.slug if standard else "no-standard", row_column)
    findings, partial, summary = _findings(result, row_column)
    required = required_columns(standard, overrides)
    stats = {
        "rows": len(df), "columns": len(columns), "standard": standard.slug if standard else None,
        "publisher_code": publisher_code, "conformant": bool(standard) and all(c in columns for c in required),
        "expectations": len(expectations), "seconds": round(time.perf_counter() - started, 3),
        "row_numbers": "assumed" if assumed_rows else "source", "gx": summary,
    }
    return QualityReport(findings=[*extra_findings, *findings], partial=partial, stats=stats)


def _frame(table: pa.Table, row_column: str) -> tuple[pd.DataFrame, bool]:
    """A pandas view for GX: blank strings count as missing, and every row carries its source line number."""
    df = table.to_pandas()
    for name in df.columns:
        col = df[name]
        if ptypes.is_string_dtype(col):
            df[name] = col.mask(col.str.strip() == "")
    assumed = row_column not in df.columns
    if assumed:       # no source line numbers: assume one header line, data from line 2
        df[row_column] = range(2, len(df) + 2)
    return df, assumed


def _profile(df: pd.DataFrame, row_column: str) -> TableProfile:
    columns = [c for c in df.columns if c != row_column]
    text = [c for c in columns if ptypes.is_string_dtype(df[c])]
    s = {c: df[c].astype("string") for c in text}
    return TableProfile(
        columns=tuple(columns), text=frozenset(text),
        empty=frozenset(c for c in columns if not df[c].notna().any()),
        with_at=frozenset(c for c in text if s[c].str.contains("@", regex=False).any()),
        with_digits=frozenset(c for c in text if s[c].str.contains(r"[0-9０-９]{4}", regex=True).any()))


def _findings(result, row_column: str) -> tuple[list[Finding], bool, list[dict[str, Any]]]:
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
            findings.append(_finding(meta, r.result or {}, row_column))
    return findings, partial, summary


def _exception(info: dict) -> str | None:
    """GX reports a failed metric either flat or keyed by metric id; either way the check did not run."""
    for entry in [info, *[v for v in info.values() if isinstance(v, dict)]]:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "exception")
    return None


def _finding(meta: dict, res: dict, row_column: str) -> Finding:
    ftype = meta["finding"]
    rows = tuple(int(i[row_column]) for i in res.get("partial_unexpected_index_list") or ())
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
