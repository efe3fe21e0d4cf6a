"""DCAT-AP RDF of the catalog (``/catalog.ttl|jsonld|rdf|xml|n3``) and of one dataset (``/dataset/<id>.ttl``).

The shape is ckanext-dcat's (v2.4.3, profile ``euro_dcat_ap``; reference/ckan_contract.md §6), so its RDF
harvester can harvest us by following ``hydra:next``: the same URIs (``{site}/dataset/{id}``,
``{site}/dataset/{package_id}/resource/{id}``, ``{site}/organization/{owner_org}``), the same field mapping,
100 datasets per page with a Hydra PagedCollection. Differences, on purpose: titles, descriptions and
keywords carry ``@ja`` (and ``@en`` from the ``title_en``/``notes_en`` extras); ``dct:modified`` prefers
the ``data_modified`` extra (when the content last changed) over ``metadata_modified``; ``dcat:mediaType``
is the IANA URI; ``dcat:byteSize`` an ``xsd:nonNegativeInteger`` (DCAT-AP 3); ``dct:accrualPeriodicity``
is the EU frequency URI; groups become ``dcat:theme``; resources inherit the dataset's licence.

Every dataset comes from ``package_search``/``package_show`` called with the caller's context, so what a
caller cannot see through the API does not appear here either; the catalog never lists private datasets.
"""
from __future__ import annotations

from datetime import datetime

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, XSD
from starlette.responses import PlainTextResponse

from catalog.context import Context

PER_PAGE = 100  # ckanext.dcat.datasets_per_page
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU_FREQUENCY = "http://publications.europa.eu/resource/authority/frequency/"
JAPANESE = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
IANA = "https://www.iana.org/assignments/media-types/"
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "xml": "xml", "n3": "n3"}
_FREQUENCIES = {"continuous": "CONT", "hourly": "HOURLY", "daily": "DAILY", "semidaily": "DAILY_2",
                "weekly": "WEEKLY", "biweekly": "BIWEEKLY", "semiweekly": "WEEKLY_2", "monthly": "MONTHLY",
                "semimonthly": "MONTHLY_2", "bimonthly": "BIMONTHLY", "quarterly": "QUARTERLY",
                "threeTimesAYear": "ANNUAL_3", "semiannual": "ANNUAL_2", "annual": "ANNUAL", "yearly": "ANNUAL",
                "biennial": "BIENNIAL", "triennial": "TRIENNIAL", "quinquennial": "QUINQUENNIAL",
                "irregular": "IRREG", "punctual": "OP_DATPRO", "unknown": "UNKNOWN"}
_PAGE_PARAMS = ("modified_since", "profiles", "q", "fq")
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "owl": OWL, "hydra": HYDRA, "vcard": VCARD, "spdx": SPDX,
            "rdf": RDF, "xsd": XSD}


class BadParameter(ValueError):
    """A ``page`` or ``modified_since`` the catalog endpoint cannot use (HTTP 400, as ckanext-dcat)."""


def render_catalog(context: Context, fmt: str, params: dict):
    """The catalog page ``params["page"]`` (1-based) as bytes; a 400 response for a bad page or date."""
    try:
        graph = catalog_graph(context, fmt, params)
    except BadParameter as exc:
        return PlainTextResponse(str(exc), status_code=400)
    return serialize(graph, fmt)


def render_dataset(context: Context, id: str, fmt: str) -> bytes:
    """One dataset; ``NotFound``/``NotAuthorized`` from ``package_show`` propagate (404/403)."""
    from catalog.actions import get_action

    graph = _graph()
    _add_dataset(graph, context.site_url, get_action("package_show")(context, {"id": id}))
    return serialize(graph, fmt)


def serialize(graph: Graph, fmt: str) -> bytes:
    if fmt == "jsonld":
        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, auto_compact=True, encoding="utf-8")
    return graph.serialize(format=RDFLIB_FORMATS[fmt], encoding="utf-8")


