"""/catalog/exports/dcat, /data.json and /rss: the catalog as DCAT (three RDF serializations), Project Open
Data 1.1 and RSS 2.0.

Expected datasets come from ``CATALOG``/``RESTRICTED`` (the specification the catalog was published from), the
expected export URLs from the dataset export formats' names, the RSS order from ``published_at`` read back from
the database. data.json is validated with the official Project Open Data 1.1 non-federal JSON Schemas, vendored
in ``tests/fixtures/pod_schema`` (see its README).
"""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS
from referencing import Registry
from referencing.jsonschema import DRAFT4
from rest_framework.test import APIClient

from datasets.metadata_templates.definitions import THEMES
from datasets.models import Dataset, PublishedVersion
from datasets.services import dataset_create
from tests.conftest import assert_status, mark_published
from tests.datasets.api.catalog_data import CATALOG, RESTRICTED, VISIBLE, publish_catalog

URL = "/api/explore/v2.1/catalog/exports"
EXPORT_FORMATS = ["csv", "json", "jsonl", "geojson", "xlsx", "parquet"]
RDF_FORMATS = {"xml": "xml", "turtle": "turtle", "jsonld": "json-ld"}
pytestmark = pytest.mark.django_db(transaction=True)

EU_THEMES = "http://publications.europa.eu/resource/authority/data-theme/"
# The EU Data Themes of the catalog test data's themes, read off the vocabulary by hand.
EU_CODES_BY_HAND = {
    "bus-stops": {"TRAN"},
    "air-quality": {"ENVI", "HEAL"},
    "street-trees": {"ENVI"},
    "budget": set(),
}
POD_SCHEMAS = Path(__file__).parents[2] / "fixtures" / "pod_schema"


