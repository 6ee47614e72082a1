"""The catalog home's ``modified`` facet (years, a refined year's months, a refined month's days) and its exclude
links. Expected lists and counts are computed in Python from ``CATALOG``'s metadata (``modified`` read as UTC)."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group

from datasets.models import Dataset, Ruleset
from tests.catalog.conftest import between, text_of

pytestmark = pytest.mark.django_db(transaction=True)

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip


def spec(dataset_id: str, title: str, keywords: list[str], modified: str, **extra) -> dict:
    metas = {"title": title, "description": f"About {title.lower()}", "keyword": keywords, "modified": modified}
    return {"dataset_id": dataset_id, "metas": {"default": metas}, "rows": [{"n": "1"}], **extra}


CATALOG = [
    spec("stops", "Bus stops", ["bus", "city"], "2024-03-14T10:00:00Z"),
    spec("lines", "Bus lines", ["bus"], "2024-03-14T23:30:00Z"),
    spec("parks", "City parks", ["city", "nature"], "2024-03-02T08:00:00Z"),
    # 23:30 at UTC-2 is already the first of April in UTC: the facet reads periods in UTC.
    spec("trails", "Hiking trails", ["nature"], "2024-03-31T23:30:00-02:00"),
    spec("rivers", "Rivers", ["nature", "water"], "2024-11-05T12:00:00Z"),
    spec("depots", "Bus depots", ["bus", "nature"], "2023-06-30T00:00:00Z"),
    spec("budget", "City budget", ["city", "finance"], "2025-01-15T00:00:00Z"),
    spec("trams", "City trams", ["city", "tram"], "2024-07-20T09:00:00Z"),
    spec("lights", "City lights", ["city"], "2024-03-20T18:00:00Z"),
]
# In 2024/03/14 and with a keyword of its own: counted, it would change the numbers an anonymous visitor sees.
RESTRICTED = spec("salaries", "Staff salaries", ["bus", "secret"], "2024-03-14T12:00:00Z", visibility="restricted")
PERIODS = ("%Y", "%Y/%m", "%Y/%m/%d")
DATASET_LINK = re.compile(r'<h3><a href="/explore/dataset/([^/"]+)/">')
# A counted value (its refine link, then its count), or an excluded one ("excluding <value>", then its remove link).
ENTRY = re.compile(
    r'<a href="([^"]*)" data-value="([^"]*)"([^>]*)>(.*?)</a> <span class="facet-count">(\d+)</span>'
    r'|<span class="facet-state">excluding</span> <span class="excluded-value">(.*?)</span> '
    r'<a href="([^"]*)" class="remove-exclusion" data-value="([^"]*)"[^>]*>(.*?)</a>'
)


@pytest.fixture
def catalog(publish):
    publish([*CATALOG, RESTRICTED])


def moment(item: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(item["metas"]["default"]["modified"]).astimezone(dt.UTC)


def period(item: dict, depth: int) -> str:
    return moment(item).strftime(PERIODS[depth])


def keywords(item: dict) -> list[str]:
    return item["metas"]["default"]["keyword"]


def in_period(item: dict, value: str) -> bool:
    return period(item, value.count("/")) == value


def label(value: str) -> str:
    """A period as the page should write it, built here from the parts."""
    parts = [int(part) for part in value.split("/")]
    if len(parts) == 1:
        return str(parts[0])
    month = f"{MONTHS[parts[1] - 1]} {parts[0]}"
    return month if len(parts) == 2 else f"{parts[2]} {month}"


def by_title(items: list[dict]) -> list[str]:
    return [item["dataset_id"] for item in sorted(items, key=lambda item: item["metas"]["default"]["title"])]


def listed(response) -> list[str]:
    assert response.status_code == 200, response.content[:2000]
    return DATASET_LINK.findall(response.content.decode())


def entries(page: str, facet: str) -> list[dict]:
    """A facet's values in page order (nested ones right after the value they are nested in)."""
    block = between(page, f'<h3 id="facet-{facet}">', "</section>")
    found = []
    for href, value, attributes, inner, count, excluded, remove_href, excluded_value, remove in ENTRY.findall(block):
        if remove_href:
            assert text_of(remove) == "✕ remove"
            entry = {"href": remove_href, "value": excluded_value, "label": text_of(excluded), "count": None}
            found.append({**entry, "href": html.unescape(remove_href), "value": html.unescape(excluded_value)})
            found[-1]["state"] = "excluded"
            continue
        text = text_of(inner).removeprefix("Remove refinement: ")
        found.append(
            {
                "href": html.unescape(href),
                "value": html.unescape(value),
                "label": text,
                "count": int(count),
                "state": "refined" if 'aria-current="true"' in attributes else "displayed",
            }
        )
    return found


def shown(page: str, facet: str) -> list[tuple[str, str, int | None, str]]:
    return [(entry["value"], entry["label"], entry["count"], entry["state"]) for entry in entries(page, facet)]


