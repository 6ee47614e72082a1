"""/catalog/datasets: where, order_by, select, refine / exclude, lang, timezone, include_links, include_app_metas.

Expected answers are computed in Python from ``CATALOG`` (the specification the datasets were published from),
never from the code under test.
"""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from rest_framework.test import APIClient

from tests.conftest import assert_status
from tests.datasets.api.catalog_data import CATALOG, RESTRICTED, VISIBLE, modified, publish_catalog, records_count

BASE = "/api/explore/v2.1/catalog/datasets"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalog(chief_api, chief, run_worker):
    publish_catalog(chief_api, chief, run_worker)


def ids(params=None, client=None) -> list[str]:
    body = assert_status((client or APIClient()).get(BASE, {"limit": 100, **(params or {})}), 200)
    assert body["total_count"] == len(body["results"])
    return [item["dataset_id"] for item in body["results"]]


def metas(dataset_id: str) -> dict:
    return CATALOG[dataset_id]["metas"]


def test_the_list_shows_the_published_visible_datasets_only(catalog):
    assert ids() == VISIBLE


WHERE_CASES = (
    ("records_count > 3", lambda d: records_count(d) > 3),
    ("records_count >= 2 AND records_count < 7", lambda d: 2 <= records_count(d) < 7),
    ("default.records_count = 0", lambda d: records_count(d) == 0),
    ('keyword = "transport"', lambda d: "transport" in metas(d).get("keyword", [])),
    ('"environment" IN keyword', lambda d: "environment" in metas(d).get("keyword", [])),
    ('theme = "Environment"', lambda d: "Environment" in metas(d).get("theme", [])),
    ('publisher = "Parks"', lambda d: metas(d).get("publisher") == "Parks"),
    (
        'default.publisher = "Parks" OR language = "fr"',
        lambda d: metas(d).get("publisher") == "Parks" or metas(d).get("language") == "fr",
    ),
    ('language != "en"', lambda d: metas(d).get("language") != "en"),
    ("description is null", lambda d: "description" not in metas(d)),
    ("description is not null", lambda d: "description" in metas(d)),
    ('dataset_id = "budget"', lambda d: d == "budget"),
    ('dataset_id IN ("budget", "street-trees")', lambda d: d in ("budget", "street-trees")),
    ("has_records", lambda d: records_count(d) > 0),
    ("has_records is false", lambda d: records_count(d) == 0),
    ('features = "geo"', lambda d: "geo" in CATALOG[d]["features"]),
    ('"analyze" IN features', lambda d: "analyze" in CATALOG[d]["features"]),
    ('NOT features = "analyze"', lambda d: "analyze" not in CATALOG[d]["features"]),
    ('startswith(title, "Bu")', lambda d: metas(d)["title"].startswith("Bu")),
    ('title LIKE "*trees"', lambda d: metas(d)["title"].lower().endswith("trees")),
)


def test_where_over_the_published_metadata_and_technical_fields(catalog):
    for where, expected in WHERE_CASES:
        assert ids({"where": where}) == [d for d in VISIBLE if expected(d)], where


def test_where_on_modified_reads_the_metadata_or_the_publish_time(catalog):
    start_2020 = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert ids({"where": "modified < date'2020'"}) == [d for d in VISIBLE if modified(d) < start_2020]
    after = [d for d in VISIBLE if modified(d) >= start_2020 + dt.timedelta(days=1)]
    assert ids({"where": "modified > date'2020'"}) == after
    moment = dt.datetime(2021, 3, 1, 23, 30, tzinfo=dt.UTC)
    assert ids({"where": "default.modified >= date'2021-03-01T23:30:00Z'"}) == [
        d for d in VISIBLE if modified(d) >= moment
    ]
    assert "air-quality" in after and "bus-stops" not in after


def test_full_text_looks_in_title_description_and_keywords(catalog):
    def text(dataset_id: str) -> str:
        values = metas(dataset_id)
        return " ".join([values["title"], values.get("description", ""), *values.get("keyword", [])]).lower()

    assert ids({"where": '"bus"'}) == [d for d in VISIBLE if "bus" in text(d)]
    assert ids({"where": '"BUS" AND "lanes"'}) == [d for d in VISIBLE if "bus" in text(d) and "lanes" in text(d)]
    assert ids({"where": 'search(*, "pollution")'}) == ["air-quality"]
    assert set(ids({"where": '"bus"'})) == {"bus-stops", "street-trees"}  # the restricted payroll stays hidden


def test_several_where_parameters_are_anded(catalog):
    expected = [d for d in VISIBLE if records_count(d) > 0 and metas(d).get("language") == "en"]
    assert APIClient().get(BASE, {"where": ["has_records", 'language = "en"']}).json()["total_count"] == len(expected)
    assert ids({"where": ["has_records", 'language = "en"']}) == expected


