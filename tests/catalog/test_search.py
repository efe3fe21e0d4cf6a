"""package_search: Japanese substrings of any length, Solr syntax, filters, ranges, sorting, paging, facets."""
from __future__ import annotations

import pytest

from catalog.errors import SearchError, SearchQueryError
from tests.catalog import helpers

FACETS = '["organization", "tags", "res_format", "license_id", "groups"]'


@pytest.fixture
def corpus(catalog):
    koto = helpers.org(catalog, name="t131083", title="江東区")
    chiyoda = helpers.org(catalog, name="t131016", title="千代田区")
    helpers.group(catalog, name="c006", title="生活")
    made = [
        helpers.dataset(catalog, koto, name="koto-population", title="東京都の人口統計", notes="区別の人口",
                        tags=[{"name": "人口"}, {"name": "statistics"}], license_id="CC-BY-4.0",
                        resources=[{"url": "http://x/p.csv", "format": "CSV"}]),
        helpers.dataset(catalog, koto, name="koto-toilets", title="公衆トイレ一覧", notes="Public Toilets in Koto",
                        tags=[{"name": "トイレ"}], groups=[{"name": "c006"}], license_id="CC-BY-4.0",
                        resources=[{"url": "http://x/t.csv", "format": "CSV"}, {"url": "http://x/t.json"}],
                        extras=[{"key": "quality_status", "value": "valid"}]),
        helpers.dataset(catalog, chiyoda, name="chiyoda-aed", title="ＡＥＤ設置場所", notes="Automated External",
                        tags=[{"name": "AED"}], license_id="cc-by",
                        resources=[{"url": "http://x/a.xlsx", "format": "XLSX"}],
                        extras=[{"key": "quality_status", "value": "invalid"}]),
        helpers.dataset(catalog, chiyoda, name="chiyoda-budget", title="European census and budget",
                        notes="人口動態とは関係ない予算", tags=[{"name": "statistics"}]),
    ]
    return {p["name"]: p for p in made}


def names(result) -> list[str]:
    return sorted(p["name"] for p in result["results"])


def search(catalog, **params):
    return catalog.call_action("package_search", params)


@pytest.mark.parametrize("q, expected", [
    ("人口", ["chiyoda-budget", "koto-population"]),     # 2 characters: FTS5 trigram would find nothing
    ("トイレ", ["koto-toilets"]),
    ("公衆トイレ一覧", ["koto-toilets"]),
    ("口", ["chiyoda-budget", "koto-population"]),         # 1 character
    ("設置", ["chiyoda-aed"]),
    ("aed", ["chiyoda-aed"]),                               # ＡＥＤ is NFKC-folded; English is case-insensitive
    ("toilet", ["koto-toilets"]),
    ("TOILETS", ["koto-toilets"]),
    ("人口 統計", ["koto-population"]),                     # words are ANDed
    ('"人口統計"', ["koto-population"]),
    ("人口 -予算", ["koto-population"]),
    ("江東区", ["koto-population", "koto-toilets"]),         # organization titles are searchable
    ("生活", ["koto-toilets"]),                              # and group titles
    ("", ["chiyoda-aed", "chiyoda-budget", "koto-population", "koto-toilets"]),
])
def test_simple_queries(catalog, corpus, q, expected):
    assert names(search(catalog, q=q)) == expected


@pytest.mark.parametrize("q, expected", [
    ("title:人口", ["koto-population"]),
    ("notes:人口", ["chiyoda-budget", "koto-population"]),
    ("tags:statistics", ["chiyoda-budget", "koto-population"]),
    ("tags:人口 OR tags:AED", ["chiyoda-aed", "koto-population"]),
    ("organization:t131083 AND NOT tags:トイレ", ["koto-population"]),
    ("res_format:CSV", ["koto-population", "koto-toilets"]),
    ("res_format:json", ["koto-toilets"]),
    ("groups:c006", ["koto-toilets"]),
    ("license_id:CC-BY-4.0", ["koto-population", "koto-toilets"]),
    ("extras_quality_status:valid", ["koto-toilets"]),
    ("quality_status:invalid", ["chiyoda-aed"]),
    ("name:koto-*", ["koto-population", "koto-toilets"]),
    ("title:europ*", ["chiyoda-budget"]),
    ('title:"european census"', ["chiyoda-budget"]),
    ("capacity:public", ["chiyoda-aed", "chiyoda-budget", "koto-population", "koto-toilets"]),
    ("-organization:t131083", ["chiyoda-aed", "chiyoda-budget"]),
    ("state:(active OR draft) +tags:AED", ["chiyoda-aed"]),
    ("*:*", ["chiyoda-aed", "chiyoda-budget", "koto-population", "koto-toilets"]),
    ("num_resources:[2 TO *]", ["koto-toilets"]),
])
def test_fielded_queries(catalog, corpus, q, expected):
    assert names(search(catalog, q=q)) == expected


