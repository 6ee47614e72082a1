"""The catalog home: full-text search over metadata, facets with counts and refine links, sort, pages, empty
states. Expected lists and counts are computed in Python from ``CATALOG`` (the metadata the tests publish)."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from django.contrib.auth.models import Group

from datasets.models import Dataset, Ruleset
from tests.catalog.conftest import between, text_of
from tests.datasets.api.conftest import GEOPOINT

pytestmark = pytest.mark.django_db(transaction=True)

ENV, TRANSPORT, EDU, ADMIN = (
    "Environment",
    "Transport, Movements",
    "Education, Training, Research, Teaching",
    "Administration, Government, Public finances, Citizenship",
)
ODBL, ETALAB = "Open Database License (ODbL)", "Licence Ouverte v2.0 (Etalab)"


def spec(dataset_id, title, description, keywords, themes, publisher, license, language, modified, rows, **extra):
    metas = {
        "title": title,
        "description": description,
        "keyword": keywords,
        "theme": themes,
        "publisher": publisher,
        "license": license,
        "language": language,
        "modified": modified,
    }
    metas = {name: value for name, value in metas.items() if value}
    return {"dataset_id": dataset_id, "metas": {"default": metas}, "rows": rows, **extra}


# ``features`` is what each dataset's published field types give, written here by hand.
CATALOG = [
    spec(
        "trees",
        "Street trees",
        "Every tree of the city",
        ["nature", "city"],
        [ENV],
        "Parks office",
        ODBL,
        "en",
        "2024-03-01T00:00:00Z",
        [{"name": f"T{n}", "height": str(n)} for n in range(3)],
        features=["analyze"],
    ),
    spec(
        "bikes",
        "Bike stations",
        "Bicycle docks of the network",
        ["transport", "city"],
        [TRANSPORT],
        "Transit agency",
        ETALAB,
        "fr",
        "2025-01-15T00:00:00Z",
        [{"station": f"S{n}", "lat": "48.8", "lon": f"2.3{n}"} for n in range(5)],
        processors=[GEOPOINT],
        features=["analyze", "geo"],
    ),
    spec(
        "buses",
        "Bus stops",
        "Stops of the bus network",
        ["transport"],
        [TRANSPORT],
        "Transit agency",
        None,
        "fr",
        "2023-06-30T00:00:00Z",
        [{"stop": f"B{n}"} for n in range(4)],
        features=[],
    ),
    spec(
        "schools",
        "Schools",
        "Primary and secondary schools",
        ["education"],
        [EDU],
        "Education office",
        ODBL,
        "en",
        "2022-09-01T00:00:00Z",
        [{"school": "A", "opened": "2001-09-01"}, {"school": "B", "opened": "1999-01-04"}],
        features=["timeserie"],
    ),
    spec(
        "budget",
        "City budget",
        "Spending by department, in euros",
        ["finance", "city"],
        [ADMIN, ENV],
        "Finance office",
        ETALAB,
        None,
        "2024-12-31T00:00:00Z",
        [{"department": f"D{n}", "amount": f"{n}.5"} for n in range(6)],
        features=["analyze"],
    ),
]
RESTRICTED = spec(
    "salaries",
    "Staff salaries",
    "Salaries of the city staff",
    ["city"],
    [ADMIN],
    "Finance office",
    ODBL,
    "en",
    "2021-01-01T00:00:00Z",
    [{"employee": "E1", "salary": "1000"}],
    visibility="restricted",
    features=["analyze"],
)
FACETS = ("theme", "keyword", "publisher", "license", "language", "features")
DATASET_LINK = re.compile(r'<h3><a href="/explore/dataset/([^/"]+)/">')


@pytest.fixture
def catalog(publish):
    publish([*CATALOG, RESTRICTED])


def listed(response) -> list[str]:
    """The dataset ids of the result list, in order."""
    assert response.status_code == 200, response.content[:2000]
    return DATASET_LINK.findall(response.content.decode())


def values(item: dict, facet: str) -> list[str]:
    if facet == "features":
        return item["features"]
    value = item["metas"]["default"].get(facet)
    return [] if value is None else value if isinstance(value, list) else [value]


def matches(item: dict, text: str) -> bool:
    """Full text as the catalog documents it: every word is a substring of the title, description or a keyword."""
    default = item["metas"]["default"]
    haystack = [default.get("title", ""), default.get("description", ""), *default.get("keyword", [])]
    return all(any(word.lower() in part.lower() for part in haystack) for word in text.split())


def refined(items: list[dict], refines: list[tuple[str, str]]) -> list[dict]:
    return [item for item in items if all(value in values(item, facet) for facet, value in refines)]


def facet_counts(page: str) -> dict[str, dict[str, int]]:
    """Facet -> value -> count, as the page's facet lists show them."""
    shown = {}
    for facet in FACETS:
        marker = f'<h3 id="facet-{facet}">'
        if marker not in page:
            continue
        block = between(page, marker, "</ul>")
        entries = re.findall(r'data-value="([^"]*)"[^>]*>.*?</a> <span class="facet-count">(\d+)</span>', block)
        shown[facet] = {value: int(count) for value, count in entries}
    return shown