def test_restricted_datasets_appear_only_for_those_allowed(catalog, staff):
    for where in ('"bus"', 'keyword = "transport"', 'dataset_id = "payroll"', "records_count = 1"):
        assert "payroll" not in ids({"where": where}), where
    client = APIClient()
    client.force_authenticate(staff)
    assert "payroll" in ids({"where": 'keyword = "transport"'}, client)
    assert ids(client=client) == sorted([*VISIBLE, *RESTRICTED])


@pytest.mark.parametrize(
    ("where", "words"),
    [
        ("owner = 'me'", "unknown field 'owner'"),
        ("internal.draft = false", "unknown field 'internal.draft'"),
        ("records_count > 'many'", "records_count"),
        ('features > "geo"', "features"),
        ("title = ", "Syntax error"),
        ("modified > date'2020-13-01'", "invalid date"),
    ],
)
def test_a_bad_where_is_an_odsql_error_naming_the_clause(db, where, words):
    body = assert_status(APIClient().get(BASE, {"where": where}), 400)
    assert body["error_code"] == "ODSQLError"
    assert words in body["message"] and "where" in body["message"]


ORDER_CASES = (
    ("title", lambda d: metas(d)["title"], False),
    ("default.title desc", lambda d: metas(d)["title"], True),
    ("records_count desc", lambda d: (records_count(d), d), True),
    ("modified", lambda d: modified(d), False),
    ("modified desc", lambda d: modified(d), True),
    ("dataset_id desc", lambda d: d, True),
)


def test_order_by(catalog):
    for order_by, key, reverse in ORDER_CASES:
        assert ids({"order_by": order_by}) == sorted(VISIBLE, key=key, reverse=reverse), order_by


def test_order_by_then_page(catalog):
    expected = sorted(VISIBLE, key=lambda d: (-records_count(d), d))
    pages = []
    for offset in range(5):
        params = {"order_by": "records_count desc, dataset_id", "limit": 1, "offset": offset}
        body = assert_status(APIClient().get(BASE, params), 200)
        assert body["total_count"] == len(VISIBLE)
        pages.append([item["dataset_id"] for item in body["results"]])
    assert pages == [[dataset_id] for dataset_id in expected] + [[]]


@pytest.mark.parametrize("order_by", ["owner", "title sideways", "count(*)", "records_count +"])
def test_a_bad_order_by_is_an_odsql_error(db, order_by):
    body = assert_status(APIClient().get(BASE, {"order_by": order_by}), 400)
    assert body["error_code"] == "ODSQLError" and "order_by" in body["message"]


def test_select_keeps_object_keys_and_metadata_in_place(catalog):
    body = assert_status(APIClient().get(BASE, {"select": "dataset_id, fields, metas", "limit": 100}), 200)
    assert all(set(item) == {"dataset_id", "fields", "metas"} for item in body["results"])
    body = assert_status(
        APIClient().get(BASE, {"select": "dataset_id, title, dcat.creator, default.records_count"}), 200
    )
    shown = {item["dataset_id"]: item for item in body["results"]}
    for dataset_id in VISIBLE:
        default = {"title": metas(dataset_id)["title"], "records_count": records_count(dataset_id)}
        assert shown[dataset_id] == {"dataset_id": dataset_id, "metas": {"default": default}}
    single = assert_status(APIClient().get(f"{BASE}/budget", {"select": "features, has_records"}), 200)
    assert single == {"features": [], "has_records": False}


@pytest.mark.parametrize("select", ["fields as f", "count(*)", "owner", "internal.draft", "title,"])
def test_a_bad_select_is_an_odsql_error(db, select):
    body = assert_status(APIClient().get(BASE, {"select": select}), 400)
    assert body["error_code"] == "ODSQLError" and "select" in body["message"]
    if select == "fields as f":
        assert "'fields as f'" in body["message"]


FACET_CASES = (
    ({"refine": "keyword:transport"}, lambda d: "transport" in metas(d).get("keyword", [])),
    ({"refine": ["keyword:transport", "language:en"]}, lambda d: "transport" in metas(d).get("keyword", [])),
    ({"exclude": "language:fr"}, lambda d: metas(d).get("language") != "fr"),
    (
        {"refine": "theme:Environment", "exclude": "publisher:Parks"},
        lambda d: "Environment" in metas(d).get("theme", []) and metas(d).get("publisher") != "Parks",
    ),
    ({"refine": "features:analyze"}, lambda d: "analyze" in CATALOG[d]["features"]),
    ({"exclude": "features:geo"}, lambda d: "geo" not in CATALOG[d]["features"]),
    ({"refine": "license:CC BY"}, lambda d: metas(d).get("license") == "CC BY"),
    ({"refine": "modified:2019"}, lambda d: modified(d).year == 2019),
    ({"refine": "modified:2019/8"}, lambda d: (modified(d).year, modified(d).month) == (2019, 8)),
    ({"refine": "modified:2019/08/14"}, lambda d: False),
    ({"exclude": "modified:2021/03"}, lambda d: (modified(d).year, modified(d).month) != (2021, 3)),
)