def catalog_graph(context: Context, fmt: str, params: dict) -> Graph:
    """The dcat:Catalog with one page of its datasets and, when there are any, Hydra paging."""
    from catalog.actions import get_action

    page = _page(params.get("page"))
    fq_list = ["-dataset_type:harvest", "-dataset_type:showcase"]
    if params.get("modified_since"):
        fq_list.append(f"metadata_modified:[{_since(params['modified_since'])} TO NOW]")
    search = get_action("package_search")
    found = search(context, {"q": params.get("q") or "", "fq": params.get("fq") or "", "fq_list": fq_list,
                             "rows": PER_PAGE, "start": PER_PAGE * (page - 1), "sort": "metadata_modified desc"})
    site = context.site_url.rstrip("/")
    graph = _graph()
    catalog = URIRef(site)
    status = get_action("status_show")(context, {})
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(status.get("site_title") or site, lang="ja")))
    graph.add((catalog, FOAF.homepage, URIRef(site)))
    graph.add((catalog, DCTERMS.language, JAPANESE))
    newest = search(context, {"rows": 1, "sort": "metadata_modified desc"})["results"]
    if newest:
        graph.add((catalog, DCTERMS.modified, _datetime(newest[0]["metadata_modified"])))
    for package in found["results"]:
        graph.add((catalog, DCAT.dataset, _add_dataset(graph, site, package)))
    if found["count"]:
        _add_paging(graph, f"{site}/catalog.{fmt}", params, page, found)
    return graph


