"""A 50,000-record dataset in a browser: its table's last record is reached by following the pager's links, past
the 10,000 records page numbers open (the Explore window), and the way back works too."""

import pytest
from playwright.sync_api import expect

from tests.browser.data import publish

GROUPS = ["north", "south", "east", "west"]
SIZE = 50_000
# Few columns, so the CSV stays small and the publish fast; ``seq`` orders them, ``area`` repeats.
ROWS = [{"seq": number, "code": f"R{number:05d}", "area": GROUPS[number % 4]} for number in range(1, SIZE + 1)]
METAS = {"default": {"title": "Meter readings", "description": "Fifty thousand readings, one per row."}}


@pytest.fixture
def readings(chief, chief_api, run_worker):
    publish(chief_api, chief, run_worker, "readings", ROWS, METAS)


def cells(page, column: int) -> list[str]:
    return page.locator(f"table.records tbody tr td:nth-child({column})").all_inner_texts()


def test_the_last_record_of_a_big_table_is_reached_by_its_pages(page, shot, readings):
    page.goto("/explore/dataset/readings/table/")
    expect(page.locator(".results .count")).to_have_text("50000 records · page 1 of 2500")
    # The filters: "area" repeats, "code" (one value per record) is not offered.
    expect(page.locator("#table-facet-area")).to_be_visible()
    expect(page.locator("#table-facet-code")).to_have_count(0)

    page.locator("th[data-field='seq'] a").click()
    expect(page.locator("th[data-field='seq']")).to_have_attribute("aria-sort", "ascending")
    assert cells(page, 1)[:2] == ["1", "2"]
    shot("first-page")

    page.get_by_role("link", name="Last", exact=True).click()
    expect(page.locator(".pager span")).to_have_text("Page 2500 of 2500")
    assert cells(page, 1)[-1] == str(SIZE) and cells(page, 2)[-1] == f"R{SIZE:05d}"
    assert cells(page, 1)[0] == str(SIZE - 19)
    expect(page.get_by_role("link", name="Next", exact=True)).to_have_count(0)
    shot("last-page")

    page.get_by_role("link", name="Previous", exact=True).click()
    expect(page.locator(".pager span")).to_have_text("Page 2499 of 2500")
    assert cells(page, 1) == [str(number) for number in range(SIZE - 39, SIZE - 19)]

    # From the last page open by number, Next goes on past the window.
    page.goto("/explore/dataset/readings/table/?sort=seq&page=500")
    assert cells(page, 1)[-1] == "10000"
    page.get_by_role("link", name="Next", exact=True).click()
    expect(page.locator(".pager span")).to_have_text("Page 501 of 2500")
    assert cells(page, 1)[0] == "10001"
    assert "after=" in page.url
    page.set_viewport_size({"width": 360, "height": 800})  # a phone: the pager wraps, nothing scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.locator("nav.pager").scroll_into_view_if_needed()
    shot("page-501-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A page past the end says so (a 400) and links to the last page.
    page.allowed_console_errors.append("/readings/table/?page=99999)")
    page.goto("/explore/dataset/readings/table/?page=99999")
    expect(page.locator(".error")).to_have_text("Page 99999 does not exist: the table has 2500 pages.")
    shot("page-out-of-range")
    page.get_by_role("link", name="Go to the last page (2500)").click()
    expect(page.locator(".pager span")).to_have_text("Page 2500 of 2500")

    page.allowed_console_errors.append("/explore/dataset/no-such-dataset/)")  # its 404, on purpose
    page.goto("/explore/dataset/no-such-dataset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    shot("not-found")
