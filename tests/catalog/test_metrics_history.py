"""Publication-rate snapshots on disk: write/replace/refuse, compaction, history queries, CSV and Prometheus."""
from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pyarrow.parquet as pq
import pytest

from catalog.actions.metrics import publication_rate_show
from catalog.errors import NotFound, ValidationError
from catalog.metrics import (SnapshotRefused, compute_publication_rates, has_snapshot, latest_snapshot_date,
                             prometheus_text, read_history, rows_to_csv, snapshot_files, write_snapshot)

PUBS = [{"id": "t131083", "name": "江東区", "type": "区", "code": "131083"},
        {"id": "t131016", "name": "千代田区", "type": "区", "code": "131016"},
        {"id": "t000029", "name": "総務局", "type": "局", "code": None}]
TARGETS = [{"publisher": p, "key": "aed", "title": "AED設置箇所一覧", "weight": 1, "category": "c005",
            "kind": "standard"} for p in ("t131083", "t131016")]
D1, D2, D3 = date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 1)


def _pkg(org: str) -> dict:
    return {"id": org, "name": f"{org}-aed", "private": False, "state": "active",
            "organization": {"name": org}, "resources": [{"format": "CSV"}],
            "extras": [{"key": "standard", "value": "aed"}, {"key": "quality_status", "value": "valid"}]}


def rows(day: date, *orgs: str) -> list[dict]:
    """Rates on ``day`` when the given publishers publish their AED list."""
    return compute_publication_rates([_pkg(o) for o in orgs], TARGETS, PUBS, day)


def series(home: Path, **filters) -> list[tuple[str, int, int]]:
    return [(r["as_of"], r["numerator"], r["denominator"]) for r in read_history(home, **filters)]


# ---------------------------------------------------------------------------------------------------------
# writing


def test_snapshot_round_trips_through_parquet(tmp_path):
    written = rows(D3, "t131083")
    path = write_snapshot(written, tmp_path, D3)
    assert path == tmp_path / "metrics" / "2026-11-01.parquet"
    assert [p.name for p in (tmp_path / "metrics").iterdir()] == ["2026-11-01.parquet"]   # no temp files left
    assert read_history(tmp_path) == written
    assert latest_snapshot_date(tmp_path) == D3


def test_rerunning_the_same_day_replaces_it(tmp_path):
    write_snapshot(rows(D3), tmp_path, D3)
    write_snapshot(rows(D3, "t131083", "t131016"), tmp_path, D3)
    assert series(tmp_path, scope="overall", measure="published") == [("2026-11-01", 2, 2)]


def test_empty_rows_are_refused(tmp_path):
    with pytest.raises(SnapshotRefused):
        write_snapshot([], tmp_path, D3)
    assert not (tmp_path / "metrics" / "2026-11-01.parquet").exists()


def test_all_zero_denominators_never_overwrite_a_good_snapshot(tmp_path):
    good = rows(D2, "t131083")
    write_snapshot(good, tmp_path, D2)
    zeros = compute_publication_rates([], [], [PUBS[2]], D3)      # a failed run: no targets, no municipalities
    assert zeros and not any(r["denominator"] for r in zeros)
    for day in (D3, D2):                                          # neither a new day nor the same day
        with pytest.raises(SnapshotRefused, match="zeros"):
            write_snapshot(zeros, tmp_path, day)
    assert sorted(snapshot_files(tmp_path)) == ["2026-10-31"]
    assert read_history(tmp_path) == good


def test_all_zero_denominators_are_fine_when_nothing_good_came_before(tmp_path):
    zeros = compute_publication_rates([], [], [PUBS[2]], D2)
    write_snapshot(zeros, tmp_path, D2)
    write_snapshot(zeros, tmp_path, D3)
    assert len(read_history(tmp_path)) == 2 * len(zeros)


# ---------------------------------------------------------------------------------------------------------
# compaction and history


