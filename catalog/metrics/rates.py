"""Publication rates (公開率): which expected datasets each publisher actually publishes, and how well.

``compute_publication_rates`` is pure — package dicts + targets + publishers + a date in, plain row dicts out — so
the same code measures our catalog and any remote CKAN.  Matching is exact by design (never fuzzy titles):
organization name == publisher id, and extras ``standard`` == key (standard targets) or key in ``fulfils`` (needs).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from .measures import MEASURES, extras, is_published, organization_name, package_measures

ADOPTION = "adoption"                      # the national 取組率: municipalities with any public dataset
MUNICIPAL_TYPES = ("区", "市", "町", "村")
PUBLISHER_TYPES_EN = {"都": "Metropolitan government", "局": "Bureaus", "区": "Special wards", "市": "Cities",
                      "町": "Towns", "村": "Villages"}  # the publisher types (type rows' scope_id), in English
ALL_MEASURES = MEASURES + (ADOPTION,)
SCOPES = ("overall", "type", "category", "publisher")
# Optional rows (``compute_publication_rates(..., breakdown=True)``): one per publisher × category, scope_id
# ``<publisher>:<category>``, so any AND of publisher type, category and publisher sums exactly (dashboard).
BREAKDOWN = "publisher_category"
UNCATEGORIZED = "uncategorized"
# Tokyo catalog groups (jp_standards.md §1f): the category rows need names, and targets carry only ids.
CATEGORY_NAMES = {
    "c001": "防災・災害計画", "c002": "治安", "c003": "まちづくり", "c004": "人口減少・少子高齢化",
    "c005": "医療・福祉", "c006": "生活", "c007": "税金", "c008": "観光", "c009": "オリンピック・パラリンピック",
    "c010": "芸術文化", "c011": "産業雇用創出", "c012": "環境", "c013": "交通情報", "c014": "その他",
    UNCATEGORIZED: "未分類",
}
# ... in English (datasets/publishers.yaml carries the same; catalog/ may not read it)
CATEGORY_NAMES_EN = {
    "c001": "Disaster prevention and planning", "c002": "Public safety", "c003": "Urban development",
    "c004": "Population decline, low birth rate and ageing", "c005": "Health and welfare", "c006": "Daily life",
    "c007": "Taxes", "c008": "Tourism", "c009": "Olympic and Paralympic Games", "c010": "Arts and culture",
    "c011": "Industry and job creation", "c012": "Environment", "c013": "Transport", "c014": "Other",
    UNCATEGORIZED: "Uncategorized",
}


@dataclass
class _Tally:
    numerator: int = 0
    denominator: int = 0
    weighted_numerator: float = 0.0
    weighted_denominator: float = 0.0
    missing: list[dict] = field(default_factory=list)

    def add(self, met: bool, weight: float, miss: dict) -> None:
        self.denominator += 1
        self.weighted_denominator += weight
        if met:
            self.numerator += 1
            self.weighted_numerator += weight
        else:
            self.missing.append(miss)


def _index_packages(packages: list[dict], as_of: date) -> tuple[dict, set[str]]:
    """{(publisher, kind, key): measures met by any matching package} and the publishers with a public dataset.

    A target counts a measure as met when ANY of its packages meets it (a CSV copy next to a stale PDF still
    makes it machine readable), so the union of the packages' measure sets is the target's result.
    """
    met: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    active_publishers: set[str] = set()
    for pkg in packages:
        org = organization_name(pkg)
        if org is None:
            continue
        if is_published(pkg):
            active_publishers.add(org)
        ext, measures = extras(pkg), package_measures(pkg, as_of)
        if ext.get("standard"):
            met[(org, "standard", ext["standard"].strip())] |= measures
        for key in (ext.get("fulfils") or "").split(","):
            if key.strip():
                met[(org, "need", key.strip())] |= measures
    return met, active_publishers


def _scope_keys(publisher: dict, category: str | None, breakdown: bool = False) -> list[tuple[str, str]]:
    keys = [("overall", "all"), ("publisher", publisher["id"])]
    if publisher.get("type"):
        keys.append(("type", publisher["type"]))
    if category is not False:   # False = not a category-level measure (adoption)
        keys.append(("category", category or UNCATEGORIZED))
        if breakdown:
            keys.append((BREAKDOWN, f"{publisher['id']}:{category or UNCATEGORIZED}"))
    return keys


def _live_targets(targets: list[dict]) -> list[dict]:
    """Drop exempted rows (``exempt_reason`` set) and repeats of the same (publisher, kind, key)."""
    seen, out = set(), []
    for t in targets:
        ident = (t["publisher"], t.get("kind", "standard"), t["key"])
        if not t.get("exempt_reason") and ident not in seen:
            seen.add(ident)
            out.append(t)
    return out


def _tally_targets(tallies: dict, targets: list[dict], met: dict, pubs: dict[str, dict],
                   breakdown: bool = False) -> None:
    for t in _live_targets(targets):
        kind, weight = t.get("kind", "standard"), float(t.get("weight", 1.0))
        publisher = pubs.get(t["publisher"]) or {"id": t["publisher"]}
        got = met.get((t["publisher"], kind, t["key"]), set())
        miss = {"publisher": t["publisher"], "key": t["key"], "title": t.get("title") or t["key"]}
        for scope in _scope_keys(publisher, t.get("category"), breakdown):
            for measure in MEASURES:
                tally = tallies[scope][measure]    # created even when skipped: every scope has all five rows
                if measure != "conformant" or kind == "standard":   # a need has no standard to conform to
                    tally.add(measure in got, weight, miss)


def _tally_adoption(tallies: dict, publishers: list[dict], active: set[str]) -> None:
    for p in publishers:
        if p.get("type") not in MUNICIPAL_TYPES:
            continue
        miss = {"publisher": p["id"], "key": None, "title": p.get("name") or p["id"]}
        for scope in _scope_keys(p, False):
            tallies[scope][ADOPTION].add(p["id"] in active, 1.0, miss)


def _scope_name(scope: str, scope_id: str, pubs: dict[str, dict]) -> str:
    if scope == BREAKDOWN:
        scope_id = scope_id.split(":", 1)[0]
        scope = "publisher"
    if scope == "publisher":
        return (pubs.get(scope_id) or {}).get("name") or scope_id
    if scope == "category":
        return CATEGORY_NAMES.get(scope_id, scope_id)
    return "全体" if scope == "overall" else scope_id


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None    # None, not 0: "nothing expected" is not "nothing published"


def _row(scope: str, scope_id: str, measure: str, tally: _Tally, pubs: dict, as_of: date) -> dict:
    pid = scope_id.split(":", 1)[0] if scope == BREAKDOWN else scope_id
    ptype = (pubs.get(pid) or {}).get("type") if scope in ("publisher", BREAKDOWN) else (
        scope_id if scope == "type" else None)
    return {
        "as_of": as_of.isoformat(), "scope": scope, "scope_id": scope_id,
        "scope_name": _scope_name(scope, scope_id, pubs),
        "publisher_type": ptype, "measure": measure,
        "numerator": tally.numerator, "denominator": tally.denominator,
        "rate": _ratio(tally.numerator, tally.denominator),
        "weighted_numerator": tally.weighted_numerator, "weighted_denominator": tally.weighted_denominator,
        "weighted_rate": _ratio(tally.weighted_numerator, tally.weighted_denominator),
        "missing": sorted(tally.missing, key=lambda m: (m["publisher"], m["key"] or "")),
    }


def compute_publication_rates(packages: list[dict], targets: list[dict], publishers: list[dict],
                              as_of: date, *, breakdown: bool = False) -> list[dict]:
    """Rows of (scope, measure) counts and rates for the targets, judged on ``as_of``.

    Every publisher gets its five target measures (denominator 0 and rate None when nothing is expected of
    it) and, for municipalities, ``adoption``; rows come sorted by scope (overall, type, category,
    publisher), scope id and measure; ``breakdown=True`` appends the ``publisher_category`` rows (five target
    measures each, for the pairs some target has).  See docs in ``catalog/metrics/__init__.py`` for the row schema.
    """
    pubs = {p["id"]: p for p in publishers}
    met, active = _index_packages(packages, as_of)
    tallies: dict[tuple[str, str], dict[str, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    for p in publishers:                      # so a publisher with no targets still shows up (denominator 0)
        for scope in _scope_keys(p, False):
            for measure in MEASURES:
                tallies[scope][measure]
    _tally_targets(tallies, targets, met, pubs, breakdown)
    _tally_adoption(tallies, publishers, active)
    order = {s: i for i, s in enumerate(SCOPES + (BREAKDOWN,))}
    return [
        _row(scope, scope_id, measure, tallies[(scope, scope_id)][measure], pubs, as_of)
        for scope, scope_id in sorted(tallies, key=lambda k: (order[k[0]], k[1]))
        for measure in ALL_MEASURES if measure in tallies[(scope, scope_id)]
    ]