@pytest.fixture(scope="module")
def pod_validator() -> jsonschema.Draft4Validator:
    """The official Project Open Data 1.1 non-federal catalog schema, its dataset schema resolved locally."""
    catalog, dataset = (
        json.loads((POD_SCHEMAS / name).read_text()) for name in ("catalog.json", "dataset-non-federal.json")
    )
    registry = Registry().with_resources(
        [(schema["id"].rstrip("#"), DRAFT4.create_resource(schema)) for schema in (catalog, dataset)]
    )
    return jsonschema.Draft4Validator(
        catalog, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


@pytest.fixture
def catalog(chief_api, chief, run_worker):
    publish_catalog(chief_api, chief, run_worker)


def get(export: str, params=None, client=None):
    response = (client or APIClient()).get(f"{URL}/{export}", params or {})
    assert response.status_code == 200, response.content[:500]
    return response


def dcat_graph(serialization: str, client=None) -> Graph:
    response = get("dcat", {"format": serialization}, client)
    return Graph().parse(data=response.content, format=RDF_FORMATS[serialization])


def datasets_by_identifier(graph: Graph) -> dict[str, URIRef]:
    return {str(graph.value(node, DCTERMS.identifier)): node for node in graph.subjects(RDF.type, DCAT.Dataset)}


def export_url(dataset_id: str, export: str) -> str:
    return f"/api/explore/v2.1/catalog/datasets/{dataset_id}/exports/{export}"


@pytest.mark.parametrize("serialization", list(RDF_FORMATS))
def test_dcat_lists_one_dataset_per_visible_dataset_in_each_serialization(catalog, serialization):
    graph = dcat_graph(serialization)
    assert len(list(graph.subjects(RDF.type, DCAT.Catalog))) == 1
    found = datasets_by_identifier(graph)
    assert sorted(found) == VISIBLE
    catalog_node = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert set(graph.objects(catalog_node, DCAT.dataset)) == set(found.values())
    for dataset_id, node in found.items():
        metas = CATALOG[dataset_id]["metas"]
        assert graph.value(node, DCTERMS.title) == Literal(metas["title"])
        assert graph.value(node, DCTERMS.description) == Literal(metas.get("description", ""))
        assert {str(word) for word in graph.objects(node, DCAT.keyword)} == set(metas.get("keyword", []))
        themes = {EU_THEMES + code for code in EU_CODES_BY_HAND[dataset_id]}
        assert {str(theme) for theme in graph.objects(node, DCAT.theme)} == themes
        for theme in graph.objects(node, DCAT.theme):
            assert (theme, RDF.type, SKOS.Concept) in graph
            assert graph.value(theme, SKOS.inScheme) == URIRef(EU_THEMES.rstrip("/"))
        assert urlsplit(str(graph.value(node, DCAT.landingPage))).path == f"/explore/dataset/{dataset_id}/"
        publisher = graph.value(node, DCTERMS.publisher)
        assert str(graph.value(publisher, FOAF.name)) == metas["publisher"]
        license_ = graph.value(node, DCTERMS.license)
        label = graph.value(license_, RDFS.label) if license_ is not None else None
        assert (str(label) if label is not None else None) == metas.get("license")
        if license_ is not None:
            assert (license_, RDF.type, DCTERMS.LicenseDocument) in graph
        assert graph.value(node, DCTERMS.issued) is not None and graph.value(node, DCTERMS.modified) is not None


def test_dcat_is_rdf_xml_by_default(catalog):
    response = get("dcat")
    assert response["Content-Type"].startswith("application/rdf+xml")
    assert sorted(datasets_by_identifier(Graph().parse(data=response.content, format="xml"))) == VISIBLE


@pytest.mark.parametrize(
    ("export", "serialization"), [("dcat.rdf", "xml"), ("dcat.ttl", "turtle"), ("dcat.jsonld", "jsonld")]
)
def test_dcat_files_are_the_same_graph_as_the_format_parameter(catalog, export, serialization):
    response = get(export)
    assert response["Content-Type"].startswith(get("dcat", {"format": serialization})["Content-Type"])
    graph = Graph().parse(data=response.content, format=RDF_FORMATS[serialization])
    assert graph.isomorphic(dcat_graph(serialization))
    assert_status(APIClient().get(f"{URL}/{export}", {"format": "xml"}), 400)


def test_a_license_url_is_the_license_document(db, chief):
    metas = {"default": {"title": "Roads", "license": "https://opendatacommons.org/licenses/odbl/1-0/"}}
    mark_published(dataset_create(owner=chief, dataset_id="roads", metas=metas, visibility="domain"))
    graph = dcat_graph("xml")
    license_ = graph.value(datasets_by_identifier(graph)["roads"], DCTERMS.license)
    assert license_ == URIRef(metas["default"]["license"])
    assert (license_, RDF.type, DCTERMS.LicenseDocument) in graph


def test_restricted_datasets_never_appear_anonymously(catalog):
    restricted_titles = [spec["metas"]["title"] for spec in RESTRICTED.values()]
    for export, params in (("dcat", {}), ("dcat", {"format": "turtle"}), ("data.json", {}), ("rss", {})):
        content = get(export, params).content.decode()
        for dataset_id, title in zip(RESTRICTED, restricted_titles, strict=True):
            assert dataset_id not in content and title not in content, export
        assert "draft" not in content, export


def test_a_caller_who_may_see_a_restricted_dataset_finds_it(catalog, chief_api):
    assert sorted(datasets_by_identifier(dcat_graph("turtle", chief_api))) == sorted([*VISIBLE, *RESTRICTED])


def test_distributions_are_the_dataset_exports_and_answer(catalog):
    graph = dcat_graph("turtle")
    for dataset_id, node in datasets_by_identifier(graph).items():
        distributions = list(graph.objects(node, DCAT.distribution))
        urls = {
            urlsplit(str(graph.value(d, DCAT.downloadURL))).path: str(graph.value(d, DCTERMS.format))
            for d in distributions
        }
        assert urls == {export_url(dataset_id, name): name for name in EXPORT_FORMATS}
        for distribution in distributions:
            assert graph.value(distribution, DCAT.accessURL) == graph.value(distribution, DCAT.downloadURL)
    client = APIClient()
    for name in EXPORT_FORMATS:
        response = client.get(export_url("bus-stops", name))
        assert response.status_code == 200, (name, response.content[:300])
        response.close()  # as a WSGI server does: the export's slot is free for the next
    for dataset_id in ("air-quality", "street-trees"):
        response = client.get(export_url(dataset_id, "csv"))
        assert response.status_code == 200
        lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 1 + len(CATALOG[dataset_id]["rows"])


def test_dcat_template_gives_the_optional_properties(db, chief):
    metas = {
        "default": {"title": "Noise map", "description": "Decibels"},
        "dcat": {
            "temporal": "2020/2021",
            "spatial": "Paris",
            "creator": "Acoustics lab",
            "contact_name": "Noise desk",
            "contact_email": "noise@example.org",
        },
    }
    mark_published(dataset_create(owner=chief, dataset_id="noise", metas=metas, visibility="domain"))
    graph = dcat_graph("turtle")
    node = datasets_by_identifier(graph)["noise"]
    assert str(graph.value(node, DCTERMS.temporal)) == "2020/2021"
    assert str(graph.value(node, DCTERMS.spatial)) == "Paris"
    assert str(graph.value(node, DCTERMS.creator)) == "Acoustics lab"
    contact = graph.value(node, DCAT.contactPoint)
    assert graph.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef(
        "mailto:noise@example.org"
    )
    pod = json.loads(get("data.json").content)["dataset"][0]
    assert pod["contactPoint"]["hasEmail"] == "mailto:noise@example.org" and pod["temporal"] == "2020/2021"


def test_data_json_is_valid_project_open_data(catalog, pod_validator):
    response = get("data.json")
    assert response["Content-Type"].startswith("application/json")
    document = json.loads(response.content)
    pod_validator.validate(document)
    by_page = {urlsplit(d["landingPage"]).path: d for d in document["dataset"]}
    assert sorted(by_page) == [f"/explore/dataset/{dataset_id}/" for dataset_id in VISIBLE]
    for dataset_id in VISIBLE:
        metas, entry = CATALOG[dataset_id]["metas"], by_page[f"/explore/dataset/{dataset_id}/"]
        assert entry["title"] == metas["title"]
        assert entry["keyword"] == metas["keyword"]
        assert entry["publisher"]["name"] == metas["publisher"]
        paths = [urlsplit(d["downloadURL"]).path for d in entry["distribution"]]
        assert paths == [export_url(dataset_id, name) for name in EXPORT_FORMATS]


def test_data_json_fills_the_required_properties_a_dataset_lacks(db, chief, pod_validator):
    mark_published(dataset_create(owner=chief, dataset_id="bare", metas={"default": {}}, visibility="domain"))
    document = json.loads(get("data.json").content)
    pod_validator.validate(document)
    [entry] = document["dataset"]
    assert entry["title"] == "bare" and entry["description"] == "bare" and entry["keyword"] == ["bare"]


def test_a_broken_schema_check_would_fail(db, chief, pod_validator):
    """The schema is not vacuous: a document missing a required property is refused."""
    mark_published(dataset_create(owner=chief, dataset_id="bare", metas={"default": {}}, visibility="domain"))
    document = json.loads(get("data.json").content)
    del document["dataset"][0]["contactPoint"]
    with pytest.raises(jsonschema.ValidationError, match="contactPoint"):
        pod_validator.validate(document)


def test_rss_lists_the_20_most_recently_published_newest_first(db, chief):
    base = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for n in range(23):
        dataset = mark_published(
            dataset_create(owner=chief, dataset_id=f"set-{n:02d}", metas={"default": {"title": f"Set <{n}> & co"}})
        )
        # Publish times out of id order, so sorting by id would not pass.
        PublishedVersion.objects.filter(pk=dataset.current_version_id).update(
            published_at=base + dt.timedelta(days=(n * 7) % 23)
        )
    Dataset.objects.filter(dataset_id="set-05").update(visibility="restricted")
    response = get("rss")
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    items = root.findall("./channel/item")
    visible = PublishedVersion.objects.filter(dataset__visibility="domain").order_by("-published_at")
    expected = [(v.metadata["default"]["title"], v.published_at) for v in visible[:20]]
    assert [(item.findtext("title"), parsedate_to_datetime(item.findtext("pubDate"))) for item in items] == expected
    assert all(urlsplit(item.findtext("link")).path.startswith("/explore/dataset/set-") for item in items)


@pytest.mark.parametrize(
    ("export", "params", "words"),
    [
        ("dcat", {"format": "n3"}, "format"),
        ("dcat", {"where": "title = 'x'"}, "where"),
        ("data.json", {"format": "xml"}, "format"),
        ("rss", {"limit": "5"}, "limit"),
    ],
)
def test_bad_requests_answer_400(db, export, params, words):
    body = assert_status(APIClient().get(f"{URL}/{export}", params), 400)
    assert body["error_code"] == "InvalidRESTParameterError" and words in body["message"]


def test_descriptions_are_plain_text_in_dcat_and_data_json(db, chief):
    """Stored as sanitized HTML; RDF literals and POD strings carry the text a reader reads."""
    html = "<p>Noise <b>levels</b> &amp; maps</p><ul><li>day</li><li>night</li></ul>"
    metas = {"default": {"title": "Noise map", "description": html}}
    dataset = mark_published(dataset_create(owner=chief, dataset_id="noise", metas=metas, visibility="domain"))
    stored = dataset.current_version.metadata["default"]["description"]
    assert "<b>" in stored
    expected = "Noise levels & maps\nday\nnight"
    for serialization in RDF_FORMATS:
        graph = dcat_graph(serialization)
        assert str(graph.value(datasets_by_identifier(graph)["noise"], DCTERMS.description)) == expected
    assert json.loads(get("data.json").content)["dataset"][0]["description"] == expected


def test_every_platform_theme_is_an_eu_data_theme_and_the_catalog_names_the_scheme(db, chief):
    metas = {"default": {"title": "Everything", "theme": list(THEMES)}}
    mark_published(dataset_create(owner=chief, dataset_id="everything", metas=metas, visibility="domain"))
    graph = dcat_graph("turtle")
    node = datasets_by_identifier(graph)["everything"]
    codes = {str(theme).removeprefix(EU_THEMES) for theme in graph.objects(node, DCAT.theme)}
    # The platform's 12 themes land on 9 of the 13 EU Data Themes.
    assert codes == {"GOVE", "ECON", "EDUC", "ENVI", "HEAL", "REGI", "JUST", "TRAN", "SOCI"}
    catalog_node = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert graph.value(catalog_node, DCAT.themeTaxonomy) == URIRef(EU_THEMES.rstrip("/"))


def test_the_catalog_is_named_and_published_by_the_installation(db, chief, settings, client):
    settings.CATALOG_TITLE = "Riverside open data"
    settings.CATALOG_PUBLISHER = "City of Riverside"
    mark_published(dataset_create(owner=chief, dataset_id="noise", metas={"default": {}}, visibility="domain"))
    graph = dcat_graph("turtle")
    catalog_node = next(graph.subjects(RDF.type, DCAT.Catalog))
    assert str(graph.value(catalog_node, DCTERMS.title)) == "Riverside open data"
    publisher = graph.value(catalog_node, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph
    assert str(graph.value(publisher, FOAF.name)) == "City of Riverside"
    assert str(graph.value(catalog_node, FOAF.homepage)) == "http://testserver/"
    rss = ET.fromstring(get("rss").content)
    assert rss.find("channel/title").text == "Riverside open data"
    page = client.get("/explore/dataset/noise/").content.decode()
    assert "<title>noise · Riverside open data</title>" in page
    assert '<a class="brand" href="/">Riverside open data</a>' in page