def expected_counts(items: list[dict]) -> dict[str, dict[str, int]]:
    counts = {facet: dict(Counter(value for item in items for value in values(item, facet))) for facet in FACETS}
    return {facet: found for facet, found in counts.items() if found}


def unescape_all(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {facet: {html.unescape(value): count for value, count in found.items()} for facet, found in counts.items()}


def by_title(items: list[dict]) -> list[str]:
    return [item["dataset_id"] for item in sorted(items, key=lambda item: item["metas"]["default"]["title"])]


def test_an_empty_catalog_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The catalog is empty" in page
    assert page.count("<h1") == 1


def test_the_home_lists_visible_datasets_with_facet_counts(client, catalog):
    response = client.get("/")
    assert sorted(listed(response)) == sorted(item["dataset_id"] for item in CATALOG)
    page = response.content.decode()
    assert "Staff salaries" not in page
    assert "5 datasets" in text_of(page)
    assert unescape_all(facet_counts(page)) == expected_counts(CATALOG)


SEARCHES = ["bus", "city", "STOPS", "network transport", "tree city", "nothing-like-this"]


def test_full_text_search_over_title_description_and_keywords(client, catalog):
    for text in SEARCHES:
        response = client.get("/", {"q": text})
        expected = [item for item in CATALOG if matches(item, text)]
        assert listed(response) == by_title(expected), text
        page = response.content.decode()
        assert unescape_all(facet_counts(page)) == expected_counts(expected), text
        assert ("No dataset matches your search" in page) == (not expected), text


def test_search_text_is_never_odsql(client, catalog):
    for text in ['say "hi"', "a) OR (1=1", "\\", "title = 'x'"]:
        response = client.get("/", {"q": text})
        assert response.status_code == 200
        assert listed(response) == by_title([item for item in CATALOG if matches(item, text)])


REFINES = [
    [("keyword", "city")],
    [("theme", TRANSPORT)],
    [("keyword", "city"), ("theme", ENV)],
    [("features", "geo")],
    [("features", "analyze"), ("language", "en")],
    [("publisher", "Transit agency"), ("license", ETALAB)],
    [("license", ODBL), ("keyword", "transport")],
]


def test_refinements_select_and_recount(client, catalog):
    for refines in REFINES:
        response = client.get("/", {"refine": [f"{facet}:{value}" for facet, value in refines]})
        expected = refined(CATALOG, refines)
        assert listed(response) == by_title(expected), refines
        assert unescape_all(facet_counts(response.content.decode())) == expected_counts(expected), refines


def test_refine_links_refine_then_unrefine(client, catalog):
    page = client.get("/", {"q": "city"}).content.decode()
    block = between(page, '<h3 id="facet-keyword">', "</ul>")
    href = re.search(r'<a href="([^"]*)"[^>]*>nature</a>', block).group(1)

    refined_page = client.get("/" + html.unescape(href))
    expected = [item for item in CATALOG if matches(item, "city") and "nature" in values(item, "keyword")]
    assert listed(refined_page) == by_title(expected)
    # The refined value links back to the page without it; the search text stays.
    block = between(refined_page.content.decode(), '<h3 id="facet-keyword">', "</ul>")
    back = re.search(r'<a href="([^"]*)" data-value="nature" aria-current="true"', block).group(1)
    assert listed(client.get("/" + html.unescape(back))) == by_title(
        [item for item in CATALOG if matches(item, "city")]
    )


SORTS = [
    ("title", lambda item: item["metas"]["default"]["title"], False),
    ("-modified", lambda item: item["metas"]["default"]["modified"], True),
    ("-records_count", lambda item: len(item["rows"]), True),
]


def test_sorts(client, catalog):
    for sort, key, reverse in SORTS:
        expected = [item["dataset_id"] for item in sorted(CATALOG, key=key, reverse=reverse)]
        assert listed(client.get("/", {"sort": sort})) == expected, sort
    page = client.get("/", {"sort": "-modified"}).content.decode()
    shown = re.findall(r'<time datetime="[^"]*">([\d-]+)</time>', page)
    newest_first = sorted((item["metas"]["default"]["modified"][:10] for item in CATALOG), reverse=True)
    assert shown == newest_first


def test_pages(client, catalog, monkeypatch):
    monkeypatch.setattr("datasets.catalog.search.PAGE_SIZE", 2)
    expected = by_title(CATALOG)
    first = client.get("/")
    assert listed(first) == expected[:2]
    assert "Page 1 of 3" in first.content.decode()
    assert listed(client.get("/", {"page": 2})) == expected[2:4]
    last = client.get("/", {"page": 3})
    assert listed(last) == expected[4:]
    assert 'rel="next"' not in last.content.decode()
    assert listed(client.get("/", {"page": 99})) == expected[4:]  # past the end: the last page
    assert listed(client.get("/", {"page": "x"})) == expected[:2]
    # Refinements and sort travel with the page links.
    page = client.get("/", {"refine": "keyword:city", "sort": "-records_count"}).content.decode()
    href = re.search(r'<a href="([^"]*)" rel="next">', page).group(1)
    assert "refine=keyword%3Acity" in href and "sort=-records_count" in href and "page=2" in href


BAD = [
    ({"refine": "colour:red"}, "Invalid value for refine"),
    ({"refine": "nonsense"}, "Invalid value for refine"),
    ({"sort": "size"}, "Unknown sort"),
]


def test_bad_parameters_answer_400_with_a_message(client, catalog):
    for params, message in BAD:
        response = client.get("/", params)
        assert response.status_code == 400, params
        assert message in response.content.decode(), params


def test_restricted_datasets_show_for_callers_with_a_ruleset_only(client, catalog, django_user_model):
    member = django_user_model.objects.create_user("gwen", password="gwen-password-1")
    outsider = django_user_model.objects.create_user("olaf", password="olaf-password-1")
    group = Group.objects.create(name="hr")
    member.groups.add(group)
    Ruleset.objects.create(dataset=Dataset.objects.get(dataset_id="salaries"), kind="group", group=group)
    client.force_login(outsider)
    assert "salaries" not in listed(client.get("/", {"q": "salaries"}))
    client.force_login(member)
    assert listed(client.get("/", {"q": "salaries"})) == ["salaries"]
    visible = [*CATALOG, RESTRICTED]
    counts = unescape_all(facet_counts(client.get("/").content.decode()))
    assert counts == expected_counts(visible)


def test_the_language_facet_shows_language_names(client, catalog):
    block = between(client.get("/").content.decode(), '<h3 id="facet-language">', "</ul>")
    assert re.search(r'data-value="fr"[^>]*>French</a>', block)
    assert re.search(r'data-value="en"[^>]*>English</a>', block)


def test_the_page_has_one_h1_labelled_inputs_and_the_admin_link_for_staff(client, catalog, staff):
    page = client.get("/").content.decode()
    assert page.count("<h1") == 1
    for input_id in ("catalog-q", "catalog-sort"):
        assert f'for="{input_id}"' in page and f'id="{input_id}"' in page
    assert "/static/catalog/catalog.css" in page
    assert "Back-office" not in page
    client.force_login(staff)
    assert 'href="/admin/"' in client.get("/").content.decode()
