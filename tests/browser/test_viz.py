"""The dataset page's map and analyze tabs in a browser: markers drawn from the Explore API, a chart of a
grouped aggregate. Expected counts and sums come from the rows in Python (tests/browser/data.py)."""

from collections import Counter, defaultdict

import pytest
from playwright.sync_api import expect

from tests.browser.data import TREES, TREES_METAS, publish


@pytest.fixture
def geo_trees(chief, chief_api, run_worker):
    """The street trees with a geo_point_2d field built from lat/lon, published."""
    publish(chief_api, chief, run_worker, "trees", TREES, TREES_METAS, geo=True)


def markers_on_map(page) -> int:
    """Records the map shows: single markers plus the counts printed on the clusters, once the map is still.

    Fitting the map to its points zooms with an animation, during which the clusters of the former zoom are
    still in the page: the count is read until two reads 400 ms apart agree.
    """

    def count() -> int:
        clusters = page.locator(".marker-cluster").all_inner_texts()
        return page.locator(".explore-marker").count() + sum(int(text) for text in clusters)

    previous = count()
    for _ in range(20):
        page.wait_for_timeout(400)
        current = count()
        if current == previous:
            return current
        previous = current
    raise AssertionError("the map's markers kept changing")


def test_the_map_shows_a_marker_per_record_and_follows_the_filter(page, shot, geo_trees):
    page.goto("/explore/dataset/trees/map/")
    expect(page.locator("#map")).to_have_attribute("data-state", "ready")
    assert markers_on_map(page) == len(TREES)
    shot("map")

    page.goto("/explore/dataset/trees/map/?q=Oak")
    expect(page.locator("#map")).to_have_attribute("data-state", "ready")
    assert markers_on_map(page) == sum(tree["species"] == "Oak" for tree in TREES)
    shot("map-oak")

    page.goto("/explore/dataset/trees/map/?q=nothing-like-this")
    expect(page.locator("#map")).to_have_attribute("data-state", "empty")
    assert markers_on_map(page) == 0
    shot("map-empty")


def chart_data(page) -> dict[str, float]:
    """The drawn chart's labels and values, read from Chart.js."""
    data = page.evaluate(
        "() => { const c = Chart.getChart('chart'); return [c.data.labels, c.data.datasets[0].data]; }"
    )
    return dict(zip(data[0], data[1], strict=True))


def test_the_analyze_tab_draws_a_chart_of_the_aggregate(page, shot, geo_trees):
    box = page.locator("#analyze-chart-box")
    page.goto("/explore/dataset/trees/analyze/?x=species&agg=sum&y=height&chart=bar")
    expect(box).to_have_attribute("data-state", "ready")
    sums = defaultdict(int)
    for tree in TREES:
        sums[tree["species"]] += tree["height"]
    assert chart_data(page) == sums
    shot("sum-of-height-by-species")

    # Changing the form redraws: the tallest tree per city, as a pie; the form's state goes to the URL.
    page.select_option("#analyze-x", "city")
    page.select_option("#analyze-agg", "max")
    page.select_option("#analyze-y", "height")
    page.select_option("#analyze-chart", "pie")
    page.get_by_role("button", name="Draw").click()
    expect(page).to_have_url("/explore/dataset/trees/analyze/?x=city&agg=max&y=height&chart=pie")
    expect(box).to_have_attribute("data-state", "ready")
    tallest = defaultdict(int)
    for tree in TREES:
        tallest[tree["city"]] = max(tallest[tree["city"]], tree["height"])
    assert chart_data(page) == tallest
    shot("max-height-by-city-pie")

    # Over a filtered view: the oaks' total height per city.
    page.goto("/explore/dataset/trees/analyze/?q=Oak&x=city&agg=sum&y=height&chart=bar")
    expect(box).to_have_attribute("data-state", "ready")
    oaks = Counter()
    for tree in TREES:
        if tree["species"] == "Oak":
            oaks[tree["city"]] += tree["height"]
    assert chart_data(page) == oaks
    shot("oak-heights-per-city")


# Three cities far apart (never clustered at the fitted zoom); one name is markup that must stay text.
EVIL = '<img src="x" onerror="window.pwned = true">Evil elm'
SPOTS = [
    {"name": "Paris oak", "species": "Oak", "height": 12, "lat": 48.8566, "lon": 2.3522},
    {"name": EVIL, "species": "Elm", "height": 30, "lat": 45.7640, "lon": 4.8357},
    {"name": "Lille oak", "species": "Oak", "height": 7, "lat": 50.6292, "lon": 3.0573},
]
SPOTS_METAS = {
    "default": {"title": "Remarkable trees"},
    "visualization": {
        "map_tooltip_title": "name",
        "map_tooltip_fields": ["species", "height"],
        "map_marker_color": "#aa3300",
        "analyze_default": "x=species&agg=sum&y=height&chart=pie",
    },
}


@pytest.fixture
def spots(chief, chief_api, run_worker):
    publish(chief_api, chief, run_worker, "spots", SPOTS, SPOTS_METAS, geo=True)


def test_the_map_popups_follow_the_visualization_metadata_and_show_values_as_text(page, shot, spots):
    page.goto("/explore/dataset/spots/map/")
    expect(page.locator("#map")).to_have_attribute("data-state", "ready")
    markers = page.locator(".explore-marker")
    expect(markers).to_have_count(len(SPOTS))
    expect(page.locator(".marker-cluster")).to_have_count(0)
    colour = markers.first.locator("span").evaluate("span => getComputedStyle(span).backgroundColor")
    assert colour == "rgb(170, 51, 0)"  # #aa3300
    shot("map")

    by_name = {spot["name"]: spot for spot in SPOTS}
    seen = set()
    for index in range(len(SPOTS)):
        markers.nth(index).click()
        popup = page.locator(".leaflet-popup .explore-popup")
        expect(popup).to_be_visible()
        expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # faded in, for the screenshot
        name = popup.locator("h3").inner_text()
        spot = by_name[name]  # the title is the record's name, as plain text
        details = popup.locator("dd").all_inner_texts()
        assert details == [spot["species"], str(spot["height"])]
        assert popup.locator("dt").all_inner_texts() == ["species", "height"]
        shot(f"popup-{index}")
        seen.add(name)
        page.locator(".leaflet-popup-close-button").click()
        expect(popup).to_have_count(0)
    assert seen == set(by_name)
    # The markup in a value was shown, never run.
    assert page.evaluate("() => window.pwned") is None
    assert page.locator(".leaflet-popup-pane img").count() == 0


def test_the_analyze_tab_starts_from_the_dataset_default(page, shot, spots):
    page.goto("/explore/dataset/spots/analyze/")
    expect(page.locator("#analyze-chart-box")).to_have_attribute("data-state", "ready")
    assert page.evaluate("() => Chart.getChart('chart').config.type") == "pie"
    sums = defaultdict(int)
    for spot in SPOTS:
        sums[spot["species"]] += spot["height"]
    assert chart_data(page) == sums
    expect(page.locator("#analyze-y")).to_have_value("height")
    shot("default-analysis")