def test_refine_and_exclude_filter_like_the_catalog_facets(catalog):
    for params, expected in FACET_CASES:
        assert ids(params) == [d for d in VISIBLE if expected(d)], params


def test_refine_on_modified_uses_the_timezone(catalog):
    # air-quality was modified 2021-03-01T23:30Z: already March 2nd in Paris, still March 1st in UTC.
    assert ids({"refine": "modified:2021/03/01"}) == ["air-quality"]
    assert ids({"refine": "modified:2021/03/02", "timezone": "Europe/Paris"}) == ["air-quality"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"refine": "keyword"}, "refine"),
        ({"refine": "owner:me"}, "refine"),
        ({"exclude": "modified:last-year"}, "exclude"),
        ({"refine": "modified:2019/13"}, "refine"),
        ({"lang": "xx"}, "lang"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"include_links": "maybe"}, "include_links"),
        ({"group_by": "publisher"}, "group_by"),
        ({"include_app_metas": "2"}, "include_app_metas"),
        ({"limit": 0}, "limit"),
        ({"limit": "all"}, "limit"),
        ({"offset": -1}, "offset"),
    ],
)
def test_bad_parameters_are_named(db, params, parameter):
    body = assert_status(APIClient().get(BASE, params), 400)
    assert body["error_code"] == "InvalidRESTParameterError"
    assert parameter in body["message"]


def test_timezone_renders_the_dates(catalog):
    item = assert_status(APIClient().get(f"{BASE}/bus-stops", {"timezone": "Europe/Paris", "lang": "en"}), 200)
    assert item["metas"]["default"]["modified"] == "2019-08-15T12:00:00+02:00"
    processed = dt.datetime.fromisoformat(item["metas"]["default"]["data_processed"])
    assert processed.utcoffset() in (dt.timedelta(hours=1), dt.timedelta(hours=2))
    utc = assert_status(APIClient().get(f"{BASE}/bus-stops"), 200)
    assert utc["metas"]["default"]["modified"] == "2019-08-15T10:00:00+00:00"
    assert dt.datetime.fromisoformat(utc["metas"]["default"]["data_processed"]) == processed


def test_modified_defaults_to_the_publish_time(catalog):
    item = assert_status(APIClient().get(f"{BASE}/street-trees"), 200)
    assert dt.datetime.fromisoformat(item["metas"]["default"]["modified"]) == modified("street-trees")


def test_application_metadata_only_on_request(catalog):
    plain = assert_status(APIClient().get(f"{BASE}/air-quality"), 200)
    assert "visualization" not in plain["metas"]
    with_apps = assert_status(APIClient().get(f"{BASE}/air-quality", {"include_app_metas": "true"}), 200)
    assert with_apps["metas"]["visualization"] == CATALOG["air-quality"]["app_metas"]
    listed = assert_status(
        APIClient().get(BASE, {"include_app_metas": "true", "where": "dataset_id = 'air-quality'"}), 200
    )
    assert listed["results"][0]["metas"]["visualization"] == CATALOG["air-quality"]["app_metas"]


def follow(href: str) -> dict:
    parts = urlsplit(href)
    return assert_status(APIClient().get(f"{parts.path}?{parts.query}"), 200)


def test_include_links_pages_through_the_same_query(catalog):
    params = {"include_links": "true", "limit": 1, "order_by": "title", "where": "has_records"}
    expected = sorted((d for d in VISIBLE if records_count(d) > 0), key=lambda d: metas(d)["title"])
    body = assert_status(APIClient().get(BASE, params), 200)
    links = {link["rel"]: link["href"] for link in body["_links"]}
    assert set(links) == {"self", "first", "last", "next"}
    seen = [item["dataset_id"] for item in body["results"]]
    while "next" in links:
        body = follow(links["next"])
        links = {link["rel"]: link["href"] for link in body["_links"]}
        seen += [item["dataset_id"] for item in body["results"]]
    assert seen == expected
    assert [item["dataset_id"] for item in follow(links["first"])["results"]] == expected[:1]
    assert [item["dataset_id"] for item in follow(links["last"])["results"]] == expected[-1:]


def test_include_links_on_datasets(catalog):
    item = assert_status(APIClient().get(f"{BASE}/budget", {"include_links": "true"}), 200)
    links = {link["rel"]: link["href"] for link in item["_links"]}
    assert urlsplit(links["self"]).path == f"{BASE}/budget"
    assert urlsplit(links["catalog"]).path == BASE
    assert follow(links["self"])["dataset_id"] == "budget"
    listed = assert_status(APIClient().get(BASE, {"include_links": "true", "select": "dataset_id"}), 200)
    assert all(set(item) == {"dataset_id", "_links"} for item in listed["results"])
    assert "_links" not in assert_status(APIClient().get(BASE), 200)
