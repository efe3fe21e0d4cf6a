"""DCAT-AP conformance with the SEMIC shapes (tests/fixtures/dcat-ap, see SOURCES.md there), run by pyshacl."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import SH

SHAPES = Path(__file__).resolve().parents[1] / "fixtures" / "dcat-ap"
SHAPE_FILES = {  # ckanext-dcat profile -> the SEMIC shape files its output must conform to
    "euro_dcat_ap_3": ("dcat-ap_3.0.1_shacl_full.ttl", "dcat-ap_3.0.1_shacl_shapes.ttl",
                       "dcat-ap_3.0.1_shacl_range.ttl", "dcat-ap_3.0.1_shacl_shapes_recommended.ttl"),
    "euro_dcat_ap_2": ("dcat-ap_2.1.1_shacl_shapes.ttl", "dcat-ap_2.1.1_shacl_range.ttl",
                       "dcat-ap_2.1.1_shacl_shapes_recommended.ttl"),
}
RDF_FORMATS = {"ttl": "turtle", "jsonld": "json-ld", "rdf": "xml"}


@cache
def _shapes(name: str) -> Graph:
    return Graph().parse(SHAPES / name, format="turtle")


def violations(data: bytes, fmt: str, profile: str) -> list[str]:
    """Every SHACL violation of the RDF ``data`` against each shape file of ``profile``: "file: path: message"."""
    graph = Graph().parse(data=data, format=RDF_FORMATS[fmt])
    found = []
    for name in SHAPE_FILES[profile]:
        _, report, _ = validate(graph, shacl_graph=_shapes(name), inference="none", allow_warnings=True)
        for result in report.subjects(SH.resultSeverity, SH.Violation):
            found.append(f"{name}: {report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                         f"{report.value(result, SH.resultMessage)}")
    return sorted(found)
