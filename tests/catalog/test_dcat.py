"""DCAT-AP over HTTP: the RDF parses back with rdflib and holds ckanext-dcat's triples; paging; privacy."""
from __future__ import annotations

import io

import pytest
from rdflib import Graph, Literal, Namespace, URIRef, namespace

from catalog.dcat import graph as dcat
from tests.catalog import helpers

HYDRA = dcat.HYDRA
SITE = helpers.SITE
# open copies: pytest's collection probes module globals, and rdflib's closed namespaces warn on unknown names
DCAT, DCTERMS, FOAF, RDF, XSD = (Namespace(str(getattr(namespace, n)))
                                 for n in ("DCAT", "DCTERMS", "FOAF", "RDF", "XSD"))


@pytest.fixture
def toilets(catalog) -> dict:
    helpers.org(catalog, name="t131083", title="江東区")
    helpers.group(catalog, name="c006", title="くらし")
    pkg = helpers.dataset(catalog, "t131083", name="koto-toilets", title="公衆トイレ一覧", notes="江東区の公衆トイレ",
                          license_id="CC-BY-4.0", tags=[{"name": "トイレ"}], groups=[{"name": "c006"}],
                          url="https://www.city.koto.lg.jp/toilets.html", maintainer="江東区 環境保全課",
                          maintainer_email="kankyo@city.koto.lg.jp",
                          extras=[{"key": "title_en", "value": "Public toilets"},
                                  {"key": "notes_en", "value": "Public toilets in Koto"},
                                  {"key": "update_frequency", "value": "annual"},
                                  {"key": "data_modified", "value": "2024-04-01"},
                                  {"key": "publisher_code", "value": "131083"}])
    catalog.call_action("resource_create", {"package_id": pkg["id"], "name": "公衆トイレ一覧 (CSV)",
                                            "upload": ("toilets.csv", io.BytesIO("名称\nA\n".encode()))})
    return catalog.call_action("package_show", {"id": pkg["id"]})


def graph(response, fmt: str = "turtle") -> Graph:
    assert response.status_code == 200, response.text
    return Graph().parse(data=response.content, format=fmt)


def test_catalog_turtle_has_the_dataset_mapped_as_ckanext_dcat(client, toilets):
    r = client.get("/catalog.ttl")
    assert r.headers["content-type"].startswith("text/turtle")
    g = graph(r)
    ds = URIRef(f"{SITE}/dataset/{toilets['id']}")
    assert (URIRef(SITE), RDF.type, DCAT.Catalog) in g and (URIRef(SITE), DCAT.dataset, ds) in g
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert set(g.objects(ds, DCTERMS.title)) == {Literal("公衆トイレ一覧", lang="ja"),
                                                 Literal("Public toilets", lang="en")}
    assert set(g.objects(ds, DCTERMS.description)) == {Literal("江東区の公衆トイレ", lang="ja"),
                                                       Literal("Public toilets in Koto", lang="en")}
    assert (ds, DCAT.keyword, Literal("トイレ", lang="ja")) in g
    assert (ds, DCTERMS.identifier, Literal(toilets["id"])) in g
    assert (ds, DCTERMS.issued, Literal(toilets["metadata_created"], datatype=XSD.dateTime)) in g
    assert (ds, DCTERMS.modified, Literal("2024-04-01", datatype=XSD.date)) in g
    assert (ds, DCAT.landingPage, URIRef("https://www.city.koto.lg.jp/toilets.html")) in g
    assert (ds, DCTERMS.accrualPeriodicity,
            URIRef("http://publications.europa.eu/resource/authority/frequency/ANNUAL")) in g
    assert (ds, DCAT.theme, URIRef(f"{SITE}/group/c006")) in g