def test_fq_and_fq_list_are_anded(catalog, corpus):
    assert names(search(catalog, q="人口", fq="organization:t131083")) == ["koto-population"]
    assert names(search(catalog, fq="tags:statistics", fq_list=["organization:t131016"])) == ["chiyoda-budget"]
    assert names(search(catalog, fq="organization:nope")) == []


def test_metadata_modified_ranges(catalog, corpus):
    cut = corpus["koto-toilets"]["metadata_modified"]
    later = ["chiyoda-aed", "chiyoda-budget", "koto-toilets"]
    assert names(search(catalog, fq=f"metadata_modified:[{cut}Z TO *]")) == later
    assert names(search(catalog, fq=f"metadata_modified:{{{cut}Z TO *]")) == later[:2]
    assert names(search(catalog, fq=f"metadata_modified:[* TO {cut}Z}}")) == ["koto-population"]
    assert search(catalog, fq="metadata_modified:[2024-01-01T00:00:00Z TO NOW]")["count"] == 4
    assert search(catalog, fq="metadata_modified:[NOW-1DAY TO *]")["count"] == 4
    with pytest.raises(SearchError):
        search(catalog, fq="metadata_modified:[yesterday TO *]")


def test_the_harvester_filter_mix(catalog, corpus):
    cut = corpus["koto-toilets"]["metadata_modified"]
    fq = f"+capacity:public organization:t131083 OR organization:t131016 metadata_modified:[{cut}Z TO *]"
    assert names(search(catalog, fq=fq)) == ["chiyoda-aed", "chiyoda-budget", "koto-toilets"]
    fq = f"organization:t131083 OR organization:nope metadata_modified:[{cut}Z TO *]"
    assert names(search(catalog, fq=fq)) == ["koto-toilets"]


def test_sorting(catalog, corpus):
    def order(sort):
        return [p["name"] for p in search(catalog, sort=sort)["results"]]

    assert order("name asc") == sorted(corpus)
    assert order("name desc") == sorted(corpus, reverse=True)
    assert order("metadata_modified desc") == list(corpus)[::-1]
    assert order("id asc") == [p["name"] for p in sorted(corpus.values(), key=lambda p: p["id"])]
    # NFKC-folded and lower-cased: "ＡＥＤ…" sorts as "aed…"
    assert order("title_string asc") == ["chiyoda-aed", "chiyoda-budget", "koto-toilets", "koto-population"]
    assert search(catalog)["sort"] == "score desc, metadata_modified desc"
    with pytest.raises(SearchQueryError):
        search(catalog, sort="nonsense asc")


def test_relevance_puts_title_matches_first(catalog, corpus):
    assert [p["name"] for p in search(catalog, q="人口")["results"]] == ["koto-population", "chiyoda-budget"]


def test_paging_with_id_order_visits_every_dataset_once(catalog, corpus):
    seen, start = [], 0
    while page := search(catalog, sort="id asc", rows=3, start=start)["results"]:
        seen += [p["id"] for p in page]
        start += 3
    assert seen == sorted(p["id"] for p in corpus.values())


def test_start_past_the_end_gives_an_empty_page_with_the_true_count(catalog, corpus):
    result = search(catalog, start=100)
    assert (result["count"], result["results"]) == (4, [])


def test_rows_default_and_cap(catalog, corpus):
    assert len(search(catalog, rows=5000)["results"]) == 4  # silently capped at 1000, like CKAN
    from catalog.search import engine as search_module

    assert search_module.parse_params({"rows": 5000}).rows == 1000
    assert search_module.parse_params({}).rows == 10


def test_facets_and_search_facets(catalog, corpus):
    result = search(catalog, **{"facet.field": FACETS})
    assert result["facets"]["organization"] == {"t131083": 2, "t131016": 2}
    assert result["facets"]["tags"] == {"statistics": 2, "AED": 1, "トイレ": 1, "人口": 1}  # count desc, then value
    assert result["facets"]["res_format"] == {"CSV": 2, "JSON": 1, "XLSX": 1}
    assert result["facets"]["groups"] == {"c006": 1}
    orgs = result["search_facets"]["organization"]
    assert orgs == {"title": "organization", "items": [
        {"name": "t131083", "display_name": "江東区", "count": 2},
        {"name": "t131016", "display_name": "千代田区", "count": 2}]}  # display_name descending, as CKAN
    licences = result["search_facets"]["license_id"]["items"]
    assert licences == [{"name": "CC-BY-4.0", "display_name": "クリエイティブ・コモンズ 表示（CC BY）", "count": 2},
                        {"name": "cc-by", "display_name": "Creative Commons Attribution", "count": 1}]
    assert result["search_facets"]["groups"]["items"][0]["display_name"] == "生活"


