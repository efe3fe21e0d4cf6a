"""The declarations in ``datasets/`` (publishers, targets, demo datasets and their source files) load, agree with
each other and with the facts in shared/reference/jp_standards.md; a broken declaration names path, field, reason.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
import unicodedata
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipelines.declarations import DeclarationError, FileSource, load_declarations
from quality import codes

DATASETS = Path(__file__).resolve().parents[2] / "datasets"

BUREAU_IDS = [f"t{n:06d}" for n in [*range(1, 28), 29, 30]]          # t000028 is absent from the Tokyo catalogue
STANDARD_SLUGS = ["aed", "care_service", "medical_institution", "cultural_property", "tourism", "event",
                  "public_wireless_lan", "public_toilet", "fire_hydrant", "evacuation_space", "population",
                  "public_facility", "preschool", "open_data_list"]
KATAKANA = re.compile(r"^[\u30A1-\u30FA\u30FB\u30FC]+$")                  # full-width katakana, ・ and ー
GIF_PHONE = re.compile(r"^(\(0\d{1,4}\)|0\d{1,4}-)\d{1,4}-\d{4}$")
CODE_COLUMNS = ["全国地方公共団体コード", "都道府県コード又は市区町村コード", "所在地_全国地方公共団体コード",
                "市区町村コード", "地域コード"]
# (south, north, west, east) — generous boxes around each publisher's area
BBOX = {
    "t131083": (35.62, 35.72, 139.77, 139.86),     # 江東区
    "t131172": (35.73, 35.80, 139.69, 139.77),     # 北区
    "t132021": (35.67, 35.74, 139.36, 139.45),     # 立川市
    "t000029": (35.50, 35.90, 139.00, 139.95),     # 都 (mainland part)
}


def lg_check_digit(code5: str) -> int:
    """総務省 formula, written here independently of the code under test: weights 6..2, (11 - S mod 11) mod 10."""
    s = sum(int(d) * w for d, w in zip(code5, (6, 5, 4, 3, 2)))
    return (11 - s % 11) % 10


def lg_code_ok(code: str) -> bool:
    return bool(re.fullmatch(r"\d{6}", code)) and int(code[5]) == lg_check_digit(code[:5])


def corp_number_ok(number: str) -> bool:
    """国税庁: leading check = 9 - (Σ Pn·Qn mod 9), Pn counted from the right of the 12-digit base, Qn = 1, 2, 1, 2 …"""
    if not re.fullmatch(r"[1-9]\d{12}", number):
        return False
    base = number[1:]
    s = sum(int(base[12 - n]) * (1 if n % 2 else 2) for n in range(1, 13))
    return int(number[0]) == 9 - s % 9


def decode(data: bytes) -> str:
    """BOM / strict UTF-8, then cp932 — the platform's order; never shift_jis."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp932")


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(decode(path.read_bytes()), newline="")))


@pytest.fixture(scope="module")
def decl():
    return load_declarations(DATASETS)


# ---------------------------------------------------------------------------------------------------------
# publishers.yaml


def test_formula_matches_the_worked_examples_of_the_reference():
    assert [c + str(lg_check_digit(c)) for c in ("13000", "13101", "13108", "13117", "13202", "01100")] == [
        "130001", "131016", "131083", "131172", "132021", "011002"]
    assert corp_number_ok("6000020131083") and corp_number_ok("8000020130001") and corp_number_ok("7000012050002")
    assert not corp_number_ok("5000020131083")


def test_one_metropolis_its_bureaus_and_62_municipalities(decl):
    by_type = Counter(p.type for p in decl.publishers.values())
    assert by_type == {"都": 1, "局": len(BUREAU_IDS), "区": 23, "市": 26, "町": 5, "村": 8}
    tokyo = decl.publishers["t130001"]
    assert (tokyo.name, tokyo.code, tokyo.type) == ("東京都", "130001", "都")
    bureaus = {p.id: p for p in decl.publishers.values() if p.type == "局"}
    assert sorted(bureaus) == BUREAU_IDS
    assert bureaus["t000029"].name == "デジタルサービス局" and bureaus["t000030"].name == "住宅政策本部"
    assert bureaus["t000001"].name == "政策企画局" and bureaus["t000010"].name == "福祉保健局"
    assert all(b.code is None and b.name_en for b in bureaus.values())
    names = [p.name for p in decl.publishers.values()]
    assert len(names) == len(set(names))


