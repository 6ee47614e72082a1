"""The public catalog in a browser: the home's search and facets, the dataset's table (pages, sort) and export."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.browser.data import BUDGET, BUDGET_METAS, ECONOMY, TREES, TREES_METAS, publish


@pytest.fixture
def trees(chief, chief_api, run_worker):
    """The street trees (45 rows), published."""
    publish(chief_api, chief, run_worker, "trees", TREES, TREES_METAS)


@pytest.fixture
def catalog(trees, chief, chief_api, run_worker):
    """Two published datasets: street trees and the city budget (5 rows)."""
    publish(chief_api, chief, run_worker, "budget", BUDGET, BUDGET_METAS)


def card_titles(page) -> list[str]:
    return page.locator("article.dataset-card h3").all_inner_texts()


def test_the_home_finds_a_dataset_by_search_and_by_facet(page, shot, catalog):
    page.goto("/")
    expect(page.locator("#results-heading")).to_have_text("2 datasets")
    assert card_titles(page) == ["City budget", "Street trees"]  # by title, the default
    shot("home")

    page.get_by_label("Sort by").select_option(label="Most records")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url("/?q=&sort=-records_count")
    by_size = sorted([("City budget", len(BUDGET)), ("Street trees", len(TREES))], key=lambda item: -item[1])
    assert card_titles(page) == [title for title, _ in by_size]
    shot("sorted-by-records")

    page.get_by_label("Search the catalog").fill("species")  # in the trees' description only
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-heading")).to_have_text("1 dataset")
    assert card_titles(page) == ["Street trees"]
    shot("search")

    page.get_by_label("Search the catalog").fill("no such words anywhere")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".results .empty")).to_contain_text("No dataset matches your search")
    shot("search-nothing")

    page.goto("/")
    theme = page.locator("section.facet", has=page.get_by_role("heading", name="Theme"))
    theme.get_by_role("link", name=ECONOMY, exact=True).click()
    expect(page.locator("#results-heading")).to_have_text("1 dataset")
    assert card_titles(page) == ["City budget"]
    expect(page.locator(".active-refines")).to_contain_text(ECONOMY)
    shot("facet-economy")

    page.get_by_role("link", name="Clear refinements").click()
    expect(page.locator("#results-heading")).to_have_text("2 datasets")

    keyword = page.locator("section.facet", has=page.get_by_role("heading", name="Keyword"))
    keyword.get_by_role("link", name="Exclude Keyword: finance").click()
    expect(page.locator("#results-heading")).to_have_text("1 dataset")
    assert card_titles(page) == ["Street trees"]
    expect(keyword.locator("li.excluded")).to_contain_text("finance")
    expect(page.locator(".active-refines")).to_contain_text("Excluding Keyword: finance")
    page.set_viewport_size({"width": 360, "height": 800})  # a phone: the filters wrap, nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot("excluded-finance-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Remove exclusion: Excluding Keyword: finance").click()
    expect(page.locator("#results-heading")).to_have_text("2 datasets")

    page.get_by_role("link", name="Street trees").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Street trees")
    shot("dataset-page")


def test_a_restricted_dataset_shows_only_to_those_allowed(page, shot, catalog, chief, chief_api, run_worker, staff):
    metas = {"default": {"title": "Staff salaries", "description": "Pay scales of the city staff."}}
    publish(chief_api, chief, run_worker, "salaries", BUDGET, metas, visibility="restricted")

    page.goto("/")
    expect(page.locator("#results-heading")).to_have_text("2 datasets")
    assert "Staff salaries" not in card_titles(page)
    shot("anonymous-home")
    page.allowed_console_errors.append("/explore/dataset/salaries/)")  # its 404, on purpose
    response = page.goto("/explore/dataset/salaries/")
    assert response.status == 404
    shot("anonymous-404")

    # Staff with the domain-wide right to explore restricted datasets see it once logged in.
    page.goto("/admin/login/?next=/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "sam-password-1")
    page.click("input[type=submit]")
    expect(page.locator("#results-heading")).to_have_text("3 datasets")
    assert "Staff salaries" in card_titles(page)
    page.get_by_role("link", name="Staff salaries").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff salaries")
    shot("staff-dataset-page")


def column(page, field: str) -> list[str]:
    """The cells of one column of the records table, by its field name."""
    headers = page.locator("table.records thead th").evaluate_all("ths => ths.map(th => th.dataset.field)")
    index = headers.index(field) + 1
    return page.locator(f"table.records tbody tr td:nth-child({index})").all_inner_texts()


def test_the_table_pages_sorts_and_filters(page, shot, trees):
    page.goto("/explore/dataset/trees/table/")
    expect(page.locator(".total-count")).to_have_text(str(len(TREES)))
    names = column(page, "name")
    assert len(names) == 20 and set(names) <= {tree["name"] for tree in TREES}
    shot("table")

    heights = sorted(tree["height"] for tree in TREES)
    header = page.locator("th[data-field=height]")
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert [int(cell) for cell in column(page, "height")] == heights[:20]
    shot("sorted-ascending")

    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 3")
    assert [int(cell) for cell in column(page, "height")] == heights[20:40]
    shot("sorted-page-2")

    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    assert [int(cell) for cell in column(page, "height")] == heights[::-1][:20]
    shot("sorted-descending")

    species = page.locator("section.facet", has=page.get_by_role("heading", name="species"))
    species.get_by_role("link", name="Oak").click()
    oaks = sorted((tree["height"] for tree in TREES if tree["species"] == "Oak"), reverse=True)
    expect(page.locator(".total-count")).to_have_text(str(len(oaks)))
    assert [int(cell) for cell in column(page, "height")] == oaks  # the sort stays with the filter
    assert set(column(page, "species")) == {"Oak"}
    shot("filtered-oak")


def download_csv(page) -> list[dict]:
    with page.expect_download() as download:
        page.locator("ul.exports a[data-format=csv]").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(content), delimiter=";"))


def test_the_export_link_downloads_the_filtered_csv(page, shot, trees):
    # Filtered in the table (a facet and a search), then the Export tab: its links carry the view.
    page.goto("/explore/dataset/trees/table/")
    page.locator("section.facet", has=page.get_by_role("heading", name="city")).get_by_role("link", name="Lyon").click()
    page.get_by_label("Search the records").fill("Oak")
    page.get_by_role("button", name="Search").click()
    expected = sorted(tree["name"] for tree in TREES if tree["species"] == "Oak" and tree["city"] == "Lyon")
    expect(page.locator(".total-count")).to_have_text(str(len(expected)))
    page.get_by_role("link", name="Export").click()
    expect(page.locator(".explore-tab-export")).to_contain_text("Oak")
    expect(page.locator(".explore-tab-export")).to_contain_text("city:Lyon")
    shot("export-tab")

    rows = download_csv(page)
    assert sorted(row["name"] for row in rows) == expected
    assert {(row["species"], row["city"]) for row in rows} == {("Oak", "Lyon")}

    # Without a filter the export holds every record.
    page.goto("/explore/dataset/trees/export/")
    expect(page.locator(".explore-tab-export")).to_contain_text("every record")
    assert sorted(row["name"] for row in download_csv(page)) == sorted(tree["name"] for tree in TREES)


def test_the_information_and_api_tabs(page, shot, trees):
    page.goto("/explore/dataset/trees/")
    information = page.locator(".explore-tab-information")
    expect(information.locator(".records-count")).to_have_text(str(len(TREES)))
    for value in ("Parks department", "Licence Ouverte v2.0 (Etalab)", "Environment"):
        expect(information).to_contain_text(value)
    names = information.locator("table.fields tbody tr td:first-child").all_inner_texts()
    assert names == list(TREES[0])  # the CSV's columns, in order
    shot("information")

    # The API tab's calls carry the view's search: opening the records call answers the oaks only.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/explore/dataset/trees/api/?q=Oak")
    call = page.locator(".api-call").first
    url = call.locator("input.api-url").input_value()
    answer = page.request.get(url)
    assert answer.ok, answer.text()
    body = answer.json()
    assert body["total_count"] == sum(tree["species"] == "Oak" for tree in TREES)
    assert {record["species"] for record in body["results"]} == {"Oak"}
    shot("api")
    call.get_by_role("button").click()
    expect(call.get_by_role("button")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == url


def test_on_a_phone_the_results_come_before_the_facets(page, shot, trees):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/explore/dataset/trees/")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # the schema table too
    for step, path in (("home", "/"), ("table", "/explore/dataset/trees/table/")):
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(path)
        # Nothing pushes the page sideways: a wide table scrolls inside its own box.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 375, path
        results = page.locator(".catalog-layout .results").bounding_box()
        facets = page.locator(".catalog-layout .facets").bounding_box()
        assert results["y"] + results["height"] <= facets["y"], path  # stacked, results first
        assert results["width"] <= 375 and facets["width"] <= 375, path  # within the screen
        shot(f"{step}-phone")

        page.set_viewport_size({"width": 1280, "height": 900})
        facets, results = (page.locator(f".catalog-layout {part}").bounding_box() for part in (".facets", ".results"))
        assert facets["x"] + facets["width"] <= results["x"], path  # side by side, facets on the left
