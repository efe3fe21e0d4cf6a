"""緯度/経度 checks after parsing (``numbers.to_number``; GIF DS-444: decimal degrees).

Real files put ``"34.34092056,134.04522972"`` in one cell (Takamatsu; split by ``numbers.to_number(part=…)``),
write longitude first (Taitō), or use ``0`` as a placeholder (Takamatsu cultural properties).
``fix_coordinates`` swaps a row whose latitude is outside ±90 while its longitude is inside (in Japan
lat 20–46, lon 122–154, so a swap is unambiguous), and turns 0 into null — both reported.
"""
from __future__ import annotations

import polars as pl

from pipelines.normalize.findings import FindingLog

ROW = "_row"


def fix_coordinates(df: pl.DataFrame, names: tuple[str | None, str | None], log: FindingLog) -> pl.DataFrame:
    """Swap exchanged lat/lon and null out 0 placeholders in ``df[names]``, logging both."""
    lat, lon = names
    if lat and lon:
        swapped = (pl.col(lat).abs() > 90) & (pl.col(lon).abs() <= 90)
        hits = df.filter(swapped)
        if hits.height:
            log.add("swapped-lat-lon", f"{lat},{lon}", hits[ROW].head(50).to_list(),
                    [f"{a},{b}" for a, b in hits.select(lat, lon).head(5).iter_rows()], count=hits.height)
            df = df.with_columns(pl.when(swapped).then(pl.col(lon)).otherwise(pl.col(lat)).alias(lat),
                                 pl.when(swapped).then(pl.col(lat)).otherwise(pl.col(lon)).alias(lon))
    for name in (n for n in names if n):
        zero = pl.col(name) == 0
        hits = df.filter(zero)
        if hits.height:
            log.add("zero-coordinate", name, hits[ROW].head(50).to_list(), ["0"], count=hits.height)
            df = df.with_columns(pl.when(~zero).then(pl.col(name)).alias(name))
    return df
