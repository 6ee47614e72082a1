"""Search boxes that forgive accents and take word starts, in a browser: a visitor types ``orleans`` in the
catalog's box and in a dataset's table box and finds Orléans; ``chica`` finds Chicago."""

import pytest
from playwright.sync_api import expect

from tests.browser.data import publish

CITIES = [
    {"city": "Orléans", "country": "France", "population": 116_000},
    {"city": "Chicago", "country": "United States", "population": 2_665_000},
    {"city": "Saint-Étienne", "country": "France", "population": 173_000},
    {"city": "Lyon", "country": "France", "population": 522_000},
]
CITIES_METAS = {
    "default": {
        "title": "Cities of Orléans and beyond",
        "description": "A few cities and their population.",
        "keyword": ["cities"],
        "language": "en",
    }
}
TRANSIT_METAS = {"default": {"title": "Chicago bus stops", "description": "Stops of the bus network."}}


@pytest.fixture
def cities(chief, chief_api, run_worker):
    publish(chief_api, chief, run_worker, "cities", CITIES, CITIES_METAS)
    publish(chief_api, chief, run_worker, "transit", [{"stop": "Loop"}], TRANSIT_METAS)


def card_titles(page) -> list[str]:
    return page.locator("article.dataset-card h3").all_inner_texts()


def city_cells(page) -> list[str]:
    headers = page.locator("table.records thead th").evaluate_all("ths => ths.map(th => th.dataset.field)")
    index = headers.index("city") + 1
    return page.locator(f"table.records tbody tr td:nth-child({index})").all_inner_texts()


def test_the_catalog_box_finds_orleans_without_its_accent(page, shot, cities):
    page.goto("/")
    box = page.get_by_label("Search the catalog")
    box.fill("orleans")
    box.press("Enter")  # the keyboard alone submits the search
    expect(page.locator("#results-heading")).to_have_text("1 dataset")
    assert card_titles(page) == ["Cities of Orléans and beyond"]
    expect(box).to_have_value("orleans")
    shot("catalog-orleans")

    box = page.get_by_label("Search the catalog")
    box.fill("chica")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_have_text("1 dataset")
    assert card_titles(page) == ["Chicago bus stops"]
    shot("catalog-chica")


def test_the_table_box_finds_orleans_and_word_starts(page, shot, cities):
    page.goto("/explore/dataset/cities/table/")
    box = page.get_by_label("Search the records")
    box.fill("orleans")
    box.press("Enter")
    expect(page.locator(".total-count")).to_have_text("1")
    assert city_cells(page) == ["Orléans"]
    shot("table-orleans")

    box = page.get_by_label("Search the records")
    box.fill("chica")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".total-count")).to_have_text("1")
    assert city_cells(page) == ["Chicago"]

    box = page.get_by_label("Search the records")
    box.fill("ÉTIENNE")
    box.press("Enter")
    expect(page.locator(".total-count")).to_have_text("1")
    assert city_cells(page) == ["Saint-Étienne"]
    page.set_viewport_size({"width": 360, "height": 800})  # a phone: the search still fits
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot("table-etienne-phone")
