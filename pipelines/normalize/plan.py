"""Which output column comes from which source column, and how its values are converted.

Header matching itself is ``quality.standards.map_headers`` (aliases via ``header_key`` + the dataset's
``columns:`` renames). This module adds what a file's shape needs on top: ``"lat,lon"`` in one cell split into
緯度/経度, a time range column feeding the paired 終了 column, and the output order — the standard's columns
(present ones, in the standard's order), then unmapped source columns, then ``_row``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.normalize import dates
from quality.headers import map_headers, nearest_sources
from quality.standards import Standard, header_key

LAT, LON = "緯度", "経度"
PAIR_HEADERS = {header_key(h) for h in ("location", "緯度経度", "緯度・経度", "位置情報", "座標", "latlon", "latlng",
                                         "lat,lon", "coordinates", "point")}
LAT_HEADERS = {header_key(h) for h in (LAT, "latitude", "lat", "y座標")}
LON_HEADERS = {header_key(h) for h in (LON, "longitude", "lon", "lng", "long", "x座標")}
PAIR_VALUE = re.compile(r"^\s*-?\d{1,3}\.\d+\s*[,、，]\s*-?\d{1,3}\.\d+\s*$")
RANGE_VALUE = re.compile(r"\d\s*[~～〜\-－]\s*\d")
KINDS = {"date": "date", "time": "time", "datetime": "datetime", "integer": "integer", "number": "number",
         "latitude": "latitude", "longitude": "longitude", "phone": "code", "postal_code": "code",
         "lg_code": "lg_code", "corporate_number": "code", "url": "halfwidth", "email": "halfwidth"}


@dataclass(frozen=True)
class OutColumn:
    name: str                      # output column name
    source: str                    # source column (cleaned header) the values come from
    kind: str                      # string | halfwidth | kana | code | lg_code | integer | number | date | time | time_end |
                                   # datetime | latitude | longitude
    part: int | None = None        # 0 / 1: first / second number of a "a,b" cell


@dataclass
class Plan:
    columns: list[OutColumn]
    mapping: dict[str, str]        # source column → standard column (or output name for renames)
    unmapped: list[str]            # source columns kept after the standard ones
    notes: list[tuple] = field(default_factory=list)   # (finding type, column[, rows, examples]) seen while planning


def kind_of(col) -> str:
    if col.type in KINDS:
        return KINDS[col.type]
    return "kana" if col.kana else "halfwidth" if col.halfwidth else "string"


def make_plan(names: list[str], standard: Standard | None, renames: dict[str, str] | None = None,
              sample: dict[str, list[str]] | None = None) -> Plan:
    """Plan the output columns of a table whose (cleaned, unique) source columns are ``names``."""
    renames, sample = dict(renames or {}), sample or {}
    pair_src = _pair_source(names, renames, standard, sample)
    renames = {k: v for k, v in renames.items() if k != pair_src}
    if standard is None:
        return _plan_plain(names, renames, pair_src, sample)
    mapping, unmapped = map_headers(names, standard, renames)
    unmapped = [n for n in unmapped if n != pair_src]
    by_target = {t: s for s, t in mapping.items()}
    cols = []
    for col in standard.columns:
        if col.name in by_target:
            cols.append(OutColumn(col.name, by_target[col.name], kind_of(col)))
        elif pair_src and col.name in (LAT, LON) and not {LAT, LON} & set(by_target):
            cols.append(OutColumn(col.name, pair_src, kind_of(col), 0 if col.name == LAT else 1))
        elif (start := _range_start(col.name, by_target, sample)) is not None:
            cols.append(OutColumn(col.name, start, "time_end"))
    if pair_src and any(c.source == pair_src for c in cols):
        mapping[pair_src] = f"{LAT},{LON}"
    elif pair_src:
        unmapped.append(pair_src)
    notes: list[tuple] = []
    extras = [OutColumn(n, n, text_kind(n, sample, notes)) for n in names if n in unmapped]
    plan = Plan(cols + extras, {s: mapping[s] for s in names if s in mapping}, [n for n in names if n in unmapped],
                notes)
    produced = {c.name for c in cols}
    for name in standard.required:
        if name not in produced:           # named with its nearest candidates, so the steward can declare it
            near = nearest_sources(name, plan.unmapped, standard)
            plan.notes.append(("unmapped-required-column", name, (), [f"{h} ({r:.2f})" for h, r in near]))
    return plan


def _plan_plain(names: list[str], renames: dict[str, str], pair_src: str | None,
                sample: dict[str, list[str]]) -> Plan:
    """No standard: source order and names (after renames); only coordinates are typed."""
    cols, mapping = [], {}
    for n in names:
        if n == pair_src:
            cols += [OutColumn(LAT, n, "latitude", 0), OutColumn(LON, n, "longitude", 1)]
            mapping[n] = f"{LAT},{LON}"
            continue
        out = renames.get(n) or next((v for k, v in renames.items() if header_key(k) == header_key(n)), n)
        key = header_key(out)
        kind = "latitude" if key in LAT_HEADERS else "longitude" if key in LON_HEADERS else "string"
        cols.append(OutColumn(out, n, kind))
        if out != n:
            mapping[n] = out
    notes: list[tuple] = []
    cols = [OutColumn(c.name, c.source, text_kind(c.source, sample, notes, c.name)) if c.kind == "string" else c
            for c in cols]
    return Plan(cols, mapping, [n for n in names if n not in mapping], notes)


def text_kind(source: str, sample: dict[str, list[str]], notes: list[tuple], name: str | None = None) -> str:
    """A column the standard does not type: ``date_text`` (ISO dates) when ≥ 95 % of its sample values are
    dates (和暦, R6.4.1, kanji numerals, US order, YYYY/M/D); between 50 and 95 % it stays text and the values
    that are not dates are reported."""
    share, unparsed = dates.date_share(sample.get(source, []))
    if share >= dates.DATE_SHARE:
        return "date_text"
    if share >= dates.NOTABLE_SHARE:
        notes.append(("dates-not-normalised", name or source, (), unparsed))
    return "string"


def _pair_source(names, renames, standard, sample) -> str | None:
    """The source column holding "lat,lon" in one cell: declared (``columns: {location: "緯度,経度"}``) or found."""
    for src, target in renames.items():
        if header_key(target) in (header_key(f"{LAT},{LON}"), header_key(f"{LAT}・{LON}")):
            return next((n for n in names if header_key(n) == header_key(src)), None)
    wanted = standard is None or (standard.column(LAT) and standard.column(LON))
    has_own = any(header_key(n) in LAT_HEADERS | LON_HEADERS for n in names)
    if not wanted or has_own:
        return None
    for n in names:
        values = [v for v in sample.get(n, []) if v not in (None, "")]
        if header_key(n) in PAIR_HEADERS or (values and sum(bool(PAIR_VALUE.match(v)) for v in values) >= 0.8 * len(values)):
            return n
    return None


def _range_start(name: str, by_target: dict[str, str], sample: dict[str, list[str]]) -> str | None:
    """For an unmapped 終了 time column: the mapped 開始 column whose sample values are ranges (7:30～18:30)."""
    if "終了" not in name:
        return None
    start = by_target.get(name.replace("終了", "開始"))
    if start and any(RANGE_VALUE.search(str(v)) for v in sample.get(start, []) if v):
        return start
    return None
