"""The analyze tab of a dataset of unique names and dates over three years: it opens on a monthly histogram of a
few dozen bars (not one bar per name), redraws by year, caps a grouping by unique names to its largest groups
with a note, and draws numeric ranges in order. Expected bars come from the rows in Python."""

import datetime as dt
from collections import Counter

import pytest
from playwright.sync_api import expect

from tests.browser.data import publish

# 300 inspections, one per name, on dates spread over 2022-2024; scores all differ (no field of few values).
INSPECTIONS = [
    {
        "name": f"Inspection {number:03d}",
        "visited": (dt.date(2022, 1, 1) + dt.timedelta(days=(number * 37 + number * number) % 1096)).isoformat(),
        "score": number,
    }
    for number in range(300)
]
METAS = {"default": {"title": "Kitchen inspections", "description": "One visit per restaurant."}}


@pytest.fixture
def inspections(chief, chief_api, run_worker):
    publish(chief_api, chief, run_worker, "inspections", INSPECTIONS, METAS)


def chart_bars(page) -> list[tuple[str, float]]:
    """The drawn chart's (label, value) pairs in order, read from Chart.js."""
    data = page.evaluate(
        "() => { const c = Chart.getChart('chart'); return [c.data.labels, c.data.datasets[0].data]; }"
    )
    return list(zip(data[0], data[1], strict=True))


def test_the_analyze_tab_opens_on_a_histogram_of_the_dates_and_groups_them_by_year(page, shot, inspections):
    box = page.locator("#analyze-chart-box")
    page.goto("/explore/dataset/inspections/analyze/")
    expect(box).to_have_attribute("data-state", "ready")
    # Three years: by month (36 bars at most), in calendar order, every record counted once.
    months = Counter(row["visited"][:7] for row in INSPECTIONS)
    assert chart_bars(page) == sorted(months.items())
    assert 24 < len(months) <= 36
    expect(page.locator("#analyze-x")).to_have_value("visited")
    expect(page.locator("#analyze-period")).to_have_value("month")
    expect(page.locator("#analyze-width")).to_be_hidden()
    expect(page).to_have_url("/explore/dataset/inspections/analyze/?x=visited&period=month&agg=count&chart=bar")
    shot("by-month")

    page.select_option("#analyze-period", "year")
    expect(page).to_have_url("/explore/dataset/inspections/analyze/?x=visited&period=year&agg=count&chart=bar")
    expect(box).to_have_attribute("data-groups", "3")
    years = Counter(row["visited"][:4] for row in INSPECTIONS)
    assert chart_bars(page) == sorted(years.items())
    assert [label for label, _ in chart_bars(page)] == ["2022", "2023", "2024"]
    expect(page.locator("#analyze-table-group")).to_have_text("visited (by year)")
    shot("by-year")

    # The link reopens the same chart.
    page.reload()
    expect(box).to_have_attribute("data-state", "ready")
    expect(page.locator("#analyze-period")).to_have_value("year")
    assert len(chart_bars(page)) == 3


def test_unique_names_are_capped_to_their_largest_groups_and_numbers_ranged(page, shot, inspections):
    box = page.locator("#analyze-chart-box")
    page.goto("/explore/dataset/inspections/analyze/?x=name&agg=count&chart=bar")
    expect(box).to_have_attribute("data-state", "ready")
    expect(page.locator("#analyze-period")).to_be_hidden()
    assert len(chart_bars(page)) == 50
    expect(page.locator("#analyze-status")).to_have_text("The 50 largest groups of 300.")
    shot("names-capped")

    # Choosing a date field offers its periods and starts by year (not one bar per date).
    page.select_option("#analyze-x", "visited")
    expect(page.locator("#analyze-period")).to_have_value("year")
    expect(page).to_have_url("/explore/dataset/inspections/analyze/?x=visited&period=year&agg=count&chart=bar")
    expect(box).to_have_attribute("data-groups", "3")
    expect(page.locator("#analyze-status")).to_have_text("3 groups.")
    # A date has no hours to group by.
    assert page.locator("#analyze-period option:not([disabled])").all_inner_texts() == [
        "Each value",
        "Year",
        "Month",
        "Day",
    ]

    # A numeric field: ranges of a chosen width, in their order (not as text: 0-100 before 100-200).
    page.select_option("#analyze-x", "score")
    expect(page.locator("#analyze-width")).to_be_visible()
    page.fill("#analyze-width", "100")
    page.get_by_role("button", name="Draw").click()
    expect(page).to_have_url("/explore/dataset/inspections/analyze/?x=score&width=100&agg=count&chart=bar")
    expect(box).to_have_attribute("data-groups", "3")
    assert chart_bars(page) == [("0-100", 100), ("100-200", 100), ("200-300", 100)]
    shot("score-ranges")

    # On a phone the form wraps above the chart.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/explore/dataset/inspections/analyze/")
    expect(box).to_have_attribute("data-state", "ready")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot("phone")