def three_days(home: Path) -> None:
    write_snapshot(rows(D1), home, D1)
    write_snapshot(rows(D2, "t131083"), home, D2)
    write_snapshot(rows(D3, "t131083", "t131016"), home, D3)


def files(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "metrics").iterdir())


def test_finished_months_are_folded_into_one_file(tmp_path):
    three_days(tmp_path)
    assert files(tmp_path) == ["2026-10.parquet", "2026-11-01.parquet"]
    month = pq.read_table(tmp_path / "metrics" / "2026-10.parquet")
    assert sorted(set(month["as_of"].to_pylist())) == [D1, D2]
    assert month["scope"].to_pylist() == sorted(month["scope"].to_pylist())     # sorted for row-group skipping
    assert series(tmp_path, publisher="t131083", measure="published") == [
        ("2026-10-30", 0, 1), ("2026-10-31", 1, 1), ("2026-11-01", 1, 1)]
    assert read_history(tmp_path, date_from=D1, date_to=D1) == rows(D1)           # types survive the fold


def test_only_the_newest_day_stays_a_day_file(tmp_path):
    days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    for i, day in enumerate(days):
        write_snapshot(rows(day, *["t131083", "t131016"][:i]), tmp_path, day)
    assert files(tmp_path) == ["2026-11-03.parquet", "2026-11.parquet"]
    assert series(tmp_path, scope="overall", measure="published") == [
        ("2026-11-01", 0, 2), ("2026-11-02", 1, 2), ("2026-11-03", 2, 2)]
    assert read_history(tmp_path, date_from=days[2], date_to=days[2]) == rows(days[2], "t131083", "t131016")
    assert write_snapshot(rows(days[2]), tmp_path, days[2]) == tmp_path / "metrics" / "2026-11-03.parquet"
    assert series(tmp_path, scope="overall", measure="published", date_from=days[2]) == [("2026-11-03", 0, 2)]


def test_finished_years_are_folded_and_back_filled_days_replace_theirs(tmp_path):
    days = [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 15), date(2026, 2, 1)]
    for day in days:
        write_snapshot(rows(day) if day == days[0] else rows(day, "t131083"), tmp_path, day)
    assert files(tmp_path) == ["2025.parquet", "2026-01.parquet", "2026-02-01.parquet"]
    path = write_snapshot(rows(days[0], "t131083", "t131016"), tmp_path, days[0])    # back-fill into 2025
    assert path == tmp_path / "metrics" / "2025.parquet"
    assert files(tmp_path) == ["2025.parquet", "2026-01.parquet", "2026-02-01.parquet"]
    assert series(tmp_path, scope="overall", measure="published") == [
        ("2025-12-30", 2, 2), ("2025-12-31", 1, 2), ("2026-01-15", 1, 2), ("2026-02-01", 1, 2)]
    other = tmp_path / "other"                    # a month file left inside the year by a crash: its days win
    for day in days[:2]:
        write_snapshot(rows(day), other, day)
    shutil.copy(other / "metrics" / "2025-12.parquet", tmp_path / "metrics")
    assert series(tmp_path, scope="overall", measure="published", date_to=days[1]) == [
        ("2025-12-30", 0, 2), ("2025-12-31", 1, 2)]


def test_history_filters(tmp_path):
    three_days(tmp_path)
    assert series(tmp_path, scope="overall", measure="published", date_from="2026-10-31") == [
        ("2026-10-31", 1, 2), ("2026-11-01", 2, 2)]
    assert series(tmp_path, scope="overall", measure="published", date_to=D2) == [
        ("2026-10-30", 0, 2), ("2026-10-31", 1, 2)]
    assert series(tmp_path, category="c005", measure="valid", date_from=D3) == [("2026-11-01", 2, 2)]
    ward_rows = read_history(tmp_path, publisher_type="区", measure="adoption", date_from=D3)
    assert [(r["scope"], r["scope_id"], r["numerator"]) for r in ward_rows] == [
        ("type", "区", 2), ("publisher", "t131016", 1), ("publisher", "t131083", 1)]
    assert read_history(tmp_path, publisher="t999999") == []
    assert read_history(tmp_path, date_from=date(2027, 1, 1)) == []


