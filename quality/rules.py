"""The rule catalogue (finding types) and the suite builder: standard + overrides + table columns → GX expectations.

Every expectation carries its finding in ``meta`` (type, severity, family, ja/en message), so a validation
result maps back to a ``Finding`` without a side table, and Data Docs show the same words as our reports.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import great_expectations.expectations as gxe
import yaml

from quality import expectations as jx
from quality.catalogue import FINDING_TYPES, message
from quality.personal import MYNUMBER_COLUMN
from quality.standards import Column, Standard, header_key, list_standards, load_standard

JAPAN = {"latitude": (20.0, 46.0), "longitude": (122.0, 154.0)}
# Column names that announce a person (the standard marks its own; these catch the rest).
PERSONAL_COLUMN = re.compile(r"代表者|設置者|営業者|開設者|所有者|管理者|氏名|representative|establisher|owner|person",
                             re.IGNORECASE)
# Column types whose values are never free text (no My Number / e-mail scan needed).
NOT_TEXT = {"lg_code", "latitude", "longitude", "phone", "corporate_number", "date", "time", "integer", "number",
            "postal_code", "url"}


BBOX_PAD = 0.01   # degrees (~1 km) on top of the hand-made boxes: a border point must never be flagged wrongly


@cache
def tokyo_bbox() -> dict[str, tuple[float, float, float, float]]:
    """Publisher code → (lat_min, lat_max, lon_min, lon_max), padded."""
    raw = yaml.safe_load((Path(__file__).parent / "data" / "tokyo_bbox.yaml").read_text("utf-8"))
    p, (la0, la1), (lo0, lo1) = BBOX_PAD, JAPAN["latitude"], JAPAN["longitude"]
    return {str(k): (round(max(a - p, la0), 4), round(min(b + p, la1), 4), round(max(c - p, lo0), 4),
                     round(min(d + p, lo1), 4)) for k, (a, b, c, d) in raw.items()}


@cache
def _inferred_columns() -> dict[str, Column]:
    """header_key → a Column spec taken from any standard (first wins), for tables without a standard."""
    index: dict[str, Column] = {}
    for slug in list_standards():
        for col in load_standard(slug).columns:
            for name in [col.name, *col.aliases]:
                index.setdefault(header_key(name), col)
    return index


def column_spec(name: str, standard: Standard | None) -> tuple[Column, bool]:
    """The column's spec and whether it is the standard's own (False = inferred from its name only)."""
    own = standard.column(name) if standard else None
    if own is not None:
        return own, True
    found = _inferred_columns().get(header_key(name))
    spec = found.model_copy(update={"name": name}) if found else Column(name=name)
    if PERSONAL_COLUMN.search(name) and not spec.personal:
        spec = spec.model_copy(update={"personal": True})
    return spec, False


# Suite building

class _Builder:
    """Collects expectations; each one is tagged with the finding it produces (severity after overrides)."""

    def __init__(self, overrides: dict | None):
        overrides = overrides or {}
        self.disabled = set(overrides.get("disable") or ())
        self.warn = set(overrides.get("warn") or ())
        self.expectations: list = []

    def add(self, cls, ftype: str, column: str, extra: str = "", **kwargs) -> None:
        if ftype in self.disabled:
            return
        severity, family, _, _ = FINDING_TYPES[ftype]
        if ftype in self.warn:
            severity = "warning"
        ja, en = message(ftype, column, extra)
        meta = {"finding": ftype, "severity": severity, "family": family, "message_ja": ja, "message_en": en,
                "finding_column": column}
        self.expectations.append(cls(column=column, meta=meta, description=f"{ja} / {en}", **kwargs))


@dataclass(frozen=True)
class TableProfile:
    """What the table holds, so the suite skips expectations that cannot fail.

    GX spends ~25 ms of fixed overhead per expectation whatever the row count, and standard tables are wide
    and sparse: an all-empty column can fail no value rule, a column without '@' holds no e-mail and one
    without a 4-digit run holds no My Number.
    """
    columns: tuple[str, ...]
    text: frozenset[str] = frozenset()
    empty: frozenset[str] = frozenset()
    with_at: frozenset[str] = frozenset()
    with_digits: frozenset[str] = frozenset()

    @classmethod
    def of(cls, columns: list[str]) -> "TableProfile":
        """A profile that assumes every column is non-empty text that may hold anything (used for docs/bench)."""
        every = frozenset(columns)
        return cls(tuple(columns), every, frozenset(), every, every)


def build_expectations(profile: TableProfile, standard: Standard | None, *, publisher_code: str | None = None,
                       overrides: dict | None = None) -> list:
    """All expectations for a table (standard column names) described by ``profile``."""
    b = _Builder(overrides)
    _structure(b, list(profile.columns), standard, overrides or {})
    for name in profile.columns:
        if name in profile.empty:
            continue
        spec, own = column_spec(name, standard)
        _codes(b, spec, publisher_code)
        _geo(b, spec, publisher_code)
        if own:              # columns outside the standard get only code, geo and personal-data rules
            _formats(b, spec)
        _personal(b, spec, profile)
    return b.expectations


def required_columns(standard: Standard | None, overrides: dict | None) -> list[str]:
    req = list(standard.required) if standard else []
    return req + [c for c in (overrides or {}).get("required") or () if c not in req]


def _structure(b: _Builder, columns: list[str], standard: Standard | None, overrides: dict) -> None:
    for name in required_columns(standard, overrides):
        if name not in columns:
            b.add(gxe.ExpectColumnToExist, "missing-required-column", name)
            continue
        spec = standard.column(name) if standard else None
        if not (spec and spec.vocabulary and "" in spec.vocabulary):   # "1 or blank" flags may be empty
            b.add(gxe.ExpectColumnValuesToNotBeNull, "missing-required-value", name)
    if standard and standard.id_column and standard.id_column in columns:
        b.add(gxe.ExpectColumnValuesToBeUnique, "duplicate-id", standard.id_column)


def _codes(b: _Builder, spec: Column, publisher_code: str | None) -> None:
    if spec.type == "corporate_number":
        b.add(jx.ExpectColumnValuesToBeValidCorporateNumber, "invalid-corporate-number", spec.name)
    if spec.type != "lg_code":
        return
    b.add(jx.ExpectColumnValuesToBeValidLgCode, "invalid-lg-code", spec.name)
    b.add(jx.ExpectColumnValuesToHaveLgCheckDigit, "lg-code-without-check-digit", spec.name)
    if publisher_code:
        ftype = "location-outside-publisher-area" if spec.name.startswith("所在地") else "lg-code-not-publisher"
        b.add(jx.ExpectColumnValuesToBeInPublisherArea, ftype, spec.name, publisher_code,
              publisher_code=publisher_code)


def _geo(b: _Builder, spec: Column, publisher_code: str | None) -> None:
    if spec.type not in JAPAN:
        return
    lo, hi = JAPAN[spec.type]
    b.add(jx.ExpectColumnValuesToBeNumericCoordinate, "invalid-coordinate", spec.name)
    b.add(jx.ExpectColumnValuesToBeNonZeroCoordinate, "coordinate-zero", spec.name)
    b.add(jx.ExpectColumnValuesToBeCoordinateBetween, "coordinate-outside-japan", spec.name, f"{lo}–{hi}",
          min_value=lo, max_value=hi)
    box = tokyo_bbox().get(publisher_code or "")
    if box:
        axis = "lat" if spec.type == "latitude" else "lon"
        bmin, bmax = box[:2] if axis == "lat" else box[2:]
        b.add(jx.ExpectColumnValuesToBeInsideMunicipalityBox, "coordinate-outside-municipality", spec.name,
              f"{bmin}–{bmax}", min_value=bmin, max_value=bmax, axis=axis)


_FORMAT = {
    "phone": (jx.ExpectColumnValuesToBeGifPhoneNumber, "invalid-phone"),
    "postal_code": (jx.ExpectColumnValuesToBePostalCode, "invalid-postal-code"),
    "date": (jx.ExpectColumnValuesToBeIsoDate, "invalid-date"),
    "time": (jx.ExpectColumnValuesToBeHhmmTime, "invalid-time"),
    "url": (jx.ExpectColumnValuesToBeHttpUrl, "invalid-url"),
    "email": (jx.ExpectColumnValuesToBeEmailAddress, "invalid-email"),
}


def _formats(b: _Builder, spec: Column) -> None:
    if spec.type in _FORMAT:
        cls, ftype = _FORMAT[spec.type]
        b.add(cls, ftype, spec.name)
    if spec.type in ("integer", "number"):
        b.add(jx.ExpectColumnValuesToBeHalfwidthNumber, "invalid-number", spec.name, integer=spec.type == "integer")
    if spec.kana:
        b.add(jx.ExpectColumnValuesToBeFullwidthKatakana, "not-katakana", spec.name)
    if spec.vocabulary:
        values = [v for v in spec.vocabulary if v != ""]
        b.add(gxe.ExpectColumnValuesToBeInSet, "not-in-vocabulary", spec.name, "/".join(values), value_set=values)


def _personal(b: _Builder, spec: Column, profile: TableProfile) -> None:
    context = bool(MYNUMBER_COLUMN.search(spec.name))
    free_text = spec.name in profile.text and spec.type not in NOT_TEXT
    if context or (free_text and spec.name in profile.with_digits):
        b.add(jx.ExpectColumnValuesToNotContainMyNumber, "personal-my-number", spec.name, context=context)
    if free_text and spec.name in profile.with_at:
        b.add(jx.ExpectColumnValuesToNotContainPersonalEmail, "personal-email", spec.name)
    if spec.personal:
        b.add(jx.ExpectColumnValuesToNotBePersonName, "personal-name", spec.name)
