"""Apply a ``Plan`` to batches of string columns: typed, standard-named columns plus findings.

Arrow first: untouched text columns pass through zero-copy, 半角 columns are folded on the bytes, numbers are
cast with a fix-up pass only for the values that fail the plain cast. Dates and times are parsed with polars
expressions on distinct values, cached across batches (a 1M-row date column holds a few ten thousand distinct
strings), and joined back. A value that does not convert becomes null and is logged with its source line
(``_row``) and original text — never guessed.
"""
from __future__ import annotations

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.normalize import coords, dates, mojibake, numbers, times
from pipelines.normalize.fold import fold_array
from pipelines.normalize.findings import FindingLog
from pipelines.normalize.plan import OutColumn, Plan
from quality.codes import lg_check_digits

ROW = "_row"
ARROW_TYPES = {"date": pa.date32(), "integer": pa.int64(), "number": pa.float64(), "latitude": pa.float64(),
               "longitude": pa.float64(), "datetime": pa.timestamp("us")}
FAILURE = {"date": "invalid-date", "time": "invalid-time", "integer": "invalid-integer", "number": "invalid-number",
           "datetime": "invalid-datetime", "latitude": "invalid-coordinate", "longitude": "invalid-coordinate"}
# flags read off the cached parse table: (finding type, which parsed values)
LOOKUP_FLAGS = {
    "date": ("era-overflow", pl.col("era_overflow")),
    "time": ("time-range-split", pl.col("time").is_null() & pl.col("start").is_not_null()),
    "time_end": ("invalid-time", pl.col("start").is_not_null() & pl.col("end").is_null()),   # 9:00～25:00
}
PARSERS = {"date": dates.parse_dates, "time": times.parse_times, "time_end": times.parse_times,
           "date_text": dates.plain_dates}
MAX_CACHE = 2_000_000          # distinct values remembered per column; beyond that, start over


def schema(plan: Plan) -> pa.Schema:
    fields = [pa.field(c.name, ARROW_TYPES.get(c.kind, pa.string())) for c in plan.columns]
    return pa.schema(fields + [pa.field(ROW, pa.int64())])


