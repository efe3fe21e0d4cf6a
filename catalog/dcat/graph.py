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
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD
from starlette.responses import PlainTextResponse

from catalog.context import Context
from catalog.dcat import vocabularies as vocab
from catalog.metrics import CATEGORY_NAMES, CATEGORY_NAMES_EN

PER_PAGE = 100  # ckanext.dcat.datasets_per_page
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
JAPANESE = URIRef(vocab.EU_LANGUAGE + "JPN")
RDFLIB_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml", "xml": "xml", "n3": "n3"}
_PAGE_PARAMS = ("modified_since", "profiles", "q", "fq")
PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "foaf": FOAF, "owl": OWL, "hydra": HYDRA, "vcard": VCARD, "spdx": SPDX,
            "rdf": RDF, "skos": SKOS, "xsd": XSD}
PROFILES = ("euro_dcat_ap_3", "euro_dcat_ap_2")  # ckanext-dcat's names; the first is the default
CATALOG_DESCRIPTION = {"ja": "東京都と都内区市町村のオープンデータカタログ",
                       "en": "Open data catalog of the Tokyo Metropolitan Government and the municipalities of Tokyo"}
CATALOG_PUBLISHER = {"name": "東京都", "name_en": "Tokyo Metropolitan Government", "lg_code": "130001"}
EU_THEME_LABELS = {"AGRI": "Agriculture, fisheries, forestry and food", "ECON": "Economy and finance",
                   "EDUC": "Education, culture and sport", "ENER": "Energy", "ENVI": "Environment",
                   "GOVE": "Government and public sector", "HEAL": "Health", "INTR": "International issues",
                   "JUST": "Justice, legal system and public safety", "OP_DATPRO": "Provisional data",
                   "REGI": "Regions and cities", "SOCI": "Population and society", "TECH": "Science and technology",
                   "TRAN": "Transport"}


class BadParameter(ValueError):
    """A ``page`` or ``modified_since`` the catalog endpoint cannot use (HTTP 400, as ckanext-dcat)."""


def render_catalog(context: Context, fmt: str, params: dict):
    """The catalog page ``params["page"]`` (1-based) as bytes; a 400 response for a bad page or date."""
    try:
        graph = catalog_graph(context, fmt, params)
    except BadParameter as exc:
        return PlainTextResponse(str(exc), status_code=400)
    return serialize(graph, fmt)


def render_dataset(context: Context, id: str, fmt: str, params: dict | None = None):
    """One dataset; ``NotFound``/``NotAuthorized`` from ``package_show`` propagate (404/403)."""
    from catalog.actions import get_action

    try:
        profile = _profile((params or {}).get("profiles"))
    except BadParameter as exc:
        return PlainTextResponse(str(exc), status_code=400)
    graph = _graph()
    _add_dataset(graph, context.site_url.rstrip("/"), get_action("package_show")(context, {"id": id}), profile)
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
    profile = _profile(params.get("profiles"))
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
    for lang, text in CATALOG_DESCRIPTION.items():
        graph.add((catalog, DCTERMS.description, Literal(status.get("site_description") or text, lang=lang)))
    graph.add((catalog, FOAF.homepage, URIRef(site)))
    graph.add((URIRef(site), RDF.type, FOAF.Document))
    _add_language(graph, catalog)
    _add_catalog_publisher(graph, site, catalog)
    graph.add((catalog, DCAT.themeTaxonomy, _add_theme_scheme(graph, site)))
    for category in (c for c in CATEGORY_NAMES if c.startswith("c")):
        _add_theme(graph, site, category, CATEGORY_NAMES[category])
    newest = search(context, {"rows": 1, "sort": "metadata_modified desc"})["results"]
    if newest:
        graph.add((catalog, DCTERMS.modified, _datetime(newest[0]["metadata_modified"])))
    for package in found["results"]:
        graph.add((catalog, DCAT.dataset, _add_dataset(graph, site, package, profile)))
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


def _profile(value) -> str:
    """The first known profile of ``?profiles=`` (comma-separated, as ckanext-dcat); the default when absent."""
    names = [n.strip() for n in str(value or "").split(",") if n.strip()]
    if not names:
        return PROFILES[0]
    for name in names:
        if name in PROFILES:
            return name
    raise BadParameter(f"Unknown RDF profiles: {', '.join(names)}")


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


