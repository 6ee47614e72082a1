"""Map and analyze tab fragments: the data-* attributes static/explore/map.js and analyze.js read, for datasets
with and without geo or numeric fields, with the ``visualization`` metadata honoured or disabling the views."""

import json
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest
from django.http import QueryDict
from django.template.loader import render_to_string

from datasets.pipeline.core import Field

FIELDS = [
    Field("name", "Name", "text"),
    Field("population", "Population", "int"),
    Field("area", "Area (km²)", "double"),
    Field("founded", "Founded", "date"),
    Field("location", "Location", "geo_point_2d"),
    Field("outline", "Outline", "geo_shape"),
]
NO_GEO = [field for field in FIELDS if not field.type.startswith("geo")]


class Elements(HTMLParser):
    """Every element of a fragment with its attributes, by id, plus the URLs it loads (src, href)."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict[str, str]] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes

    def options(self, select_id: str) -> list[str]:
        """Option values of a select, in order (options follow their select until the next select)."""
        values, inside = [], False
        for tag, attributes in self.tags:
            if tag == "select":
                inside = attributes.get("id") == select_id
            elif tag == "option" and inside:
                values.append(attributes["value"])
        return values

    def loaded(self, tag: str, attribute: str) -> list[str]:
        return [attributes[attribute] for name, attributes in self.tags if name == tag and attribute in attributes]


class View:
    """A stand-in for the catalog's TableQuery: only ``explore_params`` is read."""

    def __init__(self, **params):
        self.params = params

    def explore_params(self) -> QueryDict:
        query = QueryDict(mutable=True)
        for name, value in self.params.items():
            query.setlist(name, value if isinstance(value, list) else [value])
        return query


def dataset(visualization=None, dataset_id="towns"):
    return SimpleNamespace(dataset_id=dataset_id, public_metas={"visualization": visualization or {}})


def render(tab: str, fields=FIELDS, visualization=None, query=None) -> Elements:
    context = {"dataset": dataset(visualization), "fields": fields, "query": query}
    return Elements(render_to_string(f"explore/tabs/{tab}.html", context))


def test_map_container_carries_the_dataset_geo_fields_and_default_popup():
    page = render("map")
    box = page.by_id["map"]
    assert box["data-dataset-id"] == "towns"
    assert box["data-api-base"] == "/api/explore/v2.1"
    assert box["data-geo-field"] == "outline"  # shapes before points
    assert box["data-geo-type"] == "geo_shape"  # drawn whole; points are clustered by the API
    assert json.loads(box["data-geo-fields"]) == ["outline", "location"]
    # Without a choice the popup shows every visible field but the geometries.
    assert json.loads(box["data-tooltip-fields"]) == ["name", "population", "area", "founded"]
    assert box["data-tooltip-title"] == ""
    assert box["data-tooltip-disabled"] == "false"
    assert json.loads(box["data-field-labels"])["area"] == "Area (km²)"
    assert box["data-marker-color"] == "#2a81cb"
    assert box["data-tiles-url"] == ""
    # No tile server: the vendored Natural Earth countries are the basemap.
    assert box["data-basemap-url"] == "/static/vendor/world-atlas/countries-50m.json"
    assert box["data-limit"] == "5000"
    assert box["data-state"] == "idle"
    assert box["data-filters"] == ""
    assert "map-status" in page.by_id


@pytest.mark.parametrize("tab", ["map", "analyze"])
def test_template_comments_stay_out_of_the_page(tab):
    html = render_to_string(f"explore/tabs/{tab}.html", {"dataset": dataset(), "fields": FIELDS, "query": None})
    assert "{#" not in html and "#}" not in html and "comment %}" not in html


def test_map_loads_the_vendored_libraries_before_its_script():
    scripts = render("map").loaded("script", "src")
    assert scripts == [
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/topojson-client/topojson-client.min.js",
        "/static/explore/map-basemap.js",
        "/static/explore/map-requests.js",
        "/static/explore/map.js",
    ]
    styles = render("map").loaded("link", "href")
    assert "/static/vendor/leaflet/leaflet.css" in styles
    assert "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css" in styles


