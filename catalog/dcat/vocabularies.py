"""The controlled vocabularies DCAT-AP asks for, and how our values map onto them.

DCAT-AP (2.1.1 and 3.0.1) wants IRIs, not literals, for formats, media types, frequencies, languages and themes,
each typed with the class its range names (``dct:MediaTypeOrExtent``, ``dct:MediaType``, ``dct:Frequency``,
``dct:LinguisticSystem``, ``skos:Concept``), as the SEMIC shapes check. Formats and frequencies are the EU
Publications Office authority tables; media types are IANA's; our themes are the Tokyo catalog's 14 categories,
published as a ``skos:ConceptScheme`` of their own and each mapped to the EU data theme nearest to it.
"""
from __future__ import annotations

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
EU_FILE_TYPE = EU_AUTHORITY + "file-type/"
EU_FREQUENCY = EU_AUTHORITY + "frequency/"
EU_DATA_THEME = EU_AUTHORITY + "data-theme/"
EU_LANGUAGE = EU_AUTHORITY + "language/"
IANA = "https://www.iana.org/assignments/media-types/"

# CKAN format (as ``catalog.store.files.clean_format`` spells it) -> EU file-type code
FILE_TYPES = {"CSV": "CSV", "TSV": "TSV", "JSON": "JSON", "GeoJSON": "GEOJSON", "Parquet": "PARQUET",
              "XLSX": "XLSX", "XLS": "XLS", "PDF": "PDF", "ZIP": "ZIP", "XML": "XML", "HTML": "HTML", "TXT": "TXT",
              "RDF": "RDF_XML", "TTL": "RDF_TURTLE", "JSON-LD": "JSON_LD", "SHP": "SHP", "KML": "KML"}

# update_frequency (udata/EU vocabulary names) -> EU frequency code
FREQUENCIES = {"continuous": "CONT", "hourly": "HOURLY", "daily": "DAILY", "semidaily": "DAILY_2",
               "weekly": "WEEKLY", "biweekly": "BIWEEKLY", "semiweekly": "WEEKLY_2", "monthly": "MONTHLY",
               "semimonthly": "MONTHLY_2", "bimonthly": "BIMONTHLY", "quarterly": "QUARTERLY",
               "threeTimesAYear": "ANNUAL_3", "semiannual": "ANNUAL_2", "annual": "ANNUAL", "yearly": "ANNUAL",
               "biennial": "BIENNIAL", "triennial": "TRIENNIAL", "quinquennial": "QUINQUENNIAL",
               "irregular": "IRREG", "punctual": "OP_DATPRO", "unknown": "UNKNOWN"}

# Tokyo catalog category -> the EU data theme nearest to it (skos:closeMatch: the scopes are not identical)
THEMES_EU = {"c001": "GOVE", "c002": "JUST", "c003": "REGI", "c004": "SOCI", "c005": "HEAL", "c006": "SOCI",
             "c007": "ECON", "c008": "EDUC", "c009": "EDUC", "c010": "EDUC", "c011": "ECON", "c012": "ENVI",
             "c013": "TRAN", "c014": "OP_DATPRO"}

# The national standard the pipeline names in a dataset's ``standard`` extra (jp_standards.md §1)
MUNICIPAL_STANDARD = "https://www.digital.go.jp/resources/open_data/municipal-standard-data-set-test"


def file_type(fmt: str | None) -> str | None:
    code = FILE_TYPES.get(fmt or "")
    return EU_FILE_TYPE + code if code else None


def frequency(value: str | None) -> str | None:
    code = FREQUENCIES.get(value or "")
    return EU_FREQUENCY + code if code else None


def media_type(mimetype: str | None) -> str | None:
    return IANA + mimetype if mimetype and "/" in mimetype else None


def eu_theme(category: str) -> str | None:
    code = THEMES_EU.get(category)
    return EU_DATA_THEME + code if code else None


def area(lg_code: str) -> str:
    """The municipality of a 全国地方公共団体コード as an IRI keyed by the code (a URN: no register of
    dereferenceable IRIs for the codes was found)."""
    return f"urn:jp:lg-code:{lg_code}"
