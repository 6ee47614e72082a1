"""Search that forgives accents and case, and takes word starts in the search boxes: through the Explore API
(records ``where``, catalog ``where``), the dataset's table box (``?q=``) and the catalog home box (``?q=``), on
datasets published by a real worker."""

from __future__ import annotations

import re

import pytest

from tests.catalog.conftest import between
from tests.conftest import assert_status

pytestmark = pytest.mark.django_db(transaction=True)

CITIES = [
    {"city": "Orléans", "country": "France"},
    {"city": "Chicago", "country": "United States"},
    {"city": "SAINT-ÉTIENNE", "country": "France"},
    {"city": "New Orleans", "country": "United States"},
    {"city": "Zürich", "country": "Switzerland"},
]
DATASETS = [
    {
        "dataset_id": "cities",
        "metas": {"default": {"title": "Cities", "description": "Some cities", "keyword": ["towns"]}},
        "rows": CITIES,
    },
    {
        "dataset_id": "monuments",
        "metas": {"default": {"title": "Monuments d'Orléans", "description": "Listed buildings"}},
        "rows": [{"name": "Cathédrale Sainte-Croix"}],
    },
    {
        "dataset_id": "transit",
        "metas": {"default": {"title": "Chicago bus stops", "keyword": ["TRANSPORT"]}},
        "rows": [{"stop": "Loop"}],
    },
    {
        "dataset_id": "parks",
        "metas": {"default": {"title": "Parks", "description": "Green spaces of <b>Genève</b>"}},
        "rows": [{"park": "Bastions"}],
    },
]
METACHARACTERS = ["&|!():*'", "orl&|!", "'orleans'", "orleans:*", "(orleans", "!", "a <-> b", '"', "\\"]
DATASET_LINK = re.compile(r'<h3><a href="/explore/dataset/([^/"]+)/">')


@pytest.fixture
def published(publish):
    publish(DATASETS)


def records_where(client, where: str) -> list[str]:
    url = "/api/explore/v2.1/catalog/datasets/cities/records"
    body = assert_status(client.get(url, {"where": where, "select": "city", "order_by": "city", "limit": 100}), 200)
    return [record["city"] for record in body["results"]]


def catalog_where(client, where: str) -> list[str]:
    url = "/api/explore/v2.1/catalog/datasets"
    body = assert_status(client.get(url, {"where": where, "order_by": "dataset_id", "limit": 100}), 200)
    return [item["dataset_id"] for item in body["results"]]


def table_box(client, text: str) -> list[str]:
    """The cities the table view shows for ``?q=text``, in the table's order."""
    response = client.get("/explore/dataset/cities/table/", {"q": text, "sort": "city"})
    assert response.status_code == 200, response.content[:2000]
    page = response.content.decode()
    if "No record matches this search" in page:
        return []
    table = between(page, '<table class="records">', "</table>")
    headers = re.findall(r'data-field="([^"]+)"', table)
    rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]
    return [row[headers.index("city")] for row in rows if row]


def catalog_box(client, text: str) -> list[str]:
    """The dataset ids the catalog home lists for ``?q=text``, sorted."""
    response = client.get("/", {"q": text})
    assert response.status_code == 200, response.content[:2000]
    return sorted(DATASET_LINK.findall(response.content.decode()))


def test_records_where_ignores_accents_and_case(client, published):
    for text in ("orleans", "ORLÉANS", "Orléans", "oRlEaNs"):
        assert records_where(client, f'"{text}"') == ["New Orleans", "Orléans"], text
    assert records_where(client, '"saint etienne"') == ["SAINT-ÉTIENNE"]
    assert records_where(client, '"zurich"') == ["Zürich"]
    assert records_where(client, 'search(city, "orleans")') == ["New Orleans", "Orléans"]
    # A bare string keeps its documented meaning: whole words, no prefix (reference §7.3).
    assert records_where(client, '"chica"') == []
    assert records_where(client, 'suggest("chica")') == ["Chicago"]


def test_the_table_box_ignores_accents_and_takes_word_starts(client, published):
    assert table_box(client, "orleans") == ["New Orleans", "Orléans"]
    assert table_box(client, "ORLÉANS") == ["New Orleans", "Orléans"]
    assert table_box(client, "chica") == ["Chicago"]
    assert table_box(client, "new orl") == ["New Orleans"]
    assert table_box(client, "eti") == ["SAINT-ÉTIENNE"]
    assert table_box(client, "nowhere") == []


def test_the_table_box_shows_its_query_to_the_api_tab(client, published):
    response = client.get("/explore/dataset/cities/api/", {"q": "chica"})
    page = response.content.decode()
    urls = re.findall(r'class="api-url" type="text" readonly value="([^"]+)"', page)
    records = next(url for url in urls if "/records?" in url).replace("&amp;", "&")
    assert "where=suggest%28%22chica%22%29" in records
    body = assert_status(client.get(records.removeprefix("http://testserver")), 200)
    assert [record["city"] for record in body["results"]] == ["Chicago"]


def test_catalog_where_ignores_accents_and_case(client, published):
    for text in ("orleans", "ORLÉANS", "Orléans"):
        assert catalog_where(client, f'"{text}"') == ["monuments"], text
    assert catalog_where(client, '"geneve"') == ["parks"]  # in the description
    assert catalog_where(client, '"transport"') == ["transit"]  # a keyword
    assert catalog_where(client, 'search(title, "ORLEANS")') == ["monuments"]
    assert catalog_where(client, '"chica"') == ["transit"]  # substrings: the start of a word finds it


def test_the_catalog_box_ignores_accents_and_takes_word_starts(client, published):
    assert catalog_box(client, "orleans") == ["monuments"]
    assert catalog_box(client, "ORLÉANS") == ["monuments"]
    assert catalog_box(client, "chica") == ["transit"]
    assert catalog_box(client, "monuments orl") == ["monuments"]
    assert catalog_box(client, "nowhere") == []


def test_query_syntax_in_the_boxes_and_where_is_plain_text(client, published):
    for text in METACHARACTERS:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        assert set(table_box(client, text)) <= {"Orléans", "New Orleans"}, text
        # A keyword list is searched as its JSON text, where a double quote always appears.
        assert set(catalog_box(client, text)) <= ({"monuments"} if text != '"' else {"cities", "transit"}), text
        assert set(records_where(client, f'"{escaped}"')) <= {"Orléans", "New Orleans"}, text
        assert set(records_where(client, f'search("{escaped}")')) <= {"Orléans", "New Orleans"}, text
        assert set(records_where(client, f'suggest(city, "{escaped}")')) <= {"Orléans", "New Orleans"}, text
    assert table_box(client, "orl&|!") == ["New Orleans", "Orléans"]
    assert table_box(client, "orleans:*") == ["New Orleans", "Orléans"]