def test_points_only_dataset_maps_its_point_field():
    fields = [field for field in FIELDS if field.type != "geo_shape"]
    box = render("map", fields).by_id["map"]
    assert box["data-geo-field"] == "location"
    assert box["data-geo-type"] == "geo_point_2d"
    assert json.loads(box["data-geo-fields"]) == ["location"]


def test_map_honours_the_visualization_tooltip_and_colour():
    visualization = {
        "map_tooltip_fields": ["population", "secret", "location", "name"],
        "map_tooltip_title": "name",
        "map_marker_color": "#c0ffee",
    }
    box = render("map", visualization=visualization).by_id["map"]
    # A field the visitor does not see ("secret") and the geometry itself are left out; the order is kept.
    assert json.loads(box["data-tooltip-fields"]) == ["population", "name"]
    assert box["data-tooltip-title"] == "name"
    assert box["data-marker-color"] == "#c0ffee"


def test_hidden_fields_named_by_the_metadata_stay_out_of_the_page():
    visible = [field for field in FIELDS if field.name != "population"]
    html = render_to_string(
        "explore/tabs/map.html",
        {
            "dataset": dataset({"map_tooltip_fields": ["population"], "map_tooltip_title": "population"}),
            "fields": visible,
        },
    )
    assert "population" not in html
    box = Elements(html).by_id["map"]
    assert json.loads(box["data-tooltip-fields"]) == ["name", "area", "founded"]  # falls back to every field
    assert box["data-tooltip-title"] == ""


def test_disabled_tooltip_sends_no_fields():
    box = render("map", visualization={"map_tooltip_disabled": True, "map_tooltip_title": "name"}).by_id["map"]
    assert box["data-tooltip-disabled"] == "true"
    assert json.loads(box["data-tooltip-fields"]) == []
    assert box["data-tooltip-title"] == ""


@pytest.mark.parametrize("color", ["red", "#12345", "#zzz", "#fff;background:url(x)"])
def test_malformed_marker_colour_falls_back_to_the_default(color):
    assert render("map", visualization={"map_marker_color": color}).by_id["map"]["data-marker-color"] == "#2a81cb"


def test_map_disabled_by_metadata_renders_no_map():
    page = render("map", visualization={"map_disabled": True})
    assert "map" not in page.by_id
    assert "map-disabled" in page.by_id
    assert page.loaded("script", "src") == []


@pytest.mark.parametrize("fields", [NO_GEO, [], None])
def test_dataset_without_visible_geo_field_renders_no_map(fields):
    page = render("map", fields)
    assert "map" not in page.by_id
    assert "map-unavailable" in page.by_id
    assert page.loaded("script", "src") == []


def test_tiles_setting_reaches_the_map(settings):
    settings.MAP_TILES_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "© Example"
    page = render("map")
    box = page.by_id["map"]
    assert box["data-tiles-url"] == "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    assert box["data-tiles-attribution"] == "© Example"
    # Tiles win: no countries to fetch, nor the script that reads them.
    assert box["data-basemap-url"] == ""
    scripts = page.loaded("script", "src")
    assert "/static/vendor/topojson-client/topojson-client.min.js" not in scripts
    assert "/static/explore/map-basemap.js" not in scripts


def test_view_filters_are_passed_without_the_sort():
    view = View(where='"oak"', refine=["region:North", "year:2020"], order_by="name asc")
    for tab, element in (("map", "map"), ("analyze", "analyze-form")):
        filters = render(tab, query=view).by_id[element]["data-filters"]
        assert parse_qs(filters) == {"where": ['"oak"'], "refine": ["region:North", "year:2020"]}