def test_publisher_contact_and_distribution(client, toilets):
    g = graph(client.get("/catalog.ttl"))
    ds = URIRef(f"{SITE}/dataset/{toilets['id']}")
    publisher = URIRef(f"{SITE}/organization/{toilets['owner_org']}")
    assert (ds, DCTERMS.publisher, publisher) in g and (publisher, RDF.type, FOAF.Agent) in g
    assert (publisher, FOAF.name, Literal("江東区", lang="ja")) in g
    assert (publisher, DCTERMS.identifier, Literal("131083")) in g
    contact = g.value(ds, DCAT.contactPoint)
    assert g.value(contact, dcat.VCARD.hasEmail) == URIRef("mailto:kankyo@city.koto.lg.jp")
    res = toilets["resources"][0]
    dist = URIRef(f"{SITE}/dataset/{toilets['id']}/resource/{res['id']}")
    assert (ds, DCAT.distribution, dist) in g and (dist, RDF.type, DCAT.Distribution) in g
    assert (dist, DCTERMS.title, Literal("公衆トイレ一覧 (CSV)", lang="ja")) in g
    assert (dist, DCAT.accessURL, URIRef(res["url"])) in g and (dist, DCAT.downloadURL, URIRef(res["url"])) in g
    assert (dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv")) in g
    # DCAT-AP: the EU file-type IRI, not a literal (issue 16; SHACL conformance in test_dcat_shacl.py)
    assert (dist, DCTERMS["format"], URIRef("http://publications.europa.eu/resource/authority/file-type/CSV")) in g
    assert g.value(dist, DCAT.byteSize).toPython() == res["size"]
    assert (dist, DCTERMS.license, URIRef(toilets["license_url"])) in g


@pytest.mark.parametrize("ext, fmt, media", [("jsonld", "json-ld", "application/ld+json"),
                                             ("rdf", "xml", "application/rdf+xml"),
                                             ("xml", "xml", "application/rdf+xml")])
def test_other_serializations_parse_back_to_the_same_triples(client, toilets, ext, fmt, media):
    r = client.get(f"/catalog.{ext}")
    assert r.headers["content-type"].startswith(media)
    assert without_paging(graph(r, fmt)).isomorphic(without_paging(graph(client.get("/catalog.ttl"))))


def without_paging(g: Graph) -> Graph:
    """The graph minus its Hydra page node (whose URI names the format)."""
    for page in list(g.subjects(RDF.type, HYDRA.PagedCollection)):
        g.remove((page, None, None))
    return g


def test_dataset_endpoint(client, toilets):
    for name in (toilets["name"], toilets["id"]):
        g = graph(client.get(f"/dataset/{name}.ttl"))
        ds = URIRef(f"{SITE}/dataset/{toilets['id']}")
        assert (ds, RDF.type, DCAT.Dataset) in g and (None, RDF.type, DCAT.Catalog) not in g
    assert len(graph(client.get(f"/dataset/{toilets['name']}.jsonld"), "json-ld")) > 10
    assert client.get("/dataset/nope.ttl").status_code == 404


def test_private_datasets_stay_out_for_outsiders(client, home, catalog, toilets):
    helpers.org(catalog, name="internal")
    secret = helpers.dataset(catalog, "internal", name="secret", title="庁内限定データ", private=True)
    assert "庁内限定データ" not in client.get("/catalog.ttl").text
    assert client.get("/dataset/secret.ttl").status_code == 403
    outsider = helpers.person(home)
    assert client.get("/dataset/secret.ttl", headers=outsider.headers).status_code == 403
    member = helpers.person(home, org="internal", role="member")
    g = graph(client.get("/dataset/secret.ttl", headers=member.headers))
    assert (URIRef(f"{SITE}/dataset/{secret['id']}"), RDF.type, DCAT.Dataset) in g


def test_paging_with_hydra(client, catalog, monkeypatch):
    monkeypatch.setattr(dcat, "PER_PAGE", 2)
    helpers.org(catalog, name="t1")
    for i in range(5):
        helpers.dataset(catalog, "t1", name=f"ds-{i}")
    g = graph(client.get("/catalog.ttl"))
    page1 = URIRef(f"{SITE}/catalog.ttl?page=1")
    assert (page1, RDF.type, HYDRA.PagedCollection) in g
    assert g.value(page1, HYDRA.totalItems).toPython() == 5
    assert g.value(page1, HYDRA.itemsPerPage).toPython() == 2
    assert str(g.value(page1, HYDRA.next)) == f"{SITE}/catalog.ttl?page=2"
    assert str(g.value(page1, HYDRA.nextPage)) == f"{SITE}/catalog.ttl?page=2"
    assert str(g.value(page1, HYDRA.last)) == f"{SITE}/catalog.ttl?page=3"
    assert g.value(page1, HYDRA.previous) is None
    assert len(list(g.objects(URIRef(SITE), DCAT.dataset))) == 2
    g3 = graph(client.get("/catalog.ttl", params={"page": 3}))
    page3 = URIRef(f"{SITE}/catalog.ttl?page=3")
    assert str(g3.value(page3, HYDRA.previous)) == f"{SITE}/catalog.ttl?page=2" and g3.value(page3, HYDRA.next) is None
    assert len(list(g3.objects(URIRef(SITE), DCAT.dataset))) == 1
    names = set()
    for page in (1, 2, 3):
        gp = graph(client.get("/catalog.ttl", params={"page": page}))
        names |= {str(o) for o in gp.objects(URIRef(SITE), DCAT.dataset)}
    assert len(names) == 5  # newest first, every dataset exactly once


def test_modified_since(client, catalog, toilets):
    g = graph(client.get("/catalog.ttl", params={"modified_since": "2000-01-01"}))
    page = URIRef(f"{SITE}/catalog.ttl?modified_since=2000-01-01&page=1")
    assert g.value(page, HYDRA.totalItems).toPython() == 1
    g = graph(client.get("/catalog.ttl", params={"modified_since": "2999-01-01T00:00:00"}))
    assert list(g.objects(URIRef(SITE), DCAT.dataset)) == [] and (None, RDF.type, HYDRA.PagedCollection) not in g


@pytest.mark.parametrize("params, message", [({"page": "0"}, "Page param must be a positive integer"),
                                             ({"page": "x"}, "Page param must be a positive integer"),
                                             ({"modified_since": "yesterday"}, "Wrong modified date format")])
def test_bad_parameters_are_400(client, toilets, params, message):
    r = client.get("/catalog.ttl", params=params)
    assert (r.status_code, r.text) == (400, message)