def test_municipalities_have_valid_codes_ids_kana_and_english_names(decl):
    munis = [p for p in decl.publishers.values() if p.type in "区市町村"]
    assert len(munis) == 62
    for p in munis:
        assert p.code and lg_code_ok(p.code), (p.id, p.code)
        assert p.code.startswith("13") and p.id == f"t{p.code}"
        assert p.name.endswith(p.type)
        assert p.kana and KATAKANA.match(p.kana), (p.id, p.kana)
        assert p.name_en and p.name_en.isascii() and p.name_en.endswith(("City", "Town", "Village"))
    assert decl.publishers["t131083"].kana == "コウトウク"
    assert decl.publishers["t132021"].code == "132021"                     # the r = 0 → check digit 1 case
    assert decl.publishers["t133621"].kana == "トシマムラ" and decl.publishers["t131164"].kana == "トシマク"


def test_codes_also_pass_the_projects_own_check(decl):
    all_codes = [p.code for p in decl.publishers.values() if p.code]
    assert len(all_codes) == 63
    assert codes.lg_code_valid(pd.Series(all_codes)).all()
    assert all(codes.lg_check_digit(c[:5]) == lg_check_digit(c[:5]) for c in all_codes)
    assert not codes.lg_code_valid(pd.Series(["131084", "13108", "１３１０８３"])).any()


def test_categories_are_the_14_tokyo_groups(decl):
    assert sorted(decl.categories) == [f"c{n:03d}" for n in range(1, 15)]
    assert decl.categories["c001"].title == "防災・災害計画" and decl.categories["c014"].title == "その他"
    assert all(c.title_en for c in decl.categories.values())


# ---------------------------------------------------------------------------------------------------------
# targets.yaml


def test_municipality_default_is_the_14_standards(decl):
    md = decl.targets.municipality_default
    assert [t.key for t in md] == STANDARD_SLUGS
    assert all(t.title and t.category in decl.categories and t.weight == 1.0 for t in md)


def test_bureau_need_lists_and_exemptions(decl):
    per_pub = {pt.publisher: pt for pt in decl.targets.publishers}
    for bureau in ("t000029", "t000003", "t000008", "t000009", "t000010", "t000014"):
        needs = per_pub[bureau].targets
        assert 3 <= len(needs) <= 6, bureau
        for t in needs:
            assert re.fullmatch(r"[a-z0-9-]+", t.key) and t.title and t.source
            assert 1 <= t.weight <= 3 and t.category in decl.categories
    exempt = [(pt.publisher, e) for pt in decl.targets.publishers for e in pt.exempt]
    assert exempt, "at least one municipal exemption"
    for pub, e in exempt:
        assert decl.publishers[pub].type in "区市町村" and e.key in STANDARD_SLUGS and e.reason
    assert ("t133825", "public_wireless_lan") in {(p, e.key) for p, e in exempt}


# ---------------------------------------------------------------------------------------------------------
# dataset declarations


REAL_DATA = {"koto-public-toilets"}


def test_every_dataset_is_consistent(decl):
    targets = {pt.publisher: {t.key for t in pt.targets} for pt in decl.targets.publishers}
    for ds in decl.datasets.values():
        pub = decl.publishers[ds.publisher]
        assert isinstance(ds.source, FileSource)
        assert decl.source_path(ds).is_file(), ds.id
        assert ds.groups and set(ds.groups) <= set(decl.categories)
        assert ds.license == "CC-BY-4.0" and ds.title.en and ds.description and ds.description.en
        if ds.id in REAL_DATA:        # the publisher's own file (issue 15): attributed, never called a sample
            assert "出典" in ds.description.ja and "CC BY 4.0" in ds.description.ja and "Source" in ds.description.en
        else:
            assert "サンプルデータ" in ds.description.ja and "SAMPLE" in ds.description.en, ds.id
            assert "サンプル" in ds.title.ja and "SAMPLE" in ds.title.en, ds.id
        if ds.standard:
            assert ds.standard in STANDARD_SLUGS
        assert set(ds.fulfils) <= targets.get(ds.publisher, set()), ds.id
        if pub.type in "区市町村":
            assert ds.source.path.startswith(f"sources/{pub.id}/{pub.code}_"), ds.id