def _add_dataset(graph: Graph, site: str, package: dict, profile: str = PROFILES[0]) -> URIRef:
    extras = _extras(package)
    ref = URIRef(package.get("uri") or extras.get("uri") or f"{site}/dataset/{package['id']}")
    graph.add((ref, RDF.type, DCAT.Dataset))
    _text(graph, ref, DCTERMS.title, package.get("title") or package["name"])
    _text(graph, ref, DCTERMS.title, extras.get("title_en"), "en")
    _text(graph, ref, DCTERMS.description, package.get("notes") or package.get("title") or package["name"])
    _text(graph, ref, DCTERMS.description, extras.get("notes_en"), "en")
    for tag in package.get("tags") or []:
        _text(graph, ref, DCAT.keyword, tag["name"])
    graph.add((ref, DCTERMS.identifier, Literal(extras.get("identifier") or extras.get("guid") or package["id"])))
    graph.add((ref, DCTERMS.issued, _datetime(package["metadata_created"])))
    graph.add((ref, DCTERMS.modified, _datetime(extras.get("data_modified") or package["metadata_modified"])))
    if package.get("url"):
        graph.add((ref, DCAT.landingPage, URIRef(package["url"])))
        graph.add((URIRef(package["url"]), RDF.type, FOAF.Document))
    version = package.get("version") or extras.get("version")
    if version:
        graph.add((ref, OWL.versionInfo, Literal(version)))
    frequency = vocab.frequency(extras.get("update_frequency") or extras.get("frequency"))
    if frequency:  # an unknown value is left out: DCAT-AP allows only the EU frequency IRIs here
        graph.add((ref, DCTERMS.accrualPeriodicity, URIRef(frequency)))
        graph.add((URIRef(frequency), RDF.type, DCTERMS.Frequency))
    _add_language(graph, ref)
    for group in package.get("groups") or []:
        graph.add((ref, DCAT.theme, _add_theme(graph, site, group["name"], group.get("title") or group["name"])))
        eu = vocab.eu_theme(group["name"])
        if eu:
            graph.add((ref, DCAT.theme, URIRef(eu)))
    _add_publisher(graph, site, ref, package, extras)
    _add_contact(graph, site, ref, package)
    _add_spatial(graph, ref, extras)
    _add_standard(graph, ref, extras)
    for resource in package.get("resources") or []:
        graph.add((ref, DCAT.distribution, _add_distribution(graph, site, package, resource, profile)))
    return ref


def _add_language(graph: Graph, subject: URIRef) -> None:
    graph.add((subject, DCTERMS.language, JAPANESE))
    graph.add((JAPANESE, RDF.type, DCTERMS.LinguisticSystem))


def _add_catalog_publisher(graph: Graph, site: str, catalog: URIRef) -> None:
    ref = URIRef(f"{site}/organization/t{CATALOG_PUBLISHER['lg_code']}")
    graph.add((catalog, DCTERMS.publisher, ref))
    graph.add((ref, RDF.type, FOAF.Agent))
    graph.add((ref, FOAF.name, Literal(CATALOG_PUBLISHER["name"], lang="ja")))
    graph.add((ref, FOAF.name, Literal(CATALOG_PUBLISHER["name_en"], lang="en")))
    graph.add((ref, DCTERMS.identifier, Literal(CATALOG_PUBLISHER["lg_code"])))


def _add_theme_scheme(graph: Graph, site: str) -> URIRef:
    """The Tokyo catalog's categories as a ``skos:ConceptScheme`` (``dcat:themeTaxonomy`` of the catalog)."""
    scheme = URIRef(f"{site}/group")
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal("東京都オープンデータカタログ カテゴリ", lang="ja")))
    graph.add((scheme, DCTERMS.title, Literal("Tokyo open data catalog categories", lang="en")))
    return scheme


