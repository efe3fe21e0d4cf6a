"""CKAN's DataStore write API through the real ``ckanapi`` client against a real server: datastore_create,
datastore_upsert (insert / upsert / update, dry_run), datastore_delete; searches see every write; writes survive
a restart; bad writes get CKAN's ValidationError and change nothing; published tables are read-only unless force."""
from __future__ import annotations

import io

import ckanapi
import pytest

from catalog.store import users
from tests.catalog import helpers
from tests.catalog.test_datastore import WARDS, parquet_bytes
from tests.servers import catalog_server

FIELDS = [{"id": "ward_code", "type": "text"}, {"id": "ward", "type": "text"}, {"id": "population", "type": "int"},
          {"id": "ratio", "type": "numeric"}, {"id": "as_of", "type": "date"}]
RECORDS = [{"ward_code": "131016", "ward": "千代田区", "population": 68835, "ratio": 1.5, "as_of": "2024-01-01"},
           {"ward_code": "131024", "ward": "中央区", "population": 177000, "ratio": 2.25, "as_of": "2024-01-01"},
           {"ward_code": "131032", "ward": "港区", "population": 261000, "ratio": 3.0, "as_of": "2024-01-01"}]


@pytest.fixture
def setup(home, catalog):
    helpers.org(catalog, name="t000029", title="総務局")
    pkg = helpers.dataset(catalog, "t000029", name="wards")
    published = catalog.call_action("resource_create", {"package_id": pkg["id"], "name": "pop.parquet",
                                                        "upload": ("pop.parquet", parquet_bytes(WARDS))})
    editor = helpers.person(home, org="t000029", role="editor")
    outsider = helpers.person(home)
    return pkg, published, editor, outsider


def rows(ckan, resource_id, **params):
    return ckan.action.datastore_search(resource_id=resource_id, sort="_id", **params)["records"]


def test_create_upsert_update_delete_through_ckanapi(home, setup):
    pkg, _, editor, _ = setup
    with catalog_server(home) as url:
        ckan = ckanapi.RemoteCKAN(url, apikey=editor.token)
        created = ckan.action.datastore_create(resource={"package_id": pkg["id"], "name": "人口"}, fields=FIELDS,
                                               records=RECORDS, primary_key=["ward_code"])
        rid = created["resource_id"]
        assert created == {"delete_fields": False, "primary_key": ["ward_code"], "resource_id": rid,
                           "fields": FIELDS, "method": "insert"}
        assert ckan.action.resource_show(id=rid)["datastore_active"] is True
        assert [r["ward"] for r in rows(ckan, rid)] == ["千代田区", "中央区", "港区"]
        fields = {f["id"]: f["type"] for f in ckan.action.datastore_info(id=rid)["fields"]}
        assert fields == {"ward_code": "text", "ward": "text", "population": "int4", "ratio": "numeric",
                          "as_of": "date"}

        ckan.action.datastore_upsert(resource_id=rid, method="upsert",
                                     records=[{"ward_code": "131032", "population": 262000},
                                              {"ward_code": "131041", "ward": "新宿区", "population": 349000}])
        got = {r["ward_code"]: r for r in rows(ckan, rid)}
        assert got["131032"]["population"] == 262000 and got["131032"]["ward"] == "港区"  # other fields kept
        assert got["131041"]["ward"] == "新宿区" and got["131041"]["ratio"] is None
        ckan.action.datastore_upsert(resource_id=rid, method="update", records=[{"ward_code": "131016", "ratio": 9}])
        assert rows(ckan, rid, filters={"ward_code": "131016"})[0]["ratio"] == 9.0
        ckan.action.datastore_upsert(resource_id=rid, method="insert", dry_run=True,
                                     records=[{"ward_code": "131059", "ward": "文京区"}])
        assert ckan.action.datastore_search(resource_id=rid)["total"] == 4  # dry run wrote nothing
        sql = ckan.action.datastore_search_sql(sql=f'SELECT sum(population) AS n FROM "{rid}"')
        assert sql["records"] == [{"n": 68835 + 177000 + 262000 + 349000}]

        ckan.action.datastore_delete(resource_id=rid, filters={"ward": "中央区"})
        assert [r["ward"] for r in rows(ckan, rid)] == ["千代田区", "港区", "新宿区"]
        ckan.action.datastore_records_delete(resource_id=rid, filters={"ward_code": ["131041", "nope"]})
        assert [r["ward"] for r in rows(ckan, rid)] == ["千代田区", "港区"]
    with catalog_server(home) as url:  # a new server process state: the table is read from disk
        ckan = ckanapi.RemoteCKAN(url, apikey=editor.token)
        assert [r["ward"] for r in rows(ckan, rid)] == ["千代田区", "港区"]
        ckan.action.datastore_delete(resource_id=rid)
        assert ckan.action.resource_show(id=rid)["datastore_active"] is False
        with pytest.raises(ckanapi.NotFound):
            ckan.action.datastore_search(resource_id=rid)


