"""The Explore API console in a browser: from a dataset's API tab to a records query run in Swagger UI."""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.data import TREES, TREES_METAS, publish

RECORDS = "#operations-Dataset-getRecords"


@pytest.fixture
def trees(chief, chief_api, run_worker):
    """The street trees (45 rows), published."""
    publish(chief_api, chief, run_worker, "trees", TREES, TREES_METAS)


def test_a_records_query_runs_in_the_console_from_the_api_tab(page, shot, trees):
    page.goto("/explore/dataset/trees/api/")
    link = page.get_by_role("link", name="Try this dataset's records in the API console")
    expect(link).to_be_visible()
    shot("api-tab")

    link.click()
    expect(page).to_have_url("/api/explore/v2.1/console?dataset=trees#/Dataset/getRecords")
    operation = page.locator(RECORDS)
    expect(operation.locator(".opblock-body")).to_be_visible()  # the deep link opened the records operation
    dataset_input = operation.locator('tr[data-param-name="dataset_id"] input')
    expect(dataset_input).to_have_value("trees")
    shot("console-records-operation")
    operation.locator(".parameters-container").screenshot(path=page.artifact_dir / "02b-prefilled-parameters.png")

    tallest = max(TREES, key=lambda tree: tree["height"])
    operation.locator('tr[data-param-name="select"] input').fill("name, height")
    operation.locator('tr[data-param-name="order_by"] input').fill("height desc")
    operation.locator('tr[data-param-name="limit"] input').fill("3")
    operation.get_by_role("button", name="Execute").click()

    response = operation.locator(".live-responses-table .response-col_description .microlight").first
    expect(response).to_contain_text(tallest["name"])
    body = json.loads(response.inner_text())
    assert body["total_count"] == len(TREES)
    assert body["results"][0] == {"name": tallest["name"], "height": tallest["height"]}
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    request_url = operation.locator(".request-url pre").inner_text()
    assert "/api/explore/v2.1/catalog/datasets/trees/records?select=name%2C%20height" in request_url
    shot("console-records-answer")
    # The answer close up: the full page is too tall to read it.
    operation.locator(".responses-inner").first.screenshot(path=page.artifact_dir / "03b-records-answer-close-up.png")


def test_the_site_header_opens_the_console(page, shot, trees):
    page.goto("/")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="API").click()
    expect(page).to_have_url("/api/explore/v2.1/console")
    expect(page.get_by_role("heading", name="Explore API console")).to_be_visible()
    expect(page.locator("#operations-Catalog-getDatasets")).to_be_visible()
    expect(page.locator("#operations-Dataset-getRecords")).to_be_visible()
    shot("console")

    page.locator("#operations-Catalog-getDatasets .opblock-summary-control").click()
    page.locator("#operations-Catalog-getDatasets").get_by_role("button", name="Try it out").click()
    page.locator("#operations-Catalog-getDatasets").get_by_role("button", name="Execute").click()
    answer = page.locator("#operations-Catalog-getDatasets .live-responses-table .microlight").first
    expect(answer).to_contain_text('"dataset_id": "trees"')
    shot("console-catalog-answer")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/api/explore/v2.1/console")
    expect(page.locator("#operations-Dataset-getRecords")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scroll on a phone
    shot("console-phone")
