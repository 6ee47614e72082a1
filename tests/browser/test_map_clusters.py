"""The dataset page's map over a dataset larger than one export page: the Natural Earth countries drawn under the
data without any tile server, every record counted in the clusters the Explore API computes, and single
records once zoomed in. Expected counts come from the rows in Python, never from the page's own code."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.data import publish

KINDS = ["Well", "Spring", "Pump"]
# 6,000 wells, springs and pumps over Europe (more than the 5,000 records the map once fetched), spread by two
# coprime strides so that every part of the box holds some.
SITES = [
    {
        "name": f"Site {number:04d}",
        "kind": KINDS[number % len(KINDS)],
        "lat": round(37 + (number * 7919 % 2300) / 100, 4),
        "lon": round(-8 + (number * 104_729 % 3500) / 100, 4),
    }
    for number in range(6000)
]
SITES_METAS = {"default": {"title": "Water points"}}
BOX = re.compile(r"in_bbox\(geo, (-?[\d.]+), (-?[\d.]+), (-?[\d.]+), (-?[\d.]+)\)")


@pytest.fixture
def sites(chief, chief_api, run_worker):
    publish(chief_api, chief, run_worker, "sites", SITES, SITES_METAS, geo=True)


def settled(page) -> None:
    """Wait for the map to be drawn and still: ready, and its markers unchanged over 400 ms."""
    box = page.locator("#map")
    expect(box).to_have_attribute("data-state", "ready")
    previous = shown(page)
    for _ in range(20):
        page.wait_for_timeout(400)
        current = shown(page)
        if current == previous and box.get_attribute("data-state") == "ready":
            return
        previous = current
    raise AssertionError("the map kept changing")


def shown(page) -> tuple[int, int, int]:
    """(the counts on the server's clusters, single markers, the counts on the browser's clusters)."""
    servers = page.locator(".explore-cluster").all_inner_texts()
    browsers = page.locator(".marker-cluster").all_inner_texts()
    return sum(map(int, servers)), page.locator(".explore-marker").count(), sum(map(int, browsers))


def in_box(box: tuple[float, float, float, float], rows: list[dict]) -> int:
    south, west, north, east = box
    return sum(south <= row["lat"] <= north and west <= row["lon"] <= east for row in rows)


def test_every_record_is_counted_in_clusters_over_country_outlines(page, shot, sites):
    boxes = []  # the in_bbox() corners of each clusters request, in order
    page.on("request", lambda request: boxes.extend(cluster_box(request.url)))
    page.goto("/explore/dataset/sites/map/")
    box = page.locator("#map")
    settled(page)
    expect(box).to_have_attribute("data-mode", "clusters")
    expect(box).to_have_attribute("data-basemap", "ready")
    # The countries are drawn, under the data, with no tile server configured.
    assert page.locator(".leaflet-basemap-pane path").count() > 100
    assert page.locator(".leaflet-tile").count() == 0
    clustered, singles, _ = shown(page)
    assert (clustered, singles) == (len(SITES), 0)
    assert page.locator(".explore-cluster").count() > 10
    expect(page.locator("#map-status")).to_contain_text("6,000 records in ")
    expect(page.locator("#map-status")).not_to_contain_text("first")
    shot("clusters")

    # A cluster is a button: Enter zooms in on it, until the view holds few enough records to draw them singly.
    for _ in range(8):
        if box.get_attribute("data-mode") == "records":
            break
        zoom = int(box.get_attribute("data-zoom"))
        page.locator(".explore-cluster").first.focus()
        page.keyboard.press("Enter")
        expect(box).not_to_have_attribute("data-zoom", str(zoom))
        settled(page)
    expect(box).to_have_attribute("data-mode", "records")
    clustered, singles, grouped = shown(page)
    assert clustered == 0 and singles > 0
    # What is drawn is every record of the visible box the last request asked about.
    expected = in_box(boxes[-1], SITES)
    assert 0 < singles + grouped == expected < len(SITES)
    expect(page.locator("#map-status")).to_contain_text(f"{expected} records drawn of 6,000 with a location")
    shot("records")

    page.locator(".explore-marker").first.click()
    expect(page.locator(".leaflet-popup .explore-popup")).to_be_visible()
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    assert page.locator(".leaflet-popup dd").first.inner_text().startswith("Site ")
    shot("popup")


def cluster_box(url: str) -> list[tuple[float, ...]]:
    """The in_bbox() corners of a clusters request of the map, as floats (none for another request)."""
    query = parse_qs(urlparse(url).query)
    if "group_by" not in query:
        return []
    found = [BOX.search(where) for where in query.get("where", [])]
    return [tuple(float(value) for value in match.groups()) for match in found if match]


def test_clusters_follow_the_page_filter(page, shot, sites):
    page.goto("/explore/dataset/sites/map/?q=Spring")
    settled(page)
    expect(page.locator("#map")).to_have_attribute("data-mode", "clusters")
    springs = sum(site["kind"] == "Spring" for site in SITES)
    assert shown(page) == (springs, 0, 0)
    expect(page.locator("#map-status")).to_contain_text(f"{springs:,} records in ")
    shot("springs")

    # On a phone the map is narrower and fitted again: still every record counted.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    settled(page)
    assert shown(page) == (springs, 0, 0)
    shot("springs-phone")