def _add_theme(graph: Graph, site: str, name: str, title: str) -> URIRef:
    """One category as a ``skos:Concept`` of our scheme, ja/en labels, close to an EU data theme."""
    ref = URIRef(f"{site}/group/{name}")
    graph.add((ref, RDF.type, SKOS.Concept))
    graph.add((ref, SKOS.inScheme, _add_theme_scheme(graph, site)))
    graph.add((ref, SKOS.prefLabel, Literal(CATEGORY_NAMES.get(name, title), lang="ja")))
    if name in CATEGORY_NAMES_EN:
        graph.add((ref, SKOS.prefLabel, Literal(CATEGORY_NAMES_EN[name], lang="en")))
    eu = vocab.eu_theme(name)
    if eu:
        graph.add((ref, SKOS.closeMatch, URIRef(eu)))
        eu_ref, eu_scheme = URIRef(eu), URIRef(vocab.EU_DATA_THEME.rstrip("/"))
        graph.add((eu_ref, RDF.type, SKOS.Concept))
        graph.add((eu_ref, SKOS.inScheme, eu_scheme))
        graph.add((eu_ref, SKOS.prefLabel, Literal(EU_THEME_LABELS[eu.rsplit("/", 1)[1]], lang="en")))
        graph.add((eu_scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((eu_scheme, DCTERMS.title, Literal("Data theme", lang="en")))
    return ref


def _add_spatial(graph: Graph, dataset: URIRef, extras: dict) -> None:
    """``dct:spatial``: the publisher's municipality, keyed by its 全国地方公共団体コード."""
    code = extras.get("publisher_code")
    if code:
        area = URIRef(vocab.area(code))
        graph.add((dataset, DCTERMS.spatial, area))
        graph.add((area, RDF.type, DCTERMS.Location))
        graph.add((area, DCTERMS.identifier, Literal(code)))


def _add_standard(graph: Graph, dataset: URIRef, extras: dict) -> None:
    """``dct:conformsTo``: the 自治体標準オープンデータセット the table follows."""
    slug = extras.get("standard")
    if slug:
        ref = URIRef(f"{vocab.MUNICIPAL_STANDARD}#{slug}")
        graph.add((dataset, DCTERMS.conformsTo, ref))
        graph.add((ref, RDF.type, DCTERMS.Standard))
        graph.add((ref, DCTERMS.title, Literal(f"自治体標準オープンデータセット {extras.get('standard_title') or slug}",
                                               lang="ja")))


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


def _add_contact(graph: Graph, site: str, dataset: URIRef, package: dict) -> None:
    """A vCard of the maintainer (or author); without either, the publishing organization and its page."""
    org = package.get("organization") or {}
    name = package.get("maintainer") or package.get("author") or org.get("title") or org.get("name")
    email = package.get("maintainer_email") or package.get("author_email")
    if not (name or email):
        return
    contact = BNode()
    graph.add((dataset, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, RDF.type, VCARD.Kind))  # the class DCAT-AP's range names (no inference assumed)
    if name:
        _text(graph, contact, VCARD.fn, name)
    if email:
        graph.add((contact, VCARD.hasEmail, URIRef(email if email.startswith("mailto:") else f"mailto:{email}")))
    elif org:
        graph.add((contact, VCARD.hasURL, URIRef(f"{site}/organization/{org.get('name') or org['id']}")))


def _add_distribution(graph: Graph, site: str, package: dict, resource: dict, profile: str) -> URIRef:
    ref = URIRef(resource.get("uri") or f"{site}/dataset/{package['id']}/resource/{resource['id']}")
    graph.add((ref, RDF.type, DCAT.Distribution))
    _text(graph, ref, DCTERMS.title, resource.get("name"))
    _text(graph, ref, DCTERMS.description, resource.get("description"))
    if resource.get("url"):
        graph.add((ref, DCAT.accessURL, URIRef(resource["url"])))
        if resource.get("url_type") == "upload":  # our own file: the URL is the download itself
            graph.add((ref, DCAT.downloadURL, URIRef(resource["url"])))
    media_type = vocab.media_type(resource.get("mimetype"))
    if media_type:
        graph.add((ref, DCAT.mediaType, URIRef(media_type)))
        graph.add((URIRef(media_type), RDF.type, DCTERMS.MediaType))
    file_type = vocab.file_type(resource.get("format"))
    if file_type:  # DCAT-AP: an EU file-type IRI; a format outside that table is left to dcat:mediaType
        graph.add((ref, DCTERMS["format"], URIRef(file_type)))
        graph.add((URIRef(file_type), RDF.type, DCTERMS.MediaTypeOrExtent))
    if package.get("license_url"):  # resources inherit the dataset's licence
        graph.add((ref, DCTERMS.license, URIRef(package["license_url"])))
        graph.add((URIRef(package["license_url"]), RDF.type, DCTERMS.LicenseDocument))
    if str(resource.get("size") or "").isdigit():  # DCAT-AP 3: xsd:nonNegativeInteger; DCAT-AP 2: xsd:decimal
        kind = XSD.nonNegativeInteger if profile == "euro_dcat_ap_3" else XSD.decimal
        graph.add((ref, DCAT.byteSize, Literal(int(resource["size"]), datatype=kind)))
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
