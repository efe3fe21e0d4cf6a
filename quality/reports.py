"""Quality reports on disk (atomic JSON) and a steward-readable text table (GX Data Docs: ``quality.data_docs``).

Data Docs are built from the reports' per-expectation summaries (counts, no values), so a personal value
that a check caught is never written to the docs site either.
"""
from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from pathlib import Path

from quality.findings import QualityReport

# Persistence

def save_report(report: QualityReport, path: str | os.PathLike) -> Path:
    """Write ``report.to_dict()`` as UTF-8 JSON via a temp file + rename (never half-written)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(report.to_dict(), ensure_ascii=False, indent=1, default=str).encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_report(path: str | os.PathLike) -> QualityReport:
    return QualityReport.from_dict(json.loads(Path(path).read_text("utf-8")))


# Text table (opendata validate)

HEADERS = ("line", "column", "severity", "type", "count", "message", "examples")


def render_table(report: QualityReport, max_lines: int = 8) -> str:
    """A fixed-width table of findings (East Asian wide characters counted as two columns)."""
    status = "valid" if report.valid else ("partial" if report.partial else "INVALID")
    stats = report.stats
    head = (f"{status}: {len(report.errors)} error finding(s), {len(report.warnings)} warning finding(s); "
            f"rows={stats.get('rows')} columns={stats.get('columns')} standard={stats.get('standard')} "
            f"conformant={stats.get('conformant')} expectations={stats.get('expectations')}")
    if not report.findings:
        return head + "\nno findings"
    rows = [HEADERS] + [_row(f, max_lines) for f in report.findings]
    widths = [max(_width(line) for r in rows for line in r[i].split("\n")) for i in range(len(HEADERS))]
    out = [head]
    for n, r in enumerate(rows):
        out.extend(_format_row(r, widths))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _row(f, max_lines: int) -> tuple[str, ...]:
    lines = ",".join(str(r) for r in f.rows[:max_lines])
    if f.count > max_lines and f.rows:
        lines += f" …(+{f.count - min(len(f.rows), max_lines)})"
    return (lines or "-", f.column or "-", f.severity, f.type, str(f.count),
            f"{f.message_ja}\n{f.message_en}", " | ".join(f.examples) or "-")


def _format_row(r: tuple[str, ...], widths: list[int]) -> list[str]:
    cells = [c.split("\n") for c in r]
    height = max(len(c) for c in cells)
    return ["  ".join(_pad(c[i] if i < len(c) else "", w) for c, w in zip(cells, widths)).rstrip()
            for i in range(height)]


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    return s + " " * (width - _width(s))


# GX Data Docs
