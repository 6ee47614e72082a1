"""The dataset page's map and analyze tabs in a browser: markers drawn from the Explore API, a chart of a
grouped aggregate. Expected counts and sums come from the rows in Python (tests/browser/data.py)."""

from collections import Counter, defaultdict

import pytest
from playwright.sync_api import expect

from .data import TREES, TREES_METAS, publish


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
