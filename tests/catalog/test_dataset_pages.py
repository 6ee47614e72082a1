"""Dataset pages: every tab, their 404s, restricted datasets and data invisibility, and the table's paging, sort,
search and facet filters compared with Python over the published rows (``ROWS``)."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group

from datasets.models import Dataset, Ruleset
from tests.catalog.conftest import between, text_of
from tests.datasets.api.conftest import GEOPOINT

pytestmark = pytest.mark.django_db(transaction=True)

REGIONS = ("North", "South", "East")
# Unique populations, shuffled relative to the city order, so any sort has one answer.
ROWS = [
    {
        "city": f"C{n:02d}",
        "region": REGIONS[n % 3],
        "population": str((n * 37) % 101 + 1000),
        "secret": f"S{n:02d}",
        "lat": f"{45 + n / 100:.2f}",
        "lon": f"{2 + n / 100:.2f}",
    }
    for n in range(45)
]
TOWNS = {
    "dataset_id": "towns",
    "metas": {
        "default": {
            "title": "Towns of the region",
            "description": "Population by town",
            "keyword": ["population", "towns"],
            "publisher": "Statistics office",
            "license": "Open Database License (ODbL)",
        },
        "dcat": {"creator": "Census team"},
    },
    "rows": ROWS,
    "processors": [GEOPOINT],
}
PLAIN = {"dataset_id": "plain", "metas": {"default": {"title": "Plain list"}}, "rows": [{"word": "a"}, {"word": "b"}]}
CLOSED = {**TOWNS, "dataset_id": "closed", "visibility": "restricted", "metas": {"default": {"title": "Closed towns"}}}
LABELS = {"information": "Information", "table": "Table", "map": "Map", "analyze": "Analyze", "export": "Export"}
LABELS["api"] = "API"
PAGE = "/explore/dataset/{}/"
TABS = ("information", "table", "map", "analyze", "export", "api")


@pytest.fixture
def towns(publish):
    publish([TOWNS, PLAIN, CLOSED])


def tab(client, tab_name: str = "information", dataset_id: str = "towns", **params):
    url = PAGE.format(dataset_id) + ("" if tab_name == "information" else f"{tab_name}/")
    return client.get(url, params)


def ok(response) -> str:
    assert response.status_code == 200, response.content[:3000]
    return response.content.decode()


def table_of(page: str) -> tuple[list[str], list[list[str]]]:
    """Header field names and cell texts of the records table."""
    table = between(page, '<table class="records">', "</table>")
    headers = re.findall(r'data-field="([^"]+)"', table)
    body = between(table, "<tbody>", "</tbody>")
    rows = [
        [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    return headers, rows


def total_of(page: str) -> int:
    return int(re.search(r'<span class="total-count">(\d+)</span>', page).group(1))


def column(rows: list[list[str]], headers: list[str], name: str) -> list[str]:
    index = headers.index(name)
    return [row[index] for row in rows]


def href_of(page: str, pattern: str) -> str:
    return html.unescape(re.search(pattern, page).group(1))


def test_every_tab_of_a_geographic_dataset_answers(client, towns):
    for name in TABS:
        page = ok(tab(client, name))
        assert page.count("<h1") == 1, name
        assert "Towns of the region" in page
        assert f'aria-current="page" class="current">{LABELS[name]}<' in page
        # No inline script (the Content-Security-Policy would block it): every script is a static file, but for
        # the JSON-LD data block, which browsers do not run.
        tags = re.findall(r"<script[^>]*>", page)
        assert all("src=" in tag or tag == '<script type="application/ld+json">' for tag in tags), name
    # Map and analyze include the viz templates.
    assert 'id="map-heading"' in ok(tab(client, "map"))
    assert 'id="analyze-heading"' in ok(tab(client, "analyze"))
    assert '<script src="/static/catalog/copy.js" defer>' in ok(tab(client, "api"))


def test_the_information_tab_shows_metadata_schema_count_and_attachments(client, towns):
    page = ok(tab(client))
    text = text_of(page)
    for shown in ("Publisher Statistics office", "License Open Database License (ODbL)", "Creator Census team"):
        assert shown in text
    assert text_of(between(page, "<dt>Keyword</dt>", "</dd>")) == "population towns"
    assert text_of(between(page, '<dd class="records-count">', "</dd>")) == str(len(ROWS))
    assert "Last processed" in text
    assert re.search(r"<dt>Modified</dt>\s*<dd>\d{4}-\d\d-\d\d \d\d:\d\d UTC</dd>", page)
    schema = between(page, '<table class="fields">', "</table>")
    for name, kind in (("city", "text"), ("population", "int"), ("lat", "double"), ("geo", "geo_point_2d")):
        assert re.search(rf"<code>{name}</code></td><td>[^<]*</td><td>{kind}</td>", schema), name
    assert "No attachment." in page


def test_unknown_datasets_and_tabs_are_404(client, towns):
    assert tab(client, dataset_id="nothing").status_code == 404
    assert tab(client, "table", dataset_id="nothing").status_code == 404
    assert tab(client, "charts").status_code == 404
    # A dataset without a geometry has no map tab.
    assert tab(client, "map", dataset_id="plain").status_code == 404
    assert ">Map<" not in ok(tab(client, dataset_id="plain"))
    assert tab(client, "table", dataset_id="plain").status_code == 200


def test_the_former_address_redirects(client, towns):
    response = client.get("/datasets/towns/")
    assert response.status_code == 301
    assert response["Location"] == "/explore/dataset/towns/"


def test_table_pages_and_sorts_like_python(client, towns):
    ascending = sorted(ROWS, key=lambda row: int(row["population"]))
    for page_number, expected in ((1, ascending[:20]), (2, ascending[20:40]), (3, ascending[40:])):
        page = ok(tab(client, "table", sort="population", page=page_number))
        headers, rows = table_of(page)
        assert column(rows, headers, "population") == [row["population"] for row in expected]
        assert column(rows, headers, "city") == [row["city"] for row in expected]
        assert column(rows, headers, "geo") == [f"{float(row['lat']):g}, {float(row['lon']):g}" for row in expected]
        assert total_of(page) == len(ROWS)
        assert f"Page {page_number} of 3" in page
    descending = sorted(ROWS, key=lambda row: row["city"], reverse=True)
    headers, rows = table_of(ok(tab(client, "table", sort="-city", page=2)))
    assert column(rows, headers, "city") == [row["city"] for row in descending[20:40]]


def test_column_headers_toggle_the_sort_and_keep_the_filters(client, towns):
    page = ok(tab(client, "table", sort="city", refine="region:North"))
    assert 'aria-sort="ascending" data-field="city"' in page
    href = href_of(page, r'data-field="city"><a href="([^"]+)"')
    assert "sort=-city" in href and "refine=region%3ANorth" in href
    headers, rows = table_of(ok(client.get(PAGE.format("towns") + "table/" + href)))
    north = sorted((row for row in ROWS if row["region"] == "North"), key=lambda row: row["city"], reverse=True)
    assert column(rows, headers, "city") == [row["city"] for row in north[:20]]


def test_search_and_facet_filters_match_python(client, towns):
    page = ok(tab(client, "table"))
    facet = between(page, '<h4 id="table-facet-region">', "</ul>")
    shown = dict(re.findall(r">([A-Za-z]+)</a> <span class=\"facet-count\">(\d+)</span>", facet))
    assert {name: int(count) for name, count in shown.items()} == Counter(row["region"] for row in ROWS)
    # Refining by a facet value (its link) narrows the rows and the total.
    href = href_of(facet, r'<a href="([^"]+)"[^>]*>South</a>')
    page = ok(client.get(PAGE.format("towns") + "table/" + href))
    south = [row for row in ROWS if row["region"] == "South"]
    assert total_of(page) == len(south)
    headers, rows = table_of(page)
    assert set(column(rows, headers, "region")) == {"South"}
    # Full-text search, alone and with a refinement.
    page = ok(tab(client, "table", q="C07"))
    assert total_of(page) == 1
    assert column(*reversed(table_of(page)), "city") == ["C07"]
    assert total_of(ok(tab(client, "table", q="North", refine="region:South"))) == 0
    assert "No record matches this search" in ok(tab(client, "table", q="nowhere-at-all"))


def test_bad_table_parameters_answer_400(client, towns):
    for params, message in (
        ({"sort": "nope"}, "Cannot sort by"),
        ({"refine": "nope:1"}, "ODSQL"),
        ({"page": "two"}, "Invalid page"),
    ):
        response = tab(client, "table", **params)
        assert response.status_code == 400, params
        assert message in response.content.decode(), params
        assert (
            '<a href="/explore/dataset/towns/table/">Show this view without these parameters'
            in response.content.decode()
        )


def test_export_links_apply_the_current_filters(client, towns):
    page = ok(tab(client, "export", q="North", refine="region:North", sort="-population"))
    links = dict(re.findall(r'<a href="([^"]+)" data-format="([a-z]+)"', page))
    formats = {value: html.unescape(key) for key, value in links.items()}
    assert set(formats) == {"csv", "json", "jsonl", "geojson", "xlsx", "parquet"}
    unfiltered = ok(tab(client, "export"))
    assert 'href="/api/explore/v2.1/catalog/datasets/towns/exports/csv"' in unfiltered
    response = client.get(formats["csv"])
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(content), delimiter=";"))
    north = sorted((row for row in ROWS if row["region"] == "North"), key=lambda row: -int(row["population"]))
    assert [row["city"] for row in exported] == [row["city"] for row in north]


def test_api_tab_gives_calls_of_the_current_view(client, towns):
    page = ok(tab(client, "api", refine="region:East", sort="city", page=1))
    urls = [html.unescape(url) for url in re.findall(r'class="api-url" type="text" readonly value="([^"]+)"', page)]
    records = next(url for url in urls if "/records?" in url)
    assert records.startswith("http://testserver/api/explore/v2.1/catalog/datasets/towns/records?")
    body = client.get(records.removeprefix("http://testserver")).json()
    east = sorted((row for row in ROWS if row["region"] == "East"), key=lambda row: row["city"])
    assert body["total_count"] == len(east)
    assert [row["city"] for row in body["results"]] == [row["city"] for row in east[:20]]
    plain = ok(tab(client, "api"))
    assert 'value="http://testserver/api/explore/v2.1/catalog/datasets/towns/facets"' in plain
    for label in ('for="api-call-1"', 'id="api-call-1"'):
        assert label in page


@pytest.fixture
def closed_rulesets(towns, django_user_model):
    dataset = Dataset.objects.get(dataset_id="closed")
    group = Group.objects.create(name="readers")
    Ruleset.objects.create(
        dataset=dataset,
        kind="group",
        group=group,
        visible_fields=["city", "region", "population"],
        filter_query='region = "North"',
    )
    member = django_user_model.objects.create_user("gwen", password="gwen-password-1")
    member.groups.add(group)
    return member


def test_restricted_datasets_are_404_for_anonymous_visitors(client, closed_rulesets):
    for name in TABS:
        assert tab(client, name, dataset_id="closed").status_code == 404, name


def test_a_ruleset_user_sees_the_fields_and_records_it_allows(client, closed_rulesets):
    client.force_login(closed_rulesets)
    north = [row for row in ROWS if row["region"] == "North"]
    info = ok(tab(client, dataset_id="closed"))
    schema = between(info, '<table class="fields">', "</table>")
    assert re.findall(r"<code>([a-z_]+)</code>", schema) == ["city", "region", "population"]
    assert text_of(between(info, '<dd class="records-count">', "</dd>")) == str(len(north))
    # No geometry is visible: no map tab.
    assert tab(client, "map", dataset_id="closed").status_code == 404
    page = ok(tab(client, "table", dataset_id="closed", sort="-population"))
    headers, rows = table_of(page)
    assert headers == ["city", "region", "population"]
    assert "secret" not in page and "S01" not in page
    assert total_of(page) == len(north)
    expected = sorted(north, key=lambda row: -int(row["population"]))
    assert column(rows, headers, "city") == [row["city"] for row in expected]
    # Full text does not read hidden fields: a secret value finds nothing.
    assert total_of(ok(tab(client, "table", dataset_id="closed", q="S03"))) == 0
    assert total_of(ok(tab(client, "table", dataset_id="closed", q="C03"))) == 1
    # A hidden field cannot be sorted on nor refined by.
    assert tab(client, "table", dataset_id="closed", sort="secret").status_code == 400
    assert tab(client, "table", dataset_id="closed", refine="secret:S01").status_code == 400


def test_without_visible_data_only_the_information_tab_exists(client, towns):
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="towns"), kind="default", is_data_visible=False)
    page = ok(tab(client))
    assert "The data of this dataset is not available to you" in page
    assert '<table class="fields">' not in page and "records-count" not in page
    nav = between(page, '<nav class="tabs" aria-label="Dataset views">', "</nav>")
    assert text_of(nav) == "Information"
    for name in TABS[1:]:
        assert tab(client, name).status_code == 404, name


def test_visualization_metadata_sets_columns_default_sort_and_disables_views(client, publish):
    publish(
        [
            {
                **TOWNS,
                "dataset_id": "configured",
                "metas": {
                    "default": {"title": "Configured"},
                    "visualization": {
                        "table_fields": ["population", "city"],
                        "table_default_sort_field": "population",
                        "map_disabled": True,
                        "analyze_disabled": True,
                    },
                },
            }
        ]
    )
    headers, rows = table_of(ok(tab(client, "table", dataset_id="configured")))
    assert headers == ["city", "population"]  # the fields' published order
    assert column(rows, headers, "population") == sorted(row["population"] for row in ROWS)[:20]
    assert tab(client, "map", dataset_id="configured").status_code == 404
    assert tab(client, "analyze", dataset_id="configured").status_code == 404


def test_data_tabs_count_against_the_ruleset_quota(client, towns):
    dataset = Dataset.objects.get(dataset_id="towns")
    Ruleset.objects.create(dataset=dataset, kind="default", api_calls_quota={"limit": 2, "unit": "hour"})
    assert tab(client, "table").status_code == 200
    assert tab(client, "export").status_code == 200
    response = tab(client, "table")
    assert response.status_code == 429
    assert "quota of 2 views per hour" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    # The information tab reads no records: it stays available.
    assert tab(client).status_code == 200


def test_a_ruleset_showing_no_field_leaves_empty_views(client, towns):
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="towns"), kind="default", visible_fields=[])
    info = ok(tab(client))
    assert "No field is shown." in info
    page = ok(tab(client, "table"))
    assert '<table class="records">' not in page
    assert "C01" not in page and "North" not in page
    assert tab(client, "map").status_code == 404
    for name in ("analyze", "export", "api"):
        assert "C01" not in ok(tab(client, name)), name