def expected_periods(items: list[dict], refined: str = "") -> list[tuple[str, str, int, str]]:
    """The modified facet's rows as the page should show them: newest first, a refined period's own periods
    nested right after it (``refined`` is the deepest refined period, ``""`` for none)."""
    rows = []

    def level(chosen: list[dict], depth: int) -> None:
        for value, count in sorted(Counter(period(item, depth) for item in chosen).items(), reverse=True):
            opened = refined == value or refined.startswith(value + "/")
            rows.append((value, label(value), count, "refined" if opened else "displayed"))
            if opened and depth < 2:
                level([item for item in chosen if in_period(item, value)], depth + 1)

    level(items, 0)
    return rows


def keyword_counts(items: list[dict]) -> dict[str, int]:
    return dict(Counter(keyword for item in items for keyword in keywords(item)))


def follow(client, href: str):
    return client.get("/" + href)


def link(page: str, facet: str, value: str) -> str:
    return next(entry["href"] for entry in entries(page, facet) if entry["value"] == value)


def exclude_link(page: str, facet: str, value: str) -> str:
    block = between(page, f'<h3 id="facet-{facet}">', "</section>")
    found = re.search(
        rf'<a class="exclude" href="([^"]*)" data-exclude="{re.escape(value)}" aria-label="([^"]*)"[^>]*>(.*?)</a>',
        block,
    )
    assert found, (facet, value)
    assert found.group(2) == f"Exclude {facet.capitalize()}: {value}"  # the link's accessible name
    assert found.group(3) == "exclude"  # it reads as what it does, not as a "remove" cross
    return html.unescape(found.group(1))


def test_the_modified_facet_lists_years_newest_first(client, catalog):
    page = client.get("/").content.decode()
    assert shown(page, "modified") == expected_periods(CATALOG)
    assert [row[0] for row in shown(page, "modified")] == ["2025", "2024", "2023"]


def test_refining_a_year_then_a_month_then_a_day_narrows_the_list(client, catalog):
    home = client.get("/").content.decode()

    year = follow(client, link(home, "modified", "2024"))
    in_2024 = [item for item in CATALOG if in_period(item, "2024")]
    assert listed(year) == by_title(in_2024)
    page = year.content.decode()
    assert shown(page, "modified") == expected_periods(in_2024, "2024")
    assert 'class="facet-nested"' in page
    # Each month under its label; April holds the trail modified late on 31 March at UTC-2.
    assert ("2024/04", "April 2024", 1, "displayed") in shown(page, "modified")

    month = follow(client, link(page, "modified", "2024/03"))
    in_march = [item for item in CATALOG if in_period(item, "2024/03")]
    assert listed(month) == by_title(in_march)
    page = month.content.decode()
    assert shown(page, "modified") == expected_periods(in_march, "2024/03")
    # A day implies its month and year: its link refines by the day alone.
    assert link(page, "modified", "2024/03/14") == "?refine=modified%3A2024%2F03%2F14"

    day = follow(client, link(page, "modified", "2024/03/14"))
    on_14th = [item for item in CATALOG if in_period(item, "2024/03/14")]
    assert listed(day) == by_title(on_14th) == ["lines", "stops"]
    page = day.content.decode()
    assert shown(page, "modified") == expected_periods(on_14th, "2024/03/14")
    assert ("2024/03/14", "14 March 2024", 2, "refined") in shown(page, "modified")

    # Undoing the day goes back to its month; undoing the year undoes everything inside it.
    back = follow(client, link(page, "modified", "2024/03/14"))
    assert listed(back) == by_title(in_march)
    everything = follow(client, link(back.content.decode(), "modified", "2024"))
    assert listed(everything) == by_title(CATALOG)


def test_a_period_written_loosely_is_the_same_period(client, catalog):
    response = client.get("/", {"refine": "modified:2024/3"})
    in_march = [item for item in CATALOG if in_period(item, "2024/03")]
    assert listed(response) == by_title(in_march)
    assert shown(response.content.decode(), "modified") == expected_periods(in_march, "2024/03")


def test_an_exclude_link_removes_the_value_and_marks_it_excluded(client, catalog):
    home = client.get("/").content.decode()
    response = follow(client, exclude_link(home, "keyword", "bus"))
    without_bus = [item for item in CATALOG if "bus" not in keywords(item)]
    assert listed(response) == by_title(without_bus)
    page = response.content.decode()
    keyword_rows = shown(page, "keyword")
    assert {value: count for value, _, count, state in keyword_rows if state == "displayed"} == keyword_counts(
        without_bus
    )
    assert ("bus", "bus", None, "excluded") in keyword_rows
    assert shown(page, "modified") == expected_periods(without_bus)
    # The active filters say it in words, with a link that removes it.
    filters = between(page, 'class="active-refines"', "</div>")
    assert "Remove exclusion: Excluding Keyword: bus" in text_of(filters)

    restored = follow(client, link(page, "keyword", "bus"))
    assert listed(restored) == by_title(CATALOG)
    assert "active-refines" not in restored.content.decode()


