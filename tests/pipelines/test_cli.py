"""The ``opendata`` command line, run as a real subprocess (what a steward types)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipelines.conftest import GOOD_ROWS, HEADER

ROOT = Path(__file__).resolve().parents[2]


def opendata(*args: str, home: Path, check: bool = False, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {"OPENDATA_HOME": str(home),
                                                                          "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=check)


def test_validate_exit_codes(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "".join(GOOD_ROWS), "utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER.replace("名称,", "名前,") + "".join(GOOD_ROWS), "utf-8")

    ok = opendata("validate", str(good), "--standard", "public_toilet", home=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    invalid = opendata("validate", str(bad), "--standard", "public_toilet", "--format", "json", home=tmp_path)
    assert invalid.returncode == 1
    report = json.loads(invalid.stdout)
    assert report["valid"] is False
    assert ["missing-required-column", "名称"] in [[f["type"], f["column"]] for f in report["findings"]]
    text = opendata("validate", str(bad), "--standard", "public_toilet", home=tmp_path)
    assert "名称" in text.stdout and "missing-required-column" in text.stdout
    assert opendata("validate", str(good), "--standard", "no_such_standard", home=tmp_path).returncode == 2
    assert opendata("validate", str(tmp_path / "nope.csv"), "--standard", "aed", home=tmp_path).returncode == 2


def test_inspect_reports_encoding_header_and_best_standard(tmp_path):
    f = tmp_path / "toilets.csv"   # the common head fits AED too; a toilet-only column decides
    text = HEADER.replace("\n", ",車椅子使用者用トイレ有無,オストメイト設置トイレ有無\n")
    text += "".join(r.replace("\n", ",有,無\n") for r in GOOD_ROWS)
    f.write_bytes(text.encode("cp932"))
    res = opendata("inspect", str(f), "--format", "json", home=tmp_path, check=True)
    info = json.loads(res.stdout)
    assert info["encoding"] == "cp932"
    assert info["rows"] == 2
    assert info["standards"][0]["slug"] == "public_toilet"
    assert info["standards"][0]["mapping"]["名称"] == "名称"


def test_token_create_prints_only_the_token(tmp_path):
    res = opendata("token", "create", "--user", "steward1", "--sysadmin", home=tmp_path, check=True)
    token = res.stdout.strip()
    assert len(res.stdout.splitlines()) == 1 and len(token) >= 32
    from catalog.store import open_store
    from catalog.store.users import user_for_token

    assert user_for_token(open_store(tmp_path), token)["name"] == "steward1"


@pytest.mark.slow
def test_ingest_and_metrics_commands(ws):
    ws.add("koto-toilets", HEADER + "".join(GOOD_ROWS))
    elsewhere = ws.home.parent / "cwd"
    elsewhere.mkdir()
    res = opendata("ingest", "--all", "--datasets", str(ws.datasets), home=ws.home, cwd=elsewhere)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "koto-toilets" in res.stdout and "published" in res.stdout
    # the step processes (forked from the prestarted forkserver) wrote their events into the home's Dagster
    # storage, not under the working folder: so the next ingest knows the dataset is released
    assert not (elsewhere / "history").exists()
    again = opendata("ingest", "--all", "--datasets", str(ws.datasets), home=ws.home, cwd=elsewhere)
    assert again.returncode == 0 and "unchanged" in again.stdout and "published" not in again.stdout, again.stdout
    js = json.loads(opendata("metrics", "--datasets", str(ws.datasets), "--format", "json", home=ws.home,
                             check=True).stdout)
    koto = {r["measure"]: r for r in js if r["scope_id"] == "t131083"}
    assert (koto["published"]["numerator"], koto["published"]["denominator"]) == (1, 2)
    csv = opendata("metrics", "--datasets", str(ws.datasets), "--format", "csv", home=ws.home, check=True).stdout
    assert "scope_id" in csv.splitlines()[0].split(",") and "t131083" in csv
    nothing = opendata("ingest", home=ws.home)
    assert nothing.returncode == 2


def test_a_big_ingest_summary_lists_what_happened_and_counts_the_rest(monkeypatch):
    """At 1,000 datasets a row per unchanged dataset is noise: the table keeps the published, blocked and failed
    ones, and one line counts every status (the unchanged ones included)."""
    from rich.console import Console

    from pipelines import cli
    from pipelines.runner import DatasetOutcome, IngestSummary

    outcomes = [DatasetOutcome(id=f"ds-{i:04d}", status="unchanged", version="v", rows=3) for i in range(60)]
    outcomes[7] = DatasetOutcome(id="ds-new", status="published", version="v2", rows=4)
    outcomes[9] = DatasetOutcome(id="ds-bad", status="blocked", version="v3", rows=4, errors=2, reason="品質エラー")
    console = Console(record=True, width=200)
    monkeypatch.setattr(cli, "out", console)
    cli._print_summary(IngestSummary(outcomes=outcomes, run_ids=["r1"], seconds=1.5))
    text = console.export_text()
    assert "ds-new" in text and "ds-bad" in text and "品質エラー" in text
    assert "ds-0000" not in text and "ds-0059" not in text
    assert "公開 published 1" in text and "差止 blocked 1" in text and "変更なし unchanged 58" in text
    assert "58 unchanged not listed" in text
    small = Console(record=True, width=200)                    # a few datasets: every one listed
    monkeypatch.setattr(cli, "out", small)
    cli._print_summary(IngestSummary(outcomes=outcomes[:5], run_ids=[], seconds=0.2))
    listed = small.export_text()
    assert all(f"ds-{i:04d}" in listed for i in range(5)), listed
