"""The catalog as DCAT (DCAT-AP mandatory and recommended properties), built as an rdflib graph.

Decisions:

* One ``dcat:Catalog`` whose ``dcat:dataset`` are the datasets given (the caller's visible, published ones:
  the view chooses them). Each ``dcat:Dataset`` is named by its dataset page (also its ``dcat:landingPage``).
* Properties come from the published metadata snapshot: ``default`` gives ``dct:title``, ``dct:description``
  (an empty literal when unset: DCAT-AP makes it mandatory), ``dct:identifier`` (the dataset id),
  ``dcat:keyword``, ``dcat:theme`` (the concept of the EU Data Theme vocabulary, DCAT-AP's controlled
  vocabulary for themes, that covers each of the platform's themes; see ``EU_DATA_THEMES``),
  ``dct:publisher`` (a ``foaf:Agent`` with its ``foaf:name``), ``dct:license`` (a ``dct:LicenseDocument``: the
  URL when the license is one, else a node with the license as ``rdfs:label``), ``dct:language`` and
  ``dct:modified``; ``dct:issued`` is the publish time. The ``dcat`` template adds the optional properties
  of ``DCAT_TEMPLATE`` when set.
* One ``dcat:Distribution`` per dataset export format, its ``dcat:accessURL`` and ``dcat:downloadURL`` the
  export's URL, ``dct:format`` and ``dcat:mediaType`` the format's name and media type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from datasets.formats.plain_text import html_to_text

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

# ``dcat`` template key -> predicate; values are literals (a list gives one triple per item).
DCAT_TEMPLATE = {
    "temporal": DCTERMS.temporal,
    "spatial": DCTERMS.spatial,
    "accrualperiodicity": DCTERMS.accrualPeriodicity,
    "conforms_to": DCTERMS.conformsTo,
    "creator": DCTERMS.creator,
    "contributor": DCTERMS.contributor,
    "spatial_resolution_in_meters": DCAT.spatialResolutionInMeters,
    "temporal_resolution": DCAT.temporalResolution,
    "rights": DCTERMS.rights,
}
# Serializations offered by ``?format=``: name -> (rdflib format, media type).
SERIALIZATIONS = {
    "xml": ("pretty-xml", "application/rdf+xml"),
    "turtle": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
}


@dataclass(frozen=True)
class Distribution:
    """One way to download a dataset: the export format's name, media type and URL."""

    format: str
    media_type: str
    url: str


@dataclass(frozen=True)
class CatalogEntry:
    """What the DCAT, data.json and RSS documents say of one dataset (built by the view, read here)."""

    dataset_id: str
    metadata: Mapping[str, Mapping[str, Any]]
    issued: dt.datetime
    modified: dt.datetime
    landing_page: str
    distributions: tuple[Distribution, ...]

    @property
    def default(self) -> Mapping[str, Any]:
        return self.metadata.get("default", {})

    @property
    def title(self) -> str:
        return self.default.get("title") or self.dataset_id

    @property
    def description(self) -> str:
        """As stored: sanitized HTML."""
        return self.default.get("description") or ""

    @property
    def plain_description(self) -> str:
        return html_to_text(self.description)


EU_DATA_THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
# The platform's themes (``metadata_templates.definitions.THEMES``) -> the EU Data Theme covering each.
EU_DATA_THEMES = {
    "Administration, Government, Public finances, Citizenship": "GOVE",
    "Economy, Business, SME, Economic development, Employment": "ECON",
    "Education, Training, Research, Teaching": "EDUC",
    "Environment": "ENVI",
    "Health": "HEAL",
    "Housing, Development, Town planning, Transport": "REGI",
    "Culture, Heritage": "EDUC",  # "Education, culture and sport"
    "Sports, Leisure": "EDUC",
    "Justice, Safety, Police, Crime": "JUST",
    "Spatial planning, Town planning, Buildings, Equipment, Housing": "REGI",
    "Transport, Movements": "TRAN",
    "Services, Social": "SOCI",
}


def add_theme(graph: Graph, node: URIRef, theme: str) -> None:
    """``dcat:theme`` as a ``skos:Concept`` of the EU scheme; a theme outside the mapping stays a labelled concept."""
    code = EU_DATA_THEMES.get(theme)
    concept = URIRef(f"{EU_DATA_THEME_SCHEME}/{code}") if code else BNode()
    graph.add((node, DCAT.theme, concept))
    graph.add((concept, RDF.type, SKOS.Concept))
    if code:
        graph.add((concept, SKOS.inScheme, EU_DATA_THEME_SCHEME))
    else:
        graph.add((concept, SKOS.prefLabel, Literal(theme)))


