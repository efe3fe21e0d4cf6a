"""Typed findings and the quality report (frictionless-style: checks emit error objects, reports hold them)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

# Finding families: one blocking Dagster asset check per family.
FAMILIES = ("structure", "codes", "geo", "format", "personal-data", "conversion", "license")


@dataclass(frozen=True)
class Finding:
    """One problem found in a table.

    ``rows`` are line numbers in the ORIGINAL source file (1-based, the physical line where the record
    starts), never DataFrame indexes. ``examples`` hold a few offending values, already masked when the
    finding is about personal data.
    """

    type: str                      # kebab-case, e.g. "missing-required-column", "invalid-lg-code"
    severity: Severity
    family: str                    # one of FAMILIES
    message_ja: str
    message_en: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    count: int = 0                 # number of offending cells/rows (rows may be truncated to the first N)
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["rows"] = list(self.rows)
        d["examples"] = list(self.examples)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Finding":
        return cls(**{**d, "rows": tuple(d.get("rows", ())), "examples": tuple(d.get("examples", ()))})


@dataclass
class QualityReport:
    """Verdict on one table version. A partial report (some check could not run) is never valid."""

    findings: list[Finding] = field(default_factory=list)
    partial: bool = False
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.partial and not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def by_family(self, family: str) -> list[Finding]:
        return [f for f in self.findings if f.family == family]

    def flatten(self, keys: list[str]) -> list[list[Any]]:
        """Rows of the requested finding attributes, e.g. ``flatten(["type", "column"])``."""
        return [[getattr(f, k) for k in keys] for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "partial": self.partial,
            "stats": self.stats,
            "error_count": sum(f.count or 1 for f in self.errors),
            "warning_count": sum(f.count or 1 for f in self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "QualityReport":
        return cls(findings=[Finding.from_dict(f) for f in d.get("findings", [])],
                   partial=d.get("partial", False), stats=d.get("stats", {}))
