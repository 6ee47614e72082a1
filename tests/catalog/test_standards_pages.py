"""Standard descriptions of datasets: the schema.org JSON-LD of dataset pages, ``/sitemap.xml`` and the Frictionless
``datapackage.json``, checked with independent parsers (json, rdflib, xml.etree, frictionless) against the
published specs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from xml.etree import ElementTree

import frictionless
import pytest
import rdflib

from datasets.formats.exports import FORMATS
from datasets.models import Dataset, Ruleset
from tests.catalog.conftest import MANAGEMENT
from tests.conftest import assert_status
from tests.datasets.api.conftest import GEOPOINT, rows_csv, stored_file

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    {"code": f"K{n}", "name": f"Station <{n}> & co", "level": str(n * 3 - 4), "day": f"2024-01-{n + 1:02d}"}
    | {"lat": f"{45 + n / 10:.1f}", "lon": f"{2 + n / 10:.1f}"}
    for n in range(6)
]


def step(name: str, **args) -> dict:
    return {"name": name, "args": args}


STATIONS = {
    "dataset_id": "stations",
    "metas": {
        "default": {
            "title": "River stations",
            "description": "Water levels <b>by</b> station & more",
            "keyword": ["water", "rivers"],
            "publisher": "Water agency",
            "license": "Open Database License (ODbL)",
            "geographic_reference": ["fr"],
        },
        "dcat": {"creator": "Hydrology team", "temporal": "2024-01-01/2024-01-31", "spatial": "Loire basin"},
    },
    "rows": ROWS,
    "processors": [GEOPOINT],
    "specifications": [
        step("type", field="level", type="int"),
        step("type", field="day", type="date"),
        step("annotate", field="code", annotation="id"),
        step("annotate", field="level", annotation="unit", args=["m"]),
        step("description", field="level", description="Height above the gauge zero"),
    ],
}
PLAIN = {"dataset_id": "plain", "metas": {"default": {"title": "Plain list"}}, "rows": [{"word": "a"}]}
CLOSED = {**PLAIN, "dataset_id": "closed", "visibility": "restricted", "metas": {"default": {"title": "Closed"}}}
API = "/api/explore/v2.1/catalog/datasets"
SCHEMA = rdflib.Namespace("https://schema.org/")


@pytest.fixture
def published(chief_api, alice, run_worker, redis, settings):
    """The three datasets, published by one worker run; field specifications set through the management API."""
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = "100000/minute"
    for spec in (STATIONS, PLAIN, CLOSED):
        body = {
            "dataset_id": spec["dataset_id"],
            "visibility": spec.get("visibility", "domain"),
            "metas": spec["metas"],
        }
        base = (
            f"{MANAGEMENT}/{assert_status(chief_api.post(f'{MANAGEMENT}/', body, format='json'), 201)['dataset_uid']}"
        )
        file = stored_file(rows_csv(spec["rows"]), f"{spec['dataset_id']}.csv", alice)
        assert_status(chief_api.post(f"{base}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201)
        for processor in spec.get("processors", ()):
            assert_status(chief_api.post(f"{base}/processors/", processor, format="json"), 201)
        for specification in spec.get("specifications", ()):
            assert_status(chief_api.post(f"{base}/fields_specifications/", specification, format="json"), 201)
        assert_status(chief_api.put(f"{base}/publish"), 202)
    run_worker()


def json_ld_of(page: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


# schema.org JSON-LD


def test_dataset_page_embeds_a_schema_org_dataset(client, published):
    page = client.get("/explore/dataset/stations/").content.decode()
    described = json_ld_of(page)
    metas = STATIONS["metas"]
    assert described["@type"] == "Dataset"
    assert described["name"] == metas["default"]["title"]
    stored = Dataset.objects.get(dataset_id="stations").current_version.metadata["default"]["description"]
    # Stored as sanitized HTML, described as the text a reader reads.
    assert "<b>" in stored and described["description"] == "Water levels by station & more"
    block = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block and "&" not in block  # markup inside the data block is escaped
    assert described["keywords"] == ["water", "rivers"]
    assert described["license"] == metas["default"]["license"]
    assert described["creator"] == {"@type": "Organization", "name": "Hydrology team"}
    assert described["publisher"] == {"@type": "Organization", "name": "Water agency"}
    assert described["temporalCoverage"] == "2024-01-01/2024-01-31"
    assert described["spatialCoverage"] == {"@type": "Place", "name": "Loire basin"}
    assert described["url"] == "http://testserver/explore/dataset/stations/"
    downloads = {item["encodingFormat"]: item["contentUrl"] for item in described["distribution"]}
    assert downloads["text/csv"] == f"http://testserver{API}/stations/exports/csv"
    assert {item["@type"] for item in described["distribution"]} == {"DataDownload"}
    for url in downloads.values():
        assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_the_json_ld_is_rdf(client, published):
    """rdflib reads the block (schema.org context replaced by its vocabulary: tests do not fetch it) as one
    schema:Dataset with its name and one distribution per export format."""
    described = json_ld_of(client.get("/explore/dataset/stations/").content.decode())
    formats = len(described["distribution"])
    described["@context"] = {"@vocab": "https://schema.org/"}
    graph = rdflib.Graph().parse(data=json.dumps(described), format="json-ld")
    datasets = list(graph.subjects(rdflib.RDF.type, SCHEMA.Dataset))
    assert len(datasets) == 1
    assert str(graph.value(datasets[0], SCHEMA.name)) == "River stations"
    assert len(list(graph.objects(datasets[0], SCHEMA.distribution))) == formats == len(FORMATS)


def test_json_ld_without_optional_metadata_and_without_readable_data(client, published):
    described = json_ld_of(client.get("/explore/dataset/plain/").content.decode())
    assert described["name"] == "Plain list"
    assert not {"creator", "publisher", "license", "temporalCoverage", "spatialCoverage"} & described.keys()
    dataset = Dataset.objects.get(dataset_id="plain")
    Ruleset.objects.create(dataset=dataset, kind="default", is_data_visible=False)
    described = json_ld_of(client.get("/explore/dataset/plain/").content.decode())
    assert "distribution" not in described  # no download links to data the visitor cannot read


# sitemap


def test_sitemap_lists_public_dataset_pages_only(client, chief_api, published):
    for response in (client.get("/sitemap.xml"), chief_api.get("/sitemap.xml")):  # the same for any caller
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/xml")
        root = ElementTree.fromstring(response.content)
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
        entries = {url.findtext("s:loc", namespaces=ns): url.findtext("s:lastmod", namespaces=ns) for url in root}
        expected = {
            f"http://testserver/explore/dataset/{d.dataset_id}/": d.current_version.published_at.date().isoformat()
            for d in Dataset.objects.filter(visibility="domain", current_version__isnull=False)
        }
        assert entries == expected
        assert set(expected) == {f"http://testserver/explore/dataset/{name}/" for name in ("plain", "stations")}
        for lastmod in entries.values():
            dt.date.fromisoformat(lastmod)


def test_robots_txt_announces_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


# datapackage.json


def test_datapackage_describes_the_csv_export(client, published, tmp_path):
    response = client.get(f"{API}/stations/datapackage.json")
    assert response.status_code == 200
    package = response.json()
    resource = package["resources"][0]
    fields = {field["name"]: field for field in resource["schema"]["fields"]}
    assert package["name"] == "stations" and package["title"] == "River stations"
    assert package["keywords"] == ["water", "rivers"]
    assert package["licenses"] == [{"name": "ODbL-1.0", "title": "Open Database License (ODbL)"}]
    assert {name: field["type"] for name, field in fields.items()} == {
        "code": "string",
        "name": "string",
        "level": "integer",
        "day": "date",
        "lat": "number",
        "lon": "number",
        "geo": "string",
    }
    assert fields["level"]["unit"] == "m"
    assert fields["level"]["description"] == "Height above the gauge zero"
    assert resource["schema"]["primaryKey"] == ["code"]
    assert frictionless.Package.validate_descriptor(package).valid  # the descriptor alone

    # The data: the resource's URL, fetched here, saved beside the descriptor, validated against the schema.
    export = client.get(resource["path"].removeprefix("http://testserver"))
    assert export.status_code == 200
    data = b"".join(export.streaming_content) if export.streaming else export.content
    assert len(list(csv.DictReader(io.StringIO(data.decode())))) == len(ROWS)
    (tmp_path / "data.csv").write_bytes(data)
    local = {**package, "resources": [{**resource, "path": "data.csv"}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(local))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


def test_datapackage_follows_the_callers_access(client, chief_api, published):
    assert client.get(f"{API}/closed/datapackage.json").status_code == 404
    assert client.get(f"{API}/nothing/datapackage.json").status_code == 404
    assert chief_api.get(f"{API}/closed/datapackage.json").status_code == 200
    dataset = Dataset.objects.get(dataset_id="stations")
    ruleset = Ruleset.objects.create(dataset=dataset, kind="default", visible_fields=["code", "level"])
    fields = [
        field["name"]
        for field in client.get(f"{API}/stations/datapackage.json").json()["resources"][0]["schema"]["fields"]
    ]
    assert fields == ["code", "level"]
    ruleset.is_data_visible = False
    ruleset.save()
    response = client.get(f"{API}/stations/datapackage.json")
    assert response.status_code == 404 and response.json()["error_code"] == "DatasetNotFound"


def test_datapackage_of_a_dataset_without_metadata_is_valid(client, published):
    package = client.get(f"{API}/plain/datapackage.json").json()
    assert package["title"] == "Plain list" and "licenses" not in package
    assert "primaryKey" not in package["resources"][0]["schema"]
    assert frictionless.Package.validate_descriptor(package).valid


def test_the_export_tab_links_the_data_package(client, published):
    page = client.get("/explore/dataset/stations/export/").content.decode()
    link = re.search(r'<a href="([^"]+)" class="datapackage">', page)
    assert link and link.group(1) == f"{API}/stations/datapackage.json"
    assert client.get(link.group(1)).json()["name"] == "stations"