def as_list(value: Any) -> list:
    """A metadata value as a list: lists stay, ``None`` is empty, anything else is one item."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def add_dataset(graph: Graph, catalog: URIRef, entry: CatalogEntry) -> None:
    node = URIRef(entry.landing_page)
    graph.add((catalog, DCAT.dataset, node))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.title, Literal(entry.title)))
    graph.add((node, DCTERMS.description, Literal(entry.plain_description)))
    graph.add((node, DCTERMS.identifier, Literal(entry.dataset_id)))
    graph.add((node, DCAT.landingPage, node))
    graph.add((node, DCTERMS.issued, Literal(entry.issued, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.modified, Literal(entry.modified, datatype=XSD.dateTime)))
    for keyword in as_list(entry.default.get("keyword")):
        graph.add((node, DCAT.keyword, Literal(keyword)))
    for theme in as_list(entry.default.get("theme")):
        add_theme(graph, node, str(theme))
    for language in as_list(entry.default.get("language")):
        graph.add((node, DCTERMS.language, Literal(language)))
    if license_ := entry.default.get("license"):
        add_license(graph, node, str(license_))
    if publisher := entry.default.get("publisher"):
        agent = BNode()
        graph.add((node, DCTERMS.publisher, agent))
        graph.add((agent, RDF.type, FOAF.Agent))
        graph.add((agent, FOAF.name, Literal(publisher)))
    add_template(graph, node, entry.metadata.get("dcat", {}))
    for distribution in entry.distributions:
        add_distribution(graph, node, distribution)


def add_license(graph: Graph, node: URIRef, license_: str) -> None:
    """DCAT-AP wants a ``dct:LicenseDocument``: the license's URL when it is one, else a node labelled with it."""
    document: URIRef | BNode
    if license_.startswith(("http://", "https://")):
        document = URIRef(license_)
    else:
        document = BNode()
        graph.add((document, RDFS.label, Literal(license_)))
    graph.add((document, RDF.type, DCTERMS.LicenseDocument))
    graph.add((node, DCTERMS.license, document))


def add_template(graph: Graph, node: URIRef, template: Mapping[str, Any]) -> None:
    """The optional properties of the ``dcat`` template; a contact point when a name or an email is set."""
    for key, predicate in DCAT_TEMPLATE.items():
        for value in as_list(template.get(key)):
            graph.add((node, predicate, Literal(value)))
    name, email = template.get("contact_name"), template.get("contact_email")
    if name or email:
        contact = BNode()
        graph.add((node, DCAT.contactPoint, contact))
        graph.add((contact, RDF.type, VCARD.Kind))
        if name:
            graph.add((contact, VCARD.fn, Literal(name)))
        if email:
            graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{email}")))


def add_distribution(graph: Graph, dataset: URIRef, distribution: Distribution) -> None:
    node = URIRef(distribution.url)
    graph.add((dataset, DCAT.distribution, node))
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCAT.accessURL, node))
    graph.add((node, DCAT.downloadURL, node))
    graph.add((node, DCTERMS.format, Literal(distribution.format)))
    graph.add((node, DCAT.mediaType, Literal(distribution.media_type)))


def catalog_graph(
    catalog_url: str, title: str, entries: Iterable[CatalogEntry], *, publisher: str, homepage: str
) -> Graph:
    """The ``dcat:Catalog`` at ``catalog_url`` with one ``dcat:Dataset`` per entry.

    The catalog carries DCAT-AP's mandatory ``dct:title``, ``dct:description``, ``dct:publisher`` (a
    ``foaf:Agent`` named by the ``CATALOG_PUBLISHER`` setting) and ``dcat:dataset``, and ``foaf:homepage``.
    """
    graph = Graph()
    graph.bind("dcat", DCAT)
    graph.bind("dct", DCTERMS)
    graph.bind("foaf", FOAF)
    graph.bind("vcard", VCARD)
    graph.bind("skos", SKOS)
    catalog = URIRef(catalog_url)
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(title)))
    graph.add((catalog, DCTERMS.description, Literal(f"The datasets published on {title}")))
    agent = BNode()
    graph.add((catalog, DCTERMS.publisher, agent))
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(publisher)))
    graph.add((catalog, FOAF.homepage, URIRef(homepage)))
    graph.add((catalog, DCAT.themeTaxonomy, EU_DATA_THEME_SCHEME))
    graph.add((EU_DATA_THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    for entry in entries:
        add_dataset(graph, catalog, entry)
    return graph
