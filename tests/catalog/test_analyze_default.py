"""The analyze tab's first chart, chosen per dataset shape: a facet or a field of few values counted, else a date
histogram by a period giving a few dozen bars, else a numeric distribution in round ranges; the visualization
metadata's default first. The choice over a stand-in profile, then over published tables through the page."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from urllib.parse import parse_qs

import pytest

from datasets.access.errors import ExploreError
from datasets.models import Dataset, Ruleset
from datasets.selectors import field_profile
from datasets.selectors.analyze_default import analyze_default, width_for
from tests.catalog.conftest import between

NAME = {"name": "name", "type": "text"}
KIND = {"name": "kind", "type": "text"}
DAY = {"name": "day", "type": "date"}
AT = {"name": "at", "type": "datetime"}
AMOUNT = {"name": "amount", "type": "double"}
RANK = {"name": "rank", "type": "int"}


class Profile:
    """What the values look like, as given; records what it was asked."""

    def __init__(self, distinct=None, spans=None):
        self.distinct = distinct or {}
        self.spans = spans or {}
        self.asked: list = []

    def distinct_counts(self, names):
        self.asked.append(("distinct", tuple(names)))
        return {name: self.distinct[name] for name in names if name in self.distinct}

    def span(self, name):
        self.asked.append(("span", name))
        return self.spans.get(name)


def choose(groupable, profile=None, text="", numeric=None):
    numeric = [f for f in groupable if f["type"] in ("int", "double")] if numeric is None else numeric
    return analyze_default(text, groupable, numeric, profile)


YEARS = (dt.date(2015, 3, 1), dt.date(2024, 11, 30))


def test_a_facet_field_is_counted_whatever_the_other_fields():
    facet = {**KIND, "annotations": [{"name": "facet", "args": []}]}
    profile = Profile({"name": 5000, "kind": 4000}, {"day": YEARS})
    assert choose([NAME, DAY, facet], profile) == {"x": "kind", "agg": "count", "chart": "bar"}


def test_a_field_of_few_values_is_counted_before_a_date():
    profile = Profile({"name": 5000, "kind": 7}, {"day": YEARS})
    assert choose([NAME, KIND, DAY], profile) == {"x": "kind", "agg": "count", "chart": "bar"}
    assert profile.asked == [("distinct", ("name", "kind"))]  # no date range read


@pytest.mark.parametrize("distinct", [1, 31, 5000])
def test_a_single_value_or_too_many_values_is_not_a_category(distinct):
    profile = Profile({"name": 5000, "kind": distinct}, {"day": YEARS})
    assert choose([NAME, KIND, DAY], profile)["x"] == "day"


@pytest.mark.parametrize(
    ("field", "span", "period"),
    [
        (DAY, YEARS, "year"),  # ten years: 10 bars (120 months would be too many)
        (DAY, (dt.date(2023, 1, 5), dt.date(2024, 6, 1)), "month"),  # 18 months
        (DAY, (dt.date(2024, 1, 1), dt.date(2024, 2, 29)), "day"),  # 60 days
        (DAY, (dt.date(2024, 1, 1), dt.date(2024, 3, 1)), "month"),  # 61 days: 3 months
        (DAY, (dt.date(1800, 1, 1), dt.date(2024, 1, 1)), "year"),  # too long for any: by year, capped
        (AT, (dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC), dt.datetime(2024, 5, 2, 20, tzinfo=dt.UTC)), "hour"),
        (AT, (dt.datetime(2024, 5, 1, tzinfo=dt.UTC), dt.datetime(2024, 5, 9, tzinfo=dt.UTC)), "day"),
        (DAY, None, "year"),  # range unknown (an empty table, a refused read)
    ],
)
def test_unique_names_and_a_date_give_a_histogram_of_a_few_dozen_bars(field, span, period):
    profile = Profile({"name": 5000}, {field["name"]: span})
    assert choose([NAME, field], profile) == {"x": field["name"], "period": period, "agg": "count", "chart": "bar"}


def test_a_date_never_gets_hours():
    two_days = (dt.date(2024, 1, 1), dt.date(2024, 1, 2))
    assert choose([NAME, DAY], Profile({"name": 5000}, {"day": two_days}))["period"] == "day"


def test_numbers_only_give_their_distribution_in_round_ranges():
    profile = Profile({"rank": 900}, {"amount": (3.5, 987.2), "rank": (1, 900)})
    state = choose([AMOUNT, RANK], profile)
    assert state == {"x": "amount", "width": "50", "agg": "count", "chart": "bar"}


def test_an_integer_field_of_few_values_is_counted_rather_than_ranged():
    assert choose([AMOUNT, RANK], Profile({"rank": 5}))["x"] == "rank"
    assert "width" not in choose([AMOUNT, RANK], Profile({"rank": 5}))


@pytest.mark.parametrize(
    ("span", "kind", "width"),
    [
        ((0, 1000), "double", "50"),
        ((0, 1), "double", "0.05"),
        ((0, 7), "int", "1"),  # 0.5 would split integers
        ((-40, 45), "int", "5"),
        ((0, 3e6), "double", "200000"),
        ((5, 5), "int", ""),  # one value: each value its own group
        (None, "double", ""),
    ],
)
def test_range_widths_are_round(span, kind, width):
    assert width_for(span, kind) == width


def test_only_unique_texts_fall_back_to_the_first_field_counted():
    assert choose([NAME, {"name": "code", "type": "text"}], Profile({"name": 5000, "code": 5000})) == {
        "x": "name",
        "agg": "count",
        "chart": "bar",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x=day&period=month&chart=line", {"x": "day", "period": "month", "agg": "count", "chart": "line"}),
        (
            "x=at&period=hour&agg=sum&y=amount",
            {"x": "at", "period": "hour", "agg": "sum", "y": "amount", "chart": "bar"},
        ),
        ("x=amount&width=2.5&chart=bar", {"x": "amount", "width": "2.5", "agg": "count", "chart": "bar"}),
        ("x=name&chart=pie", {"x": "name", "agg": "count", "chart": "pie"}),
        # What does not fit the field is dropped: hours of a date, a width of a text, a bad width.
        ("x=day&period=hour", {"x": "day", "agg": "count", "chart": "bar"}),
        ("x=name&width=5", {"x": "name", "agg": "count", "chart": "bar"}),
        ("x=amount&width=-1", {"x": "amount", "agg": "count", "chart": "bar"}),
        ("x=amount&width=abc&period=year", {"x": "amount", "agg": "count", "chart": "bar"}),
    ],
)
def test_the_metadata_default_comes_first_and_reads_no_values(text, expected):
    profile = Profile({"name": 2}, {"day": YEARS})
    state = choose([NAME, DAY, AT, AMOUNT], profile, text=text)
    assert {name: state.get(name) for name in expected} == expected
    assert set(state) == set(expected)
    assert profile.asked == []


def test_a_metadata_default_naming_an_unknown_field_falls_back_to_the_data():
    profile = Profile({"name": 5000}, {"day": YEARS})
    state = choose([NAME, DAY], profile, text="x=secret&chart=line")
    assert state == {"x": "day", "period": "year", "agg": "count", "chart": "line"}


# Over published tables, through the analyze tab.

published_tables = pytest.mark.django_db(transaction=True)

EVENTS = [
    {"name": f"Event {n:03d}", "held": f"{2016 + n % 8}-{n % 12 + 1:02d}-{n % 27 + 1:02d}", "seats": str(n * 3)}
    for n in range(120)
]
SHOPS = [
    {"name": f"Shop {n:03d}", "kind": ("bakery", "florist", "butcher")[n % 3], "opened": f"{2000 + n}-01-01"}
    for n in range(80)
]
NUMBERS = [{"reading": f"{n * 2.5:.1f}", "sensor": f"S{n}"} for n in range(200)]
FACETED = [{"name": f"Item {n}", "code": f"C{n}", "on": "2020-01-01"} for n in range(50)]
FACET = {"name": "annotate", "args": {"field": "code", "annotation": "facet"}}


def spec(dataset_id, rows, visualization=None):
    metas = {"default": {"title": dataset_id}}
    if visualization:
        metas["visualization"] = visualization
    return {"dataset_id": dataset_id, "metas": metas, "rows": rows}


def page_default(client, dataset_id: str) -> dict[str, list[str]]:
    response = client.get(f"/explore/dataset/{dataset_id}/analyze/")
    assert response.status_code == 200
    form = between(response.content.decode(), '<form id="analyze-form"', ">")
    default = between(form, 'data-default="', '"').replace("&amp;", "&")
    return parse_qs(default)


@published_tables
def test_published_datasets_open_on_a_meaningful_chart(client, publish, chief_api):
    publish(
        [
            spec("events", EVENTS),
            spec("shops", SHOPS),
            spec("readings", NUMBERS),
            spec("configured", EVENTS, {"analyze_default": "x=seats&width=100&chart=line"}),
        ]
    )
    # Unique names, dates over eight years: by year (96 months would be too many bars).
    assert page_default(client, "events") == {"x": ["held"], "period": ["year"], "agg": ["count"], "chart": ["bar"]}
    # Three kinds of shop: counted by kind.
    assert page_default(client, "shops") == {"x": ["kind"], "agg": ["count"], "chart": ["bar"]}
    # Numbers from 0 to 497.5 (the sensors are unique): 10 ranges of 50.
    assert page_default(client, "readings") == {"x": ["reading"], "width": ["50"], "agg": ["count"], "chart": ["bar"]}
    assert page_default(client, "configured") == {"x": ["seats"], "width": ["100"], "agg": ["count"], "chart": ["line"]}


@published_tables
def test_a_facet_annotated_field_is_the_default_of_its_page(client, chief_api, alice, run_worker, redis, settings):
    from tests.datasets.api.conftest import publish_public_csv, rows_csv

    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = "100000/minute"
    publish_public_csv(chief_api, alice, run_worker, "faceted", rows_csv(FACETED), specifications=[FACET])
    assert page_default(client, "faceted") == {"x": ["code"], "agg": ["count"], "chart": ["bar"]}


VISITS = [
    {
        "name": f"Visit {n:03d}",
        "zone": "A" if n < 50 else "B",
        "held": f"2024-{n % 6 + 1:02d}-10" if n < 50 else f"{1990 + n % 34}-05-01",
    }
    for n in range(100)
]


@published_tables
def test_the_default_reads_only_the_records_the_visitor_reads(client, publish):
    publish([spec("visits", VISITS)])
    # Every record: two zones, counted.
    assert page_default(client, "visits") == {"x": ["zone"], "agg": ["count"], "chart": ["bar"]}
    # Zone A only (one zone, six months of 2024): the default of the whole table would tell of the hidden rows.
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="visits"), kind="default", filter_query='zone = "A"')
    assert page_default(client, "visits") == {"x": ["held"], "period": ["month"], "agg": ["count"], "chart": ["bar"]}


def test_a_refused_read_leaves_the_default_to_the_field_types(monkeypatch):
    def refuse(*args):
        raise ExploreError(503, "QueryTimeout", "The query took too long")

    monkeypatch.setattr(field_profile, "cached_rows", refuse)
    published = SimpleNamespace(table_name="t_v1", readable=SimpleNamespace(condition=None))
    profile = field_profile.TableProfile(published)
    assert profile.distinct_counts(["name", "kind"]) == {}
    assert profile.span("day") is None
    assert choose([NAME, KIND, DAY], profile) == {"x": "day", "period": "year", "agg": "count", "chart": "bar"}