def _graph() -> Graph:
    graph = Graph(bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    return graph


def _page(value) -> int:
    try:
        page = int(value or 1)
    except (TypeError, ValueError):
        page = 0
    if page < 1:
        raise BadParameter("Page param must be a positive integer")  # ckanext-dcat's message
    return page


def _since(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadParameter("Wrong modified date format") from None
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _add_paging(graph: Graph, base: str, params: dict, page: int, found: dict) -> None:
    """ckanext-dcat's ``_pagination_info`` + ``_add_pagination_triples`` (old and new Hydra terms)."""
    kept = "&".join(f"{k}={params[k]}" for k in _PAGE_PARAMS if params.get(k))

    def url(n: int) -> str:
        return f"{base}?{kept}&page={n}" if kept else f"{base}?page={n}"

    count = found["count"]
    last = -(-count // PER_PAGE) or 1
    ref = URIRef(url(page))
    graph.add((ref, RDF.type, HYDRA.PagedCollection))
    graph.add((ref, HYDRA.totalItems, Literal(count)))
    graph.add((ref, HYDRA.itemsPerPage, Literal(PER_PAGE)))
    links = {"first": 1, "last": last}
    if page > 1:
        links["previous"] = page - 1 if (page - 1) * PER_PAGE + len(found["results"]) <= count else last
    if page * PER_PAGE < count:
        links["next"] = page + 1
    for key, number in links.items():
        for predicate in (HYDRA[key], HYDRA[f"{key}Page"]):
            graph.add((ref, predicate, Literal(url(number))))


def _extras(package: dict) -> dict:
    return {e["key"]: e["value"] for e in package.get("extras") or []}


def _text(graph: Graph, subject, predicate, value, lang: str = "ja") -> None:
    if value not in (None, ""):
        graph.add((subject, predicate, Literal(value, lang=lang)))


def _datetime(value: str) -> Literal:
    kind = XSD.date if len(value) == 10 else XSD.dateTime
    return Literal(value, datatype=kind)


def _add_dataset(graph: Graph, site: str, package: dict) -> URIRef:
    extras = _extras(package)
    ref = URIRef(package.get("uri") or extras.get("uri") or f"{site}/dataset/{package['id']}")
    graph.add((ref, RDF.type, DCAT.Dataset))
    _text(graph, ref, DCTERMS.title, package.get("title") or package["name"])
    _text(graph, ref, DCTERMS.title, extras.get("title_en"), "en")
    _text(graph, ref, DCTERMS.description, package.get("notes"))
    _text(graph, ref, DCTERMS.description, extras.get("notes_en"), "en")
    for tag in package.get("tags") or []:
        _text(graph, ref, DCAT.keyword, tag["name"])
    graph.add((ref, DCTERMS.identifier, Literal(extras.get("identifier") or extras.get("guid") or package["id"])))
    graph.add((ref, DCTERMS.issued, _datetime(package["metadata_created"])))
    graph.add((ref, DCTERMS.modified, _datetime(extras.get("data_modified") or package["metadata_modified"])))
    if package.get("url"):
        graph.add((ref, DCAT.landingPage, URIRef(package["url"])))
    version = package.get("version") or extras.get("version")
    if version:
        graph.add((ref, OWL.versionInfo, Literal(version)))
    frequency = extras.get("update_frequency") or extras.get("frequency")
    if frequency:
        code = _FREQUENCIES.get(frequency)
        graph.add((ref, DCTERMS.accrualPeriodicity, URIRef(EU_FREQUENCY + code) if code else Literal(frequency)))
    for group in package.get("groups") or []:
        graph.add((ref, DCAT.theme, URIRef(f"{site}/group/{group['name']}")))
    _add_publisher(graph, site, ref, package, extras)
    _add_contact(graph, ref, package)
    for resource in package.get("resources") or []:
        graph.add((ref, DCAT.distribution, _add_distribution(graph, site, package, resource)))
    return ref


def _add_publisher(graph: Graph, site: str, dataset: URIRef, package: dict, extras: dict) -> None:
    org = package.get("organization")
    if not org:
        return
    ref = URIRef(f"{site}/organization/{package.get('owner_org') or org['id']}")
    graph.add((dataset, DCTERMS.publisher, ref))
    graph.add((ref, RDF.type, FOAF.Agent))
    _text(graph, ref, FOAF.name, org.get("title") or org.get("name"))
    if extras.get("publisher_code"):  # 全国地方公共団体コード
        graph.add((ref, DCTERMS.identifier, Literal(extras["publisher_code"])))


def _add_contact(graph: Graph, dataset: URIRef, package: dict) -> None:
    name = package.get("maintainer") or package.get("author")
    email = package.get("maintainer_email") or package.get("author_email")
    if not (name or email):
        return
    contact = BNode()
    graph.add((dataset, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    if name:
        _text(graph, contact, VCARD.fn, name)
    if email:
        graph.add((contact, VCARD.hasEmail, URIRef(email if email.startswith("mailto:") else f"mailto:{email}")))


def _add_distribution(graph: Graph, site: str, package: dict, resource: dict) -> URIRef:
    ref = URIRef(resource.get("uri") or f"{site}/dataset/{package['id']}/resource/{resource['id']}")
    graph.add((ref, RDF.type, DCAT.Distribution))
    _text(graph, ref, DCTERMS.title, resource.get("name"))
    _text(graph, ref, DCTERMS.description, resource.get("description"))
    if resource.get("url"):
        graph.add((ref, DCAT.accessURL, URIRef(resource["url"])))
        if resource.get("url_type") == "upload":  # our own file: the URL is the download itself
            graph.add((ref, DCAT.downloadURL, URIRef(resource["url"])))
    if resource.get("mimetype"):
        graph.add((ref, DCAT.mediaType, URIRef(IANA + resource["mimetype"])))
    if resource.get("format"):
        graph.add((ref, DCTERMS["format"], Literal(resource["format"])))
    if package.get("license_url"):  # resources inherit the dataset's licence
        graph.add((ref, DCTERMS.license, URIRef(package["license_url"])))
        graph.add((URIRef(package["license_url"]), RDF.type, DCTERMS.LicenseDocument))
    if str(resource.get("size") or "").isdigit():  # DCAT-AP 3: xsd:nonNegativeInteger (ckanext-dcat: decimal)
        graph.add((ref, DCAT.byteSize, Literal(int(resource["size"]), datatype=XSD.nonNegativeInteger)))
    graph.add((ref, DCTERMS.issued, _datetime(resource.get("created") or package["metadata_created"])))
    modified = resource.get("last_modified") or resource.get("metadata_modified")
    if modified:
        graph.add((ref, DCTERMS.modified, _datetime(modified)))
    if resource.get("hash"):
        checksum = BNode()
        graph.add((ref, SPDX.checksum, checksum))
        graph.add((checksum, RDF.type, SPDX.Checksum))
        graph.add((checksum, SPDX.checksumValue, Literal(resource["hash"], datatype=XSD.hexBinary)))
    return ref