def test_excluding_periods(client, catalog):
    for value in ("2024", "2024/03", "2024/03/14", "2025"):
        response = client.get("/", {"exclude": f"modified:{value}"})
        kept = [item for item in CATALOG if not in_period(item, value)]
        assert listed(response) == by_title(kept), value
        rows = shown(response.content.decode(), "modified")
        assert rows == [*expected_periods(kept), (value, label(value), None, "excluded")], value


def test_exclude_refine_and_search_combine_and_travel_in_links(client, catalog, monkeypatch):
    monkeypatch.setattr("datasets.catalog.search.PAGE_SIZE", 1)
    params = {"q": "city", "refine": "modified:2024", "exclude": ["keyword:bus", "modified:2024/03/02"]}
    response = client.get("/", {**params, "sort": "-modified"})
    expected = [
        item
        for item in CATALOG
        if "city" in " ".join([item["metas"]["default"]["title"].lower(), *keywords(item)])
        and in_period(item, "2024")
        and "bus" not in keywords(item)
        and not in_period(item, "2024/03/02")
    ]
    all_matching = [item for item in CATALOG if "city" in item["metas"]["default"]["title"].lower()]
    assert len(expected) < len(all_matching)  # every filter takes its part
    assert listed(response) == [item["dataset_id"] for item in sorted(expected, key=moment, reverse=True)][:1]
    page = response.content.decode()
    # The search form and the page links keep the exclusions; an exclude link keeps everything else.
    assert '<input type="hidden" name="exclude" value="keyword:bus">' in page
    assert '<input type="hidden" name="exclude" value="modified:2024/03/02">' in page
    for href in [exclude_link(page, "keyword", "city")] + re.findall(r'<a href="([^"]*)" rel="next">', page):
        assert "q=city" in href and "refine=modified%3A2024" in href and "exclude=keyword%3Abus" in href, href
        assert "sort=-modified" in href, href


def test_excluding_a_refined_value_is_not_offered_and_exclusion_drops_its_refinement(client, catalog):
    page = client.get("/", {"refine": "keyword:city"}).content.decode()
    block = between(page, '<h3 id="facet-keyword">', "</section>")
    assert 'data-exclude="city"' not in block
    response = follow(client, exclude_link(page, "keyword", "nature"))
    expected = [item for item in CATALOG if "city" in keywords(item) and "nature" not in keywords(item)]
    assert listed(response) == by_title(expected)


BAD = [
    ({"refine": "modified:2024/13"}, "Invalid value for refine: '2024/13' is not a valid period"),
    ({"refine": "modified:2024/02/30"}, "Invalid value for refine: '2024/02/30' is not a valid period"),
    ({"exclude": "modified:x"}, "Invalid value for exclude: 'x' is not a period; expected YYYY, YYYY/MM or YYYY/MM/DD"),
    ({"exclude": "colour:red"}, "Invalid value for exclude: 'colour:red'"),
    ({"exclude": "bus"}, "Invalid value for exclude: 'bus'"),
]


def test_malformed_filters_answer_400_with_a_message(client, catalog):
    for params, message in BAD:
        response = client.get("/", {"q": "bus", **params})
        assert response.status_code == 400, params
        page = response.content.decode()
        assert html.escape(message) in page, (params, page[:3000])
        assert 'role="alert"' in page
        # A way out: the same search without the filters.
        assert '<a href="?q=bus">Search again without refinements or exclusions</a>' in page


def test_restricted_datasets_are_never_counted_for_anonymous_visitors(client, catalog, django_user_model):
    for params in ({}, {"refine": "modified:2024/03"}, {"exclude": "keyword:city"}, {"refine": "keyword:bus"}):
        page = client.get("/", params).content.decode()
        assert "salaries" not in listed(client.get("/", params)), params
        assert 'data-value="secret"' not in page, params
    page = client.get("/", {"refine": "modified:2024/03/14"}).content.decode()
    on_14th = [item for item in CATALOG if in_period(item, "2024/03/14")]
    assert shown(page, "modified") == expected_periods(on_14th, "2024/03/14")
    assert keyword_counts(on_14th)["bus"] == 2
    assert ("bus", "bus", 2, "displayed") in shown(page, "keyword")

    # A member of the group the dataset is shared with sees it counted: the numbers above were not blind.
    member = django_user_model.objects.create_user("gwen", password="gwen-password-1")
    group = Group.objects.create(name="hr")
    member.groups.add(group)
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="salaries"), kind="group", group=group)
    client.force_login(member)
    page = client.get("/", {"refine": "modified:2024/03/14"}).content.decode()
    assert shown(page, "modified") == expected_periods([*on_14th, RESTRICTED], "2024/03/14")
    assert ("bus", "bus", 3, "displayed") in shown(page, "keyword")