def test_history_without_missing_lists(tmp_path):
    three_days(tmp_path)
    got = read_history(tmp_path, scope="overall", include_missing=False)
    assert got and all("missing" not in r for r in got)
    with_missing = read_history(tmp_path, scope="overall", measure="published", date_to=D1)
    assert [m["publisher"] for m in with_missing[0]["missing"]] == ["t131016", "t131083"]


def test_back_filling_a_folded_day_rewrites_its_month(tmp_path):
    three_days(tmp_path)
    assert write_snapshot(rows(D1, "t131083", "t131016"), tmp_path, D1) == tmp_path / "metrics" / "2026-10.parquet"
    assert files(tmp_path) == ["2026-10.parquet", "2026-11-01.parquet"]
    assert series(tmp_path, scope="overall", measure="published") == [
        ("2026-10-30", 2, 2), ("2026-10-31", 1, 2), ("2026-11-01", 2, 2)]


def test_a_finer_file_left_by_an_interrupted_fold_wins(tmp_path):
    three_days(tmp_path)
    other = tmp_path / "other"                     # the same day computed again, as a day file
    write_snapshot(rows(D2, "t131083", "t131016"), other, D2)
    shutil.copy(other / "metrics" / "2026-10-31.parquet", tmp_path / "metrics")
    assert series(tmp_path, scope="overall", measure="published") == [
        ("2026-10-30", 0, 2), ("2026-10-31", 2, 2), ("2026-11-01", 2, 2)]
    assert len(read_history(tmp_path, date_from=D2, date_to=D2)) == len(rows(D2))


def test_latest_date_and_has_snapshot(tmp_path):
    assert latest_snapshot_date(tmp_path) is None
    three_days(tmp_path)
    assert latest_snapshot_date(tmp_path) == D3
    assert has_snapshot(tmp_path, D1) and has_snapshot(tmp_path, D3)
    assert not has_snapshot(tmp_path, date(2026, 10, 29)) and not has_snapshot(tmp_path, date(2025, 1, 1))
    (tmp_path / "metrics" / "2026-11-01.parquet").unlink()
    assert latest_snapshot_date(tmp_path) == D2


# ---------------------------------------------------------------------------------------------------------
# CSV and Prometheus

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = rf'{_NAME}="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf"^({_NAME})(\{{{_LABEL}(?:,{_LABEL})*\}})? (-?[0-9.e+-]+|NaN|[+-]Inf)$")
COMMENT = re.compile(rf"^# (HELP {_NAME} .+|TYPE {_NAME} (gauge|counter|histogram|summary|untyped))$")


def parse_prometheus(text: str) -> dict[str, float]:
    assert text.endswith("\n")
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert COMMENT.match(line), line
            continue
        m = SAMPLE.match(line)
        assert m, line
        samples[m[1] + (m[2] or "")] = float(m[3])
    return samples


def test_prometheus_text_has_the_latest_gauges(tmp_path):
    write_snapshot(rows(D2), tmp_path, D2)
    write_snapshot(rows(D3, "t131083"), tmp_path, D3)
    text = prometheus_text(SimpleNamespace(home=tmp_path))
    samples = parse_prometheus(text)
    koto = 'publisher="t131083",publisher_name="江東区",publisher_type="区",measure="published"'
    assert samples[f"opendata_publication_rate{{{koto}}}"] == 1.0
    assert samples[f"opendata_publication_numerator{{{koto}}}"] == 1
    assert samples[f"opendata_publication_denominator{{{koto}}}"] == 1
    overall = 'scope="overall",scope_id="all",scope_name="全体",measure="published"'
    assert samples[f"opendata_publication_rollup_rate{{{overall}}}"] == 0.5
    assert samples[f"opendata_publication_rollup_weighted_denominator{{{overall}}}"] == 2.0
    assert samples["opendata_publication_snapshot_timestamp_seconds"] == 1793491200    # 2026-11-01T00:00Z
    bureau = 'publisher="t000029",publisher_name="総務局",publisher_type="局",measure="published"'
    assert f"opendata_publication_rate{{{bureau}}}" not in samples            # 0/0: no rate, not 0
    assert samples[f"opendata_publication_denominator{{{bureau}}}"] == 0
    assert "# TYPE opendata_publication_rate gauge" in text.splitlines()


