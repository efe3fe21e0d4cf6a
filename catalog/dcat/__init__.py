"""DCAT-AP RDF of the catalog and of each dataset (rdflib), in ckanext-dcat's shape (see ``graph``)."""
from catalog.dcat.graph import (PREFIXES, RDFLIB_FORMATS, BadParameter, catalog_graph, render_catalog, render_dataset,
                                serialize)

__all__ = ["PREFIXES", "RDFLIB_FORMATS", "BadParameter", "catalog_graph", "render_catalog", "render_dataset",
           "serialize"]