class Normalizer:
    """Callable over the batches of one table; keeps the parsed-value caches and the finding log."""

    def __init__(self, plan: Plan, log: FindingLog):
        self.plan, self.log, self.schema = plan, log, schema(plan)
        self._cache: dict[tuple[str, str], pl.DataFrame] = {}
        self._lg_mode: dict[str, str] = {}             # column → how its 5-digit codes are completed

    def __call__(self, table: pa.Table) -> pa.Table:
        rows = self._rows = table.column(ROW).combine_chunks()
        out = {}
        for c in self.plan.columns:
            if c.kind == "string":                      # passed through as is (zero-copy) unless garbled
                out[c.name] = self._unmojibake(c.name, table.column(c.source), rows)
                continue
            raw = table.column(c.source).combine_chunks()
            if c.kind in ("kana", "halfwidth"):
                raw = self._unmojibake(c.name, raw, rows)
            out[c.name] = self._convert(c, raw)
            if c.kind == "lg_code":
                out[c.name] = self._complete_lg_codes(c.name, out[c.name], raw, rows)
            self._log_failures(c, raw, out[c.name], rows)
        self._fix_coordinates(out, rows)
        arrays = [out[c.name] for c in self.plan.columns] + [rows]
        return pa.Table.from_arrays([a.cast(f.type) for a, f in zip(arrays, self.schema)], schema=self.schema)

    def _convert(self, c: OutColumn, raw: pa.Array) -> pa.Array:
        if c.kind == "date_text":
            return self._date_text(c, raw)
        if c.kind in PARSERS:
            return self._parsed(c, raw)
        if c.kind in ("code", "lg_code", "halfwidth"):
            return _strip(fold_array(raw, code=c.kind != "halfwidth"))
        if c.kind == "kana":
            return self._fullwidth_kana(c.name, raw)
        if c.kind in ("integer", "number", "latitude", "longitude"):
            return numbers.to_number(raw, "integer" if c.kind == "integer" else "number", c.part)
        if c.kind == "datetime":
            s = pl.Series(fold_array(raw)).str.strip_chars().str.replace_all("/", "-")
            return s.str.to_datetime(strict=False, time_unit="us").to_arrow()
        return raw                                       # pragma: no cover (strings never get here)

    def _unmojibake(self, name: str, arr, rows):
        """Garbled values repaired where certain (``mojibake-repaired``), the others reported (``mojibake``)."""
        fixed, broken = mojibake.find(arr)
        if (fixed or broken) and isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if broken:
            self._log("mojibake", name, arr, pc.is_in(arr, value_set=pa.array(broken, pa.string())), rows)
        if not fixed:
            return arr
        mask = pc.is_in(arr, value_set=pa.array(list(fixed), pa.string()))
        n = pc.sum(mask).as_py() or 0
        self.log.add("mojibake-repaired", name, _first(rows, mask), [f"{k} → {v}" for k, v in list(fixed.items())[:5]],
                     count=n)
        return mojibake.apply(arr, fixed)

    def _fullwidth_kana(self, name: str, raw: pa.Array) -> pa.Array:
        """A 全角カナ column: values with half-width kana (and the ASCII around them: ``ｺﾏｴ(ﾀﾞｲ1)``) become
        full-width by NFKC + ASCII→全角; logged with the cell as published and as repaired."""
        hit = pc.match_substring_regex(raw, "[\uff61-\uff9f]").fill_null(False)
        if not pc.any(hit).as_py():
            return raw
        before = pc.filter(raw, hit)
        after = pl.Series(pc.utf8_normalize(before, "NFKC")).str.replace_many(
            {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)} | {" ": "\u3000"}).to_arrow().cast(pa.string())
        pairs = pc.unique(pc.binary_join_element_wise(before, after, " → ")).slice(0, 5).to_pylist()
        self.log.add("halfwidth-kana-repaired", name, _first(self._rows, hit), pairs, count=pc.sum(hit).as_py())
        return pc.replace_with_mask(raw, hit, after)

    def _date_text(self, c: OutColumn, raw: pa.Array) -> pa.Array:
        """A column the standard does not type, whose values are dates: ISO text where a value is a date, the
        value as published where it is not (never nulled); both reported."""
        parsed = self._parsed(c, raw)
        iso = pc.strftime(parsed, format="%Y-%m-%d")
        converted = pc.and_(pc.is_valid(parsed), pc.not_equal(iso, raw).fill_null(True))
        if pc.any(converted).as_py():
            pairs = pc.unique(pc.binary_join_element_wise(pc.filter(raw, converted), pc.filter(iso, converted), " → "))
            self.log.add("dates-normalised", c.name, _first(self._rows, converted), pairs.slice(0, 5).to_pylist(),
                         count=pc.sum(converted).as_py())
        left = pc.and_(pc.is_valid(raw), pc.is_null(parsed))
        if pc.any(left).as_py():
            self._log("dates-not-normalised", c.name, raw, left, self._rows)
        return pc.coalesce(iso, raw)

    def _parsed(self, c: OutColumn, raw: pa.Array) -> pa.Array:
        """Date/time via the cached table of parsed distinct values, joined back in row order."""
        key = (c.source, "date" if c.kind in ("date", "date_text") else "time")
        values = pl.Series("raw", raw).to_frame()
        known = self._cache.get(key)
        if known is None:
            known = self._cache[key] = PARSERS[c.kind](pl.Series("raw", [], pl.String)).with_columns(_seen=True)
        joined = values.join(known, on="raw", how="left", maintain_order="left")
        new = joined.filter(pl.col("_seen").is_null() & pl.col("raw").is_not_null())["raw"].unique()
        if new.len():                                 # values not seen in earlier batches: parse, remember, fill in
            parsed = PARSERS[c.kind](new).with_columns(_seen=True)
            self._cache[key] = parsed if known.height > MAX_CACHE else pl.concat([known, parsed])
            fresh = values.join(parsed, on="raw", how="left", maintain_order="left")   # small build side
            joined = joined.select(pl.coalesce(pl.col(n), fresh[n]).alias(n) for n in joined.columns)
        if c.kind == "time":       # a range in a start column gives its start; the end feeds the paired column
            return joined.select(pl.coalesce("time", "start")).to_series().to_arrow()
        return joined["end" if c.kind == "time_end" else "date"].to_arrow()

    def _log_failures(self, c: OutColumn, raw: pa.Array, out: pa.Array, rows) -> None:
        if c.kind in FAILURE:
            bad = pc.and_(pc.is_valid(raw), pc.is_null(out))
            self._log(FAILURE[c.kind], c.name, raw, bad, rows)
        if c.kind in LOOKUP_FLAGS:
            kind, flagged = LOOKUP_FLAGS[c.kind]
            table = self._cache[(c.source, "date" if c.kind == "date" else "time")].filter(flagged)
            if table.height:
                self._log(kind, c.name, raw, pc.is_in(raw, value_set=table["raw"].to_arrow().cast(pa.string())), rows)

    def _complete_lg_codes(self, name: str, codes: pa.Array, raw: pa.Array, rows) -> pa.Array:
        """5-digit 全国地方公共団体コード → 6 digits, logged as ``lg-code-repaired``.

        Two causes, told apart per column (decided on the first batch that has any): the code was written
        without its check digit (13108 → 131083: append it), or a spreadsheet dropped the leading 0 of a
        prefecture 01–09 code (11002 → 011002). The second is chosen only when every 5-digit value, read with a
        leading 0, carries a valid check digit and there are at least three distinct ones; by chance that happens
        one time in ten per value.
        """
        five = pc.match_substring_regex(codes, r"^[0-9]{5}$").fill_null(False)
        if not pc.any(five).as_py():
            return codes
        fives = pc.filter(codes, five).to_pandas()
        if name not in self._lg_mode:
            zero_first = lg_check_digits("0" + fives.str[:4]) == fives.str[4].astype(int).to_numpy()
            self._lg_mode[name] = "zero" if zero_first.all() and fives.nunique() >= 3 else "check"
        fixed = ("0" + fives) if self._lg_mode[name] == "zero" else fives + lg_check_digits(fives).astype(str)
        self._log("lg-code-repaired", name, raw, five, rows)
        return pc.replace_with_mask(codes, five, pa.array(fixed.tolist(), pa.string()))

    def _log(self, kind: str, column: str, raw: pa.Array, mask: pa.Array, rows) -> None:
        n = pc.sum(mask).as_py() or 0
        if n:
            self.log.add(kind, column, _first(rows, mask), _examples(raw, mask), count=n)

    def _fix_coordinates(self, out: dict, rows) -> None:
        lat = next((c.name for c in self.plan.columns if c.kind == "latitude"), None)
        lon = next((c.name for c in self.plan.columns if c.kind == "longitude"), None)
        if not (lat or lon):
            return
        df = pl.DataFrame({ROW: pl.Series(rows),
                           **{n: pl.Series(out[n]).cast(pl.Float64) for n in (lat, lon) if n}})
        fixed = coords.fix_coordinates(df, (lat, lon), self.log)
        for n in (lat, lon):
            if n:
                out[n] = fixed[n].to_arrow()


def _strip(arr: pa.Array) -> pa.Array:
    """Trim whitespace (U+3000 is already a space after folding); an empty cell becomes null."""
    stripped = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(pc.binary_length(stripped), 0), pa.scalar(None, pa.string()), stripped)


def _first(rows, mask: pa.Array, n: int = 50) -> list[int]:
    return pc.filter(rows, mask).slice(0, n).to_pylist()


def _examples(raw: pa.Array, mask: pa.Array, n: int = 5) -> list[str]:
    return pc.unique(pc.filter(raw, mask).slice(0, 1000)).slice(0, n).to_pylist()


def normalize(table: pa.Table, plan: Plan, log: FindingLog) -> pa.Table:
    """One batch on its own (tests, small tables); streams use one ``Normalizer`` for all batches."""
    return Normalizer(plan, log)(table)