def test_prometheus_label_values_are_escaped(tmp_path):
    pubs = [{"id": "t1", "name": 'a"b\\c\nd', "type": "区"}]
    targets = [{"publisher": "t1", "key": "aed", "title": "x", "weight": 1, "category": "c005", "kind": "standard"}]
    write_snapshot(compute_publication_rates([], targets, pubs, D3), tmp_path, D3)
    samples = parse_prometheus(prometheus_text(SimpleNamespace(home=tmp_path)))
    assert 'opendata_publication_rate{publisher="t1",publisher_name="a\\"b\\\\c\\nd",publisher_type="区",' \
           'measure="published"}' in samples


def test_prometheus_text_without_snapshots_is_still_valid(tmp_path):
    assert not [k for k in parse_prometheus(prometheus_text(SimpleNamespace(home=tmp_path)))]


def test_rows_to_csv(tmp_path):
    table = list(csv.reader(io.StringIO(rows_to_csv(rows(D3, "t131083")))))
    header, body = table[0], table[1:]
    assert header[:3] == ["as_of", "scope", "scope_id"] and header[-1] == "missing"
    overall = dict(zip(header, body[0]))
    assert overall == {**overall, "scope": "overall", "measure": "published", "numerator": "1",
                       "denominator": "2", "rate": "0.5", "missing": "t131016:aed"}
    bureau = [dict(zip(header, r)) for r in body if r[2] == "t000029" and r[5] == "published"][0]
    assert bureau["rate"] == "" and bureau["denominator"] == "0"
    history = rows_to_csv(read_history(tmp_path) or [])
    assert history.splitlines()[0].startswith("as_of,scope")


# ---------------------------------------------------------------------------------------------------------
# the action


def show(home: Path, **params) -> dict:
    return publication_rate_show(SimpleNamespace(home=home, user=None), params)


def test_action_shows_the_latest_snapshot_by_default(tmp_path):
    assert show(tmp_path) == {"as_of": None, "date_from": None, "date_to": None, "count": 0, "results": []}
    three_days(tmp_path)
    latest = show(tmp_path, publisher="t131083", measure="published", unknown_param="ignored")
    assert (latest["as_of"], latest["count"]) == ("2026-11-01", 1)
    assert latest["results"][0]["missing"] == []
    assert show(tmp_path)["results"] == read_history(tmp_path, date_from=D3)


def test_action_one_day_and_history(tmp_path):
    three_days(tmp_path)
    day = show(tmp_path, date="2026-10-31", scope="overall", measure="published")
    assert [(r["as_of"], r["numerator"]) for r in day["results"]] == [("2026-10-31", 1)]
    hist = show(tmp_path, type="区", scope="type", measure="published", date_from="2026-10-01")
    assert hist["as_of"] is None and hist["date_from"] == "2026-10-01"
    assert [(r["as_of"], r["numerator"]) for r in hist["results"]] == [
        ("2026-10-30", 0), ("2026-10-31", 1), ("2026-11-01", 2)]
    assert "missing" not in hist["results"][0]
    with_missing = show(tmp_path, category="c005", measure="published", date_to="2026-10-30", include_missing="true")
    assert len(with_missing["results"][0]["missing"]) == 2


def test_action_validates_its_parameters(tmp_path):
    three_days(tmp_path)
    with pytest.raises(ValidationError) as e:
        show(tmp_path, date_from="yesterday", scope="planet", measure="speed")
    assert set(e.value.error_dict) == {"date_from", "scope", "measure"}
    with pytest.raises(NotFound):
        show(tmp_path, date="2026-01-01")
