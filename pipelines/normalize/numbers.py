"""Integers and numbers (counts, 緯度/経度) from text: a plain cast first, folding only for what fails it."""
from __future__ import annotations

import polars as pl
import pyarrow as pa

from pipelines.normalize.fold import fold_array

# "34.34092056,134.04522972" (Takamatsu) or "35.1、139.2" in one cell
PAIR = r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*[,、]\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$"


def to_number(raw: pa.Array, kind: str = "number", part: int | None = None) -> pa.Array:
    """Int64 (``kind="integer"``) or Float64; with ``part`` 0/1, one half of a pair cell. Values that fail the
    plain cast are folded (全角 digits, U+3000, thousands commas, °) and retried; the rest become null."""
    target = pl.Int64 if kind == "integer" else pl.Float64
    s = pl.Series(raw)
    if part is not None:
        s = pl.Series(fold_array(raw)).str.extract(PAIR, part + 1)
    out = s.cast(target, strict=False)
    retry = out.is_null() & s.is_not_null()
    if retry.any():
        idx = retry.arg_true()
        fixed = pl.Series(fold_array(s.gather(idx).to_arrow())).str.replace_all(r"[\s,°度]", "")
        if kind == "integer":
            fixed = fixed.str.replace(r"^([+-]?\d+)\.0*$", "$1")
        out = out.scatter(idx, fixed.cast(target, strict=False))
    return out.to_arrow()