def test_facet_limit_mincount_and_list_form(catalog, corpus):
    result = search(catalog, **{"facet.field": ["tags"], "facet.limit": 1})
    assert result["facets"]["tags"] == {"statistics": 2}
    result = search(catalog, **{"facet.field": '["tags"]', "facet.mincount": 2})
    assert result["facets"]["tags"] == {"statistics": 2}
    assert search(catalog)["facets"] == {} and search(catalog)["search_facets"] == {}
    assert search(catalog, **{"facet.field": '["extras_quality_status"]'})["facets"] == {
        "extras_quality_status": {"invalid": 1, "valid": 1}}


def test_facets_follow_the_query(catalog, corpus):
    result = search(catalog, q="人口", fq="organization:t131083", **{"facet.field": FACETS})
    assert result["count"] == 1
    assert result["facets"]["organization"] == {"t131083": 1}
    assert result["facets"]["tags"] == {"statistics": 1, "人口": 1}


def test_fl_returns_flat_solr_fields(catalog, corpus):
    result = search(catalog, fl="id,name,metadata_modified", sort="name asc", rows=1)
    first = corpus["chiyoda-aed"]
    assert result["results"] == [{"id": first["id"], "name": "chiyoda-aed",
                                  "metadata_modified": first["metadata_modified"] + "Z"}]


def test_unknown_parameters_are_rejected(catalog):
    with pytest.raises(SearchQueryError, match=r"Invalid search parameters: \['foo'\]"):
        search(catalog, foo="bar")
    search(catalog, ext_bbox="1,2,3,4")  # ext_* are for plugins and allowed


def test_draft_datasets_only_with_include_drafts(catalog, corpus):
    helpers.dataset(catalog, "t131083", name="koto-draft", state="draft", title="下書きの人口")
    assert "koto-draft" not in names(search(catalog, q="人口"))
    assert "koto-draft" in names(search(catalog, q="人口", include_drafts=True))


@pytest.fixture(params=["lookup-and-sort", "walk-sort-index"])
def strategy(request, monkeypatch):
    """Both ways of reading a page (few hits: look up and sort; many hits: walk a sort index)."""
    from catalog.search import engine as search_module

    monkeypatch.setattr(search_module, "SMALL", 2000 if request.param == "lookup-and-sort" else 0)
    return request.param


def test_relevance_tiers_page_consistently(catalog, strategy):
    org = helpers.org(catalog, name="t131083", title="江東区")
    in_title = [helpers.dataset(catalog, org, name=f"title-{i}", title=f"人口 {i}")["name"] for i in range(3)]
    in_notes = [helpers.dataset(catalog, org, name=f"notes-{i}", title=f"統計 {i}", notes="人口")["name"]
                for i in range(3)]
    helpers.dataset(catalog, org, name="other", title="予算")
    expected = in_title[::-1] + in_notes[::-1]  # title matches first, each tier newest first
    pages = [search(catalog, q="人口", rows=2, start=s)["results"] for s in range(0, 8, 2)]
    assert [p["name"] for page in pages for p in page] == expected
    assert [p["name"] for p in search(catalog, q="人口", sort="score asc, metadata_modified desc", rows=10)
            ["results"]] == in_notes[::-1] + in_title[::-1]


def test_sort_orders_with_both_strategies(catalog, corpus, strategy):
    def order(sort, **kw):
        return [p["name"] for p in search(catalog, sort=sort, **kw)["results"]]

    assert order("name asc", q="統計 OR statistics") == ["chiyoda-budget", "koto-population"]
    assert order("metadata_modified desc", fq="tags:statistics") == ["chiyoda-budget", "koto-population"]
    assert order("id asc", q="人口", rows=1, start=1) == [
        sorted((corpus["koto-population"], corpus["chiyoda-budget"]), key=lambda p: p["id"])[1]["name"]]
    assert order("metadata_modified desc", fq="metadata_modified:[* TO NOW] -tags:AED", rows=2, start=1) == [
        "koto-toilets", "koto-population"]