def test_demo_coverage(decl):
    assert len(decl.datasets) >= 6
    standards = {ds.standard for ds in decl.datasets.values()}
    assert {"aed", "public_toilet", "evacuation_space", "public_wireless_lan", "population"} <= standards
    per_pub = Counter(ds.publisher for ds in decl.datasets.values())
    assert all(per_pub[p] >= 1 for p in ("t131083", "t131172", "t132021", "t000029"))
    fulfilled = {k for ds in decl.datasets.values() for k in ds.fulfils}
    assert {"population-by-age", "free-wifi-spots"} <= fulfilled


# ---------------------------------------------------------------------------------------------------------
# demo source files


def test_sources_cover_the_encodings_the_reader_must_handle(decl):
    cp932_only = []
    for ds in decl.datasets.values():
        data = decl.source_path(ds).read_bytes()
        try:
            data.decode("utf-8")
            continue
        except UnicodeDecodeError:
            pass
        with pytest.raises(UnicodeDecodeError):
            data.decode("shift_jis")                    # ① ㈱ 髙 № are CP932 extensions
        data.decode("cp932")
        assert data.count(b"\r\n") == data.count(b"\n"), f"{ds.id}: CP932 files use CRLF"
        cp932_only.append(ds.id)
    assert len(cp932_only) >= 2
    heads = {ds.id: decl.source_path(ds).read_bytes()[:3] for ds in decl.datasets.values()}
    assert sum(h == b"\xef\xbb\xbf" for h in heads.values()) >= 2        # UTF-8 with BOM
    texts = {ds.id: decode(decl.source_path(ds).read_bytes()) for ds in decl.datasets.values()}
    assert any(re.search(r"(令和|平成)(\d+|元)年\d+月\d+日", t) for t in texts.values())
    assert any(re.search(r"\bR\d\.\d{1,2}\.\d{1,2}\b", t) for t in texts.values())
    assert sum(bool(re.search(r"[０-９]", t)) for t in texts.values()) >= 2


def test_source_rows_carry_valid_codes_coordinates_phones_and_kana(decl):
    for ds in decl.datasets.values():
        rows = read_rows(decl.source_path(ds))
        assert len(rows) >= 10, ds.id
        south, north, west, east = BBOX[ds.publisher]
        for i, row in enumerate(rows, 2):
            where = f"{ds.id} line {i}"
            for col in CODE_COLUMNS:
                if row.get(col):
                    assert lg_code_ok(row[col]), (where, col, row[col])
            if row.get("法人番号"):
                assert corp_number_ok(row["法人番号"]), (where, row["法人番号"])
            if "緯度" in row:
                assert re.fullmatch(r"\d+\.\d{6}", row["緯度"]) and re.fullmatch(r"\d+\.\d{6}", row["経度"]), where
                assert south <= float(row["緯度"]) <= north and west <= float(row["経度"]) <= east, where
            if row.get("電話番号"):
                assert GIF_PHONE.match(unicodedata.normalize("NFKC", row["電話番号"])), (where, row["電話番号"])
            if row.get("名称_カナ"):
                assert KATAKANA.match(row["名称_カナ"]), (where, row["名称_カナ"])
            ids = row.get("ID") or row.get("NO")
            if ids:
                assert ids.isascii() and ids.isalnum(), where