@pytest.mark.parametrize("bad, error_key", [
    ({"records": [{"ward_code": "131016", "population": "many"}]}, "records"),         # wrong type
    ({"records": [{"ward_code": "131016", "colour": "red"}]}, "records"),              # unknown field
    ({"records": [{"ward_code": "131016"}], "method": "insert"}, "constraints"),       # duplicate key
    ({"records": [{"ward_code": "999999", "ward": "x"}], "method": "update"}, "key"),  # update of no row
    ({"records": [{"ward_code": str(n)} for n in range(32001)]}, "records"),           # over the record cap
])
def test_bad_writes_are_validation_errors_and_change_nothing(home, catalog, setup, bad, error_key):
    pkg, _, editor, _ = setup
    with catalog_server(home) as url:
        ckan = ckanapi.RemoteCKAN(url, apikey=editor.token)
        rid = ckan.action.datastore_create(resource={"package_id": pkg["id"]}, fields=FIELDS, records=RECORDS,
                                           primary_key="ward_code")["resource_id"]
        before = rows(ckan, rid)
        with pytest.raises(ckanapi.ValidationError) as err:
            ckan.action.datastore_upsert(resource_id=rid, **bad)
        assert error_key in err.value.error_dict, err.value.error_dict
        assert rows(ckan, rid) == before


def test_published_tables_are_read_only_unless_forced_and_writes_need_an_editor(home, setup):
    pkg, published, editor, outsider = setup
    with catalog_server(home) as url:
        ckan = ckanapi.RemoteCKAN(url, apikey=editor.token)
        first = rows(ckan, published["id"], limit=1)[0]
        with pytest.raises(ckanapi.ValidationError) as err:
            ckan.action.datastore_upsert(resource_id=published["id"], method="insert", records=[{}])
        assert "read-only" in err.value.error_dict
        with pytest.raises(ckanapi.NotAuthorized):
            ckanapi.RemoteCKAN(url, apikey=outsider.token).action.datastore_create(
                resource_id=published["id"], force=True, records=[])
        total = ckan.action.datastore_search(resource_id=published["id"])["total"]
        ckan.action.datastore_upsert(resource_id=published["id"], method="insert", force=True,
                                     records=[{k: v for k, v in first.items() if k != "_id"}])
        assert ckan.action.datastore_search(resource_id=published["id"])["total"] == total + 1
        download = home / "catalog" / "files" / published["id"] / "pop.parquet"
        assert download.read_bytes() == parquet_bytes(WARDS).getvalue()  # the published file is untouched
        ckan.action.datastore_delete(resource_id=published["id"], force=True)  # back to the published table
        assert ckan.action.datastore_search(resource_id=published["id"])["total"] == total


def test_aliases_and_indexes_as_ckan(home, setup):
    """``aliases`` name the table for datastore_search, _info and _search_sql; ``indexes`` (and the primary key)
    are reported by datastore_info; a taken alias is a ValidationError that writes nothing."""
    pkg, published, editor, _ = setup
    with catalog_server(home) as url:
        ckan = ckanapi.RemoteCKAN(url, apikey=editor.token)
        created = ckan.action.datastore_create(resource={"package_id": pkg["id"], "name": "人口"}, fields=FIELDS,
                                               records=RECORDS, primary_key="ward_code", indexes=["ward"],
                                               aliases="wards_population")
        rid = created["resource_id"]
        assert created["aliases"] == "wards_population" and created["indexes"] == ["ward"]
        by_alias = ckan.action.datastore_search(resource_id="wards_population", sort="_id")
        assert [r["ward"] for r in by_alias["records"]] == ["千代田区", "中央区", "港区"]
        info = ckan.action.datastore_info(id="wards_population")
        assert info["meta"]["id"] == rid and info["meta"]["aliases"] == ["wards_population"]
        schema = {f["id"]: f["schema"] for f in info["fields"]}
        assert schema["ward_code"]["is_index"] and schema["ward_code"]["uniquekey"]
        assert schema["ward"]["is_index"] and not schema["ward"]["uniquekey"] and schema["ward"]["index_name"]
        assert not schema["population"]["is_index"] and schema["population"]["index_name"] is None
        sql = ckan.action.datastore_search_sql(sql='SELECT sum(population) AS total FROM "wards_population"')
        assert sql["records"] == [{"total": 68835 + 177000 + 261000}]

        other = ckan.action.datastore_create(resource={"package_id": pkg["id"], "name": "別表"},
                                             fields=[{"id": "x", "type": "int"}], records=[{"x": 1}])
        for alias in ("wards_population", published["id"], 'bad"name'):
            with pytest.raises(ckanapi.ValidationError) as err:
                ckan.action.datastore_create(resource_id=other["resource_id"], aliases=alias,
                                             records=[{"x": 2}])
            assert "aliases" in err.value.error_dict
        assert ckan.action.datastore_search(resource_id=other["resource_id"])["total"] == 1   # nothing written
        with pytest.raises(ckanapi.ValidationError) as err:
            ckan.action.datastore_create(resource_id=rid, indexes="nope")
        assert "indexes" in err.value.error_dict
        ckan.action.datastore_delete(resource_id=rid)
        with pytest.raises(ckanapi.NotFound):
            ckan.action.datastore_search(resource_id="wards_population")