def test_an_update_moves_a_dataset_to_the_front(catalog, corpus):
    catalog.call_action("package_patch", {"id": "koto-population", "notes": "更新"})
    newest_first = [p["name"] for p in search(catalog, sort="metadata_modified desc")["results"]]
    assert newest_first == ["koto-population", "chiyoda-budget", "chiyoda-aed", "koto-toilets"]
    oldest_first = search(catalog, sort="metadata_modified asc")["results"]
    assert [p["name"] for p in oldest_first] == newest_first[::-1]
    stamps = [p["metadata_modified"] for p in oldest_first]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_cached_facets_follow_writes_and_renames(catalog, corpus, monkeypatch):
    from catalog.search import facets

    monkeypatch.setattr(facets, "CACHE_FROM", 0)  # cache even this small result
    first = search(catalog, **{"facet.field": '["organization"]'})["facets"]
    assert search(catalog, **{"facet.field": '["organization"]'})["facets"] == first
    helpers.dataset(catalog, "t131083")
    assert search(catalog, **{"facet.field": '["organization"]'})["facets"]["organization"]["t131083"] == 3
    catalog.call_action("organization_patch", {"id": "t131083", "name": "koto"})
    assert search(catalog, **{"facet.field": '["organization"]'})["facets"]["organization"] == {
        "koto": 3, "t131016": 2}


def _brute_force(catalog, field: str, **params) -> dict:
    """Facet counts worked out from the full package dicts of every hit (what Solr would count)."""
    found = catalog.call_action("package_search", {**params, "rows": 1000})["results"]
    counts: dict[str, int] = {}
    for p in found:
        if field == "organization":
            values = [p["organization"]["name"]] if p.get("organization") else []
        elif field == "tags":
            values = [t["name"] for t in p["tags"]]
        elif field == "res_format":
            values = sorted({r["format"] for r in p["resources"] if r.get("format")})
        else:
            values = [e["value"] for e in p["extras"] if e["key"] == field[len("extras_"):]]
        for v in values:
            counts[v] = counts.get(v, 0) + 1
    return counts


def test_facet_index_follows_updates_of_the_newest_package_and_deletes(catalog, corpus):
    """The newest package's rowid is reused when it is rewritten: its old facet values must not be counted."""
    fields = ["organization", "tags", "res_format", "extras_quality_status"]
    spec = {"facet.field": fields, "facet.limit": -1}
    search(catalog, **spec)                                   # builds the index
    newest = corpus["chiyoda-budget"]["id"]
    for i, tags in enumerate([["aa"], ["bb", "cc"], ["cc"]]):
        catalog.call_action("package_patch", {"id": newest, "tags": [{"name": t} for t in tags],
                                              "extras": [{"key": "quality_status", "value": f"s{i}"}]})
        for q in ({}, {"q": "人口"}, {"fq": "organization:t131016"}):
            facets = search(catalog, **spec, **q)["facets"]
            for f in fields:
                assert facets[f] == _brute_force(catalog, f, **q), (i, q, f)
    assert search(catalog, **spec)["facets"]["tags"] == {"statistics": 1, "AED": 1, "トイレ": 1, "人口": 1, "cc": 1}
    catalog.call_action("package_delete", {"id": "koto-toilets"})
    facets = search(catalog, **spec)["facets"]
    assert "トイレ" not in facets["tags"] and facets["organization"] == {"t131016": 2, "t131083": 1}
    assert facets["extras_quality_status"] == {"invalid": 1, "s2": 1}


def test_column_names_of_uploaded_tables_are_searched(catalog):
    """A toilet list may say オストメイト or 車椅子 only as a column: its CSV header and Parquet schema are indexed."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    org = helpers.org(catalog)
    csv_pkg = helpers.dataset(catalog, org, title="区内施設一覧 A")
    catalog.call_action("resource_create", {"package_id": csv_pkg["id"], "name": "施設.csv", "upload": (
        "施設.csv", io.BytesIO("\ufeff名称,オストメイト対応,_row\n区役所,有,2\n".encode("utf-8")))})
    parquet_pkg = helpers.dataset(catalog, org, title="区内施設一覧 B")
    buf = io.BytesIO()
    pq.write_table(pa.table({"名称": ["体育館"], "車椅子使用者用トイレ": ["有"]}), buf)
    buf.seek(0)
    catalog.call_action("resource_create", {"package_id": parquet_pkg["id"], "name": "施設.parquet",
                                            "upload": ("施設.parquet", buf)})
    plain = helpers.dataset(catalog, org, title="区内施設一覧 C")

    def names(q: str) -> set[str]:
        return {p["name"] for p in catalog.call_action("package_search", {"q": q, "rows": 50})["results"]}

    assert names("オストメイト") == {csv_pkg["name"]}
    assert names("車椅子使用者用トイレ") == {parquet_pkg["name"]}
    assert plain["name"] not in names("オストメイト") | names("車椅子")
    assert names("_row") == set()                    # internal columns are not words of the dataset
