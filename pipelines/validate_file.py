"""``opendata validate FILE --standard NAME``: read, standardize and validate one file outside any declaration."""
from __future__ import annotations

import tempfile
from pathlib import Path

from pipelines.declarations import Dataset, FileSource, ReadOptions, Text
from quality.findings import QualityReport


def validate_file(path: Path, standard: str, *, encoding: str = "auto", publisher_code: str | None = None,
                  license_id: str | None = None) -> QualityReport:
    """Raises when the file cannot be read at all (the CLI turns that into exit code 2)."""
    from pipelines.ingest import build_table
    from quality import validate_table
    from quality.standards import load_standard

    path = Path(path).resolve()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file / ファイルがありません")
    std = load_standard(standard)
    ds = Dataset(id="adhoc-validate", publisher=f"t{publisher_code or '000000'}", title=Text(ja=path.name),
                 standard=standard, source=FileSource(kind="file", path=str(path)),
                 read=ReadOptions(encoding=encoding))
    with tempfile.TemporaryDirectory(prefix="opendata-validate-") as tmp:
        out = Path(tmp) / "table.parquet"
        res = build_table(path, ds, std, out, filename=path.name)
        import pyarrow.parquet as pq

        report = validate_table(pq.read_table(out), std, publisher_code=publisher_code,
                                extra_findings=res.findings)
    report.stats.setdefault("file", str(path))
    return report