def test_analyze_form_offers_groupable_and_numeric_fields():
    page = render("analyze")
    form = page.by_id["analyze-form"]
    assert form["data-dataset-id"] == "towns"
    assert form["data-api-base"] == "/api/explore/v2.1"
    assert form["data-limit"] == "20000"
    assert page.options("analyze-x") == ["name", "population", "area", "founded"]  # no geo fields
    assert page.options("analyze-agg") == ["count", "sum", "avg", "min", "max"]
    assert page.options("analyze-y") == ["", "population", "area"]
    assert page.options("analyze-chart") == ["bar", "line", "pie"]
    assert {page.by_id[name]["name"] for name in ("analyze-x", "analyze-agg", "analyze-y", "analyze-chart")} == {
        "x",
        "agg",
        "y",
        "chart",
    }
    assert "chart" in page.by_id  # the canvas
    assert "analyze-table" in page.by_id  # the numbers, filled with the chart
    assert page.by_id["analyze-chart-box"]["data-state"] == "idle"
    # Without a metadata default nor values to look at, a date field by year: never one bar per unique name.
    assert parse_qs(form["data-default"]) == {"x": ["founded"], "period": ["year"], "agg": ["count"], "chart": ["bar"]}
    assert form["data-top"] == "50"
    assert page.options("analyze-period") == ["", "year", "month", "day", "hour"]
    assert page.by_id["analyze-width"]["name"] == "width"
    # Each group-by option says what groupings it offers, for analyze.js to show the period or the width.
    options = {attributes["value"]: attributes for tag, attributes in page.tags if attributes.get("data-type")}
    assert options["founded"]["data-periods"] == "year month day"
    assert options["name"]["data-periods"] == options["population"]["data-periods"] == ""
    assert options["area"]["data-type"] == "double"
    assert page.loaded("script", "src") == ["/static/vendor/chart.js/chart.umd.min.js", "/static/explore/analyze.js"]


def test_analyze_without_numeric_fields_offers_count_only():
    page = render("analyze", [Field("name", "Name", "text"), Field("location", "Location", "geo_point_2d")])
    assert page.options("analyze-x") == ["name"]
    assert page.options("analyze-agg") == ["count"]
    assert page.options("analyze-y") == [""]


BY_YEAR = {"x": ["founded"], "period": ["year"], "agg": ["count"], "chart": ["bar"]}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("x=founded&agg=sum&y=area&chart=line", {"x": ["founded"], "agg": ["sum"], "y": ["area"], "chart": ["line"]}),
        ("?x=population&chart=pie", {"x": ["population"], "agg": ["count"], "chart": ["pie"]}),
        # Unknown or hidden fields, a numeric aggregate of a text field, an unknown chart: defaults instead.
        ("x=secret&agg=avg&y=name&chart=radar", BY_YEAR),
        ("x=location&agg=median&y=area", BY_YEAR),
        ("not a query string", BY_YEAR),
        ("x=founded&period=month", {"x": ["founded"], "period": ["month"], "agg": ["count"], "chart": ["bar"]}),
        ("x=area&width=0.5", {"x": ["area"], "width": ["0.5"], "agg": ["count"], "chart": ["bar"]}),
    ],
)
def test_analyze_default_from_metadata_is_checked_against_the_fields(given, expected):
    form = render("analyze", visualization={"analyze_default": given}).by_id["analyze-form"]
    assert parse_qs(form["data-default"]) == expected


def test_analyze_disabled_by_metadata_renders_no_form():
    page = render("analyze", visualization={"analyze_disabled": True})
    assert "analyze-form" not in page.by_id
    assert "chart" not in page.by_id
    assert "analyze-disabled" in page.by_id
    assert page.loaded("script", "src") == []


@pytest.mark.parametrize("fields", [[Field("location", "Location", "geo_point_2d")], [], None])
def test_analyze_without_groupable_field_renders_no_form(fields):
    page = render("analyze", fields)
    assert "analyze-form" not in page.by_id
    assert "analyze-unavailable" in page.by_id


def test_fields_as_dicts_are_accepted():
    fields = [field.as_dict() for field in FIELDS]
    assert render("map", fields).by_id["map"]["data-geo-field"] == "outline"
    assert render("analyze", fields).options("analyze-y") == ["", "population", "area"]


def test_values_are_escaped_in_attributes():
    fields = [Field("name", 'Name "quoted" <b>', "text"), Field("location", "Location", "geo_point_2d")]
    html = render_to_string("explore/tabs/map.html", {"dataset": dataset(), "fields": fields})
    assert "<b>" not in html
    assert json.loads(Elements(html).by_id["map"]["data-field-labels"])["name"] == 'Name "quoted" <b>'
