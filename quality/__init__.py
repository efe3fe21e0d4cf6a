"""quality: 自治体標準オープンデータセット standards, Japanese data rules run by Great Expectations, typed findings.

Imports nothing from ``pipelines`` or ``catalog``. ``validate_table`` is loaded on first use because it
imports Great Expectations (seconds); reading standards or reports stays cheap.
"""
from quality.findings import Finding, QualityReport
from quality.license import check_license
from quality.headers import map_headers, match_standard
from quality.standards import Column, Standard, header_key, list_standards, load_standard

__all__ = ["Column", "Finding", "QualityReport", "Standard", "check_license", "header_key", "list_standards",
           "load_standard", "map_headers", "match_standard", "validate_table"]


def __getattr__(name: str):
    if name == "validate_table":
        from quality.validate import validate_table
        return validate_table
    raise AttributeError(f"module 'quality' has no attribute {name!r}")