def test_demo_row_counts(decl):
    counts = {ds.id: len(read_rows(decl.source_path(ds))) for ds in decl.datasets.values()}
    assert 20 <= counts["koto-aed"] <= 40
    assert counts["koto-public-toilets"] == 191            # 江東区's real file (shared/realdata/SOURCES.md #16)
    assert 18 <= counts["kita-evacuation-spaces"] <= 25
    assert 12 <= counts["tachikawa-wifi"] <= 20
    assert counts["tokyo-population-by-age"] == 62


def test_population_rows_add_up_and_name_every_municipality(decl):
    rows = read_rows(decl.source_path(decl.datasets["tokyo-population-by-age"]))
    munis = {p.code: p.name for p in decl.publishers.values() if p.type in "区市町村"}
    assert {r["地域コード"]: r["地域名"] for r in rows} == munis
    for r in rows:
        n = {k: int(unicodedata.normalize("NFKC", v)) for k, v in r.items() if k.endswith(("人口", "男性", "女性"))}
        bands_m = sum(v for k, v in n.items() if k.endswith("の男性"))
        bands_f = sum(v for k, v in n.items() if k.endswith("の女性"))
        assert (bands_m, bands_f) == (n["男性"], n["女性"]) and n["総人口"] == n["男性"] + n["女性"], r["地域名"]


# ---------------------------------------------------------------------------------------------------------
# broken declarations name path, field and reason

AED = "t131083/koto-aed.yaml"


def _drop_title(text: str) -> str:
    return re.sub(r"^title:.*\n", "", text, flags=re.M)


BROKEN = [
    pytest.param(AED, _drop_title, "title", "Field required", id="missing-title"),
    pytest.param(AED, lambda t: t.replace("id: koto-aed", "id: Bad Name"), "id", "CKAN name", id="bad-id"),
    pytest.param(AED, lambda t: t.replace("publisher: t131083", "publisher: t999999"), "publisher",
                 "unknown publisher 't999999'", id="unknown-publisher"),
    pytest.param(AED, lambda t: t.replace("groups: [c005, c001]", "groups: [c005, c001"), "-",
                 "not valid UTF-8 YAML", id="yaml-syntax-error"),
    pytest.param(AED, lambda t: t.replace("groups: [c005, c001]", "groups: [c005, c099]"), "groups",
                 "unknown category", id="unknown-group"),
    pytest.param(AED, lambda t: t.replace("update_frequency: yearly", "update_frequency: sometimes"),
                 "update_frequency", "Input should be", id="bad-frequency"),
    pytest.param("publishers.yaml", lambda t: t.replace("code: '131083', type: 区", "code: '131083', type: 県"),
                 "publishers.", "Input should be", id="bad-publisher-type"),
]


@pytest.mark.parametrize("rel, corrupt, field, reason", BROKEN)
def test_broken_declaration_names_path_field_and_reason(tmp_path, rel, corrupt, field, reason):
    root = tmp_path / "datasets"
    shutil.copytree(DATASETS, root)
    path = root / rel
    text = path.read_text("utf-8")
    broken = corrupt(text)
    assert broken != text, "the corruption must change the file"
    path.write_text(broken, "utf-8")
    with pytest.raises(DeclarationError) as exc:
        load_declarations(root)
    err = exc.value
    assert Path(err.path).resolve() == path.resolve()
    assert err.field.startswith(field) and reason in err.reason
    message = str(err)
    assert str(path.name) in message and err.field in message and reason in message
    if field == "-":
        assert "line" in err.reason                                            # YAML errors say where


def test_duplicate_dataset_id_is_reported(tmp_path):
    root = tmp_path / "datasets"
    shutil.copytree(DATASETS, root)
    shutil.copy(root / AED, root / "t131083" / "koto-aed-copy.yaml")
    with pytest.raises(DeclarationError, match="duplicate dataset id 'koto-aed'") as exc:
        load_declarations(root)
    assert exc.value.field == "id" and exc.value.path.name in ("koto-aed.yaml", "koto-aed-copy.yaml")
    assert "koto-aed.yaml" in str(exc.value) and "koto-aed-copy.yaml" in str(exc.value)     # both paths
