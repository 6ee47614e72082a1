"""Record ids in the Explore API: the technical field ``_id``, each record's ``_links`` and ``/records/{record_id}``.

Issue 15, item 7: records never carried their id, so ``/records/{record_id}`` could not be used. Ids are read
back from PostgreSQL to compare; rulesets are the publisher's (``datasets/access/visibility.py``): a record outside the
caller's filter is never found by id, and ids are withheld from a caller who cannot see every field they are
computed from (a sha1 of a hidden value would give the value away by hashing guesses).
"""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from psycopg import sql
from rest_framework.test import APIClient

from datasets.models import Dataset, Ruleset
from datasets.store import SCHEMA
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv

API = "/api/explore/v2.1/catalog/datasets"
pytestmark = pytest.mark.django_db(transaction=True)
REGIONS = ("North", "South", "East")
ROWS = [
    {"code": f"C{n:02d}", "city": f"City {n:02d}", "region": REGIONS[n % 3], "pin": n % 4, "population": 100 + n}
    for n in range(12)
]
ID_ON_CODE = {"name": "annotate", "args": {"field": "code", "annotation": "id"}}


@pytest.fixture
def towns(chief_api, alice, run_worker, redis):
    """``towns``: record ids are sha1s of whole records (no field is annotated ``id``)."""
    publish_public_csv(chief_api, alice, run_worker, "towns", rows_csv(ROWS))
    return Dataset.objects.get(dataset_id="towns")


@pytest.fixture
def coded(chief_api, alice, run_worker, redis):
    """``coded``: record ids are sha1s of the field ``code`` (annotated ``id``)."""
    publish_public_csv(chief_api, alice, run_worker, "coded", rows_csv(ROWS), specifications=[ID_ON_CODE])
    return Dataset.objects.get(dataset_id="coded")


def stored_ids(dataset: Dataset) -> dict[str, str]:
    """``{code: record_id}`` of a published dataset, read straight from its table."""
    table = dataset.current_version.table_name
    statement = sql.SQL("SELECT code, record_id FROM {}").format(sql.Identifier(SCHEMA, table))
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection))
        return dict(cursor.fetchall())


def get(path: str, params=None, code: int = 200, client=None):
    return assert_status((client or APIClient()).get(f"{API}/{path}", params or {}), code)


def hide(dataset: Dataset, **rules) -> Ruleset:
    """The default ruleset of ``dataset`` (what an anonymous caller gets)."""
    return Ruleset.objects.create(dataset=dataset, kind="default", **rules)


def not_found(dataset_id: str, record_id: str, client=None) -> None:
    body = get(f"{dataset_id}/records/{record_id}", code=404, client=client)
    assert body == {"error_code": "RecordNotFound", "message": f"Unknown record {record_id} in dataset {dataset_id}"}


# _id


def test_select_id_returns_each_records_stored_id(towns):
    body = get("towns/records", {"select": "_id, code", "limit": 100})
    ids = stored_ids(towns)
    assert body["total_count"] == len(ROWS)
    assert sorted(body["results"], key=lambda r: r["code"]) == [{"_id": ids[c], "code": c} for c in sorted(ids)]
    assert all(len(record["_id"]) == 40 for record in body["results"])


def test_id_is_a_field_of_every_clause_but_not_of_star(towns):
    ids = stored_ids(towns)
    body = get("towns/records", {"where": f'_id = "{ids["C03"]}"', "select": "*, _id"})
    assert body == {"total_count": 1, "results": [{**ROWS[3], "_id": ids["C03"]}]}
    ordered = get("towns/records", {"select": "code", "order_by": "_id desc", "limit": 100})["results"]
    assert [record["code"] for record in ordered] == sorted(ids, key=ids.get, reverse=True)
    assert "_id" not in get("towns/records", {"limit": 1})["results"][0]
    assert "_id" not in get("towns/records", {"select": "*", "limit": 1})["results"][0]
    counted = get("towns/records", {"select": "count(distinct _id) as n"})["results"]
    assert counted == [{"n": len(ROWS)}]


def test_id_in_a_grouped_select_must_be_grouped_or_aggregated(towns):
    body = get("towns/records", {"select": "_id, count(*) as n", "group_by": "region"}, code=400)
    assert body["error_code"] == "ODSQLError"
    assert "_id" in body["message"] and "group_by" in body["message"]


def test_exports_take_id_too(towns):
    response = APIClient().get(f"{API}/towns/exports/json", {"select": "_id, code"})
    assert response.status_code == 200
    rows = json.loads(b"".join(response.streaming_content))
    assert {row["code"]: row["_id"] for row in rows} == stored_ids(towns)


# _links and /records/{record_id}


def test_each_records_self_link_answers_the_same_record(towns):
    body = get("towns/records", {"include_links": "true", "limit": 5, "order_by": "code"})
    ids = stored_ids(towns)
    assert [record["code"] for record in body["results"]] == [row["code"] for row in ROWS[:5]]
    for record, row in zip(body["results"], ROWS, strict=False):
        links = {link["rel"]: link["href"] for link in record.pop("_links")}
        assert links == {
            "self": f"http://testserver{API}/towns/records/{ids[row['code']]}",
            "dataset": f"http://testserver{API}/towns",
        }
        assert record == row
        assert APIClient().get(links["self"]).json() == row  # the link works and answers the same record
    assert {link["rel"] for link in body["_links"]} >= {"self", "first", "last", "next", "dataset"}


def test_a_self_link_keeps_select_timezone_and_lang(towns):
    select = "_id, city, population * 2 as double"
    params = {"include_links": "true", "select": select, "lang": "fr", "timezone": "Europe/Paris", "limit": 3}
    for record in get("towns/records", {**params, "where": "population > 0"})["results"]:
        links = {link["rel"]: link["href"] for link in record.pop("_links")}
        href = urlsplit(links["self"])
        assert href.path == f"{API}/towns/records/{record['_id']}"
        assert parse_qs(href.query) == {"select": [select], "lang": ["fr"], "timezone": ["Europe/Paris"]}
        assert APIClient().get(links["self"]).json() == record
    record = get(f"towns/records/{record['_id']}", {"select": "city"})
    assert list(record) == ["city"]


def test_records_carry_no_links_unless_asked_and_groups_none(towns):
    assert "_links" not in get("towns/records", {"limit": 1})["results"][0]
    grouped = get("towns/records", {"select": "count(*) as n", "group_by": "region", "include_links": "true"})
    assert all(set(result) == {"n", "region"} for result in grouped["results"])
    assert "_links" in grouped  # the page's own links stay


def test_a_column_named_links_is_refused_with_include_links(towns):
    body = get("towns/records", {"select": "city as _links", "include_links": "true"}, code=400)
    assert body["error_code"] == "InvalidRESTParameterError"
    assert (
        get("towns/records", {"select": "city as _links", "order_by": "code", "limit": 1})["results"][0]["_links"]
        == "City 00"
    )


def test_an_unknown_record_id_is_a_404_with_the_error_body(towns):
    not_found("towns", "0000")
    not_found("towns", "a" * 40)
    assert Dataset.objects.get(dataset_id="towns").current_version.record_count == len(ROWS)


def test_the_record_endpoint_refuses_aggregates_and_unknown_fields(towns):
    record_id = stored_ids(towns)["C00"]
    body = get(f"towns/records/{record_id}", {"select": "count(*)"}, code=400)
    assert body["error_code"] == "ODSQLError"
    body = get(f"towns/records/{record_id}", {"select": "nope"}, code=400)
    assert body["error_code"] == "ODSQLError" and "nope" in body["message"]


# rulesets


def test_a_filter_hides_records_and_their_ids(towns):
    """Default ruleset ``region = "North"``: the anonymous caller reads and links only the North."""
    hide(towns, filter_query='region = "North"')
    ids = stored_ids(towns)
    north = [row["code"] for row in ROWS if row["region"] == "North"]
    body = get("towns/records", {"select": "_id, code", "include_links": "true", "limit": 100})
    assert sorted(record["code"] for record in body["results"]) == north
    for record in body["results"]:
        assert record["_id"] == ids[record["code"]]
        self_link = next(link["href"] for link in record["_links"] if link["rel"] == "self")
        assert APIClient().get(self_link).json() == {"_id": record["_id"], "code": record["code"]}
    for row in ROWS:
        if row["region"] != "North":
            not_found("towns", ids[row["code"]])
            assert get("towns/records", {"where": f'_id = "{ids[row["code"]]}"'})["total_count"] == 0
    # The ruleset is the publisher's and is left as it was.
    assert list(Ruleset.objects.filter(dataset=towns).values_list("filter_query", flat=True)) == ['region = "North"']


def test_ids_are_withheld_when_a_field_they_hash_is_hidden(towns, chief_api):
    """Whole-record ids hash ``pin`` (4 possible values): showing them would reveal it; they are unknown."""
    hide(towns, visible_fields=["code", "city", "region", "population"])
    ids = stored_ids(towns)
    body = get("towns/records", {"select": "_id, code"}, code=400)
    assert body["error_code"] == "ODSQLError" and "_id" in body["message"]
    assert get("towns/records", {"where": f'_id = "{ids["C00"]}"'}, code=400)["error_code"] == "ODSQLError"
    records = get("towns/records", {"include_links": "true", "limit": 100})["results"]
    assert len(records) == len(ROWS)
    for record in records:
        assert "pin" not in record and "_id" not in record
        assert [link["rel"] for link in record["_links"]] == ["dataset"]
        assert ids[record["code"]] not in str(record)
    for record_id in ids.values():
        not_found("towns", record_id)
    # The publisher (full access) still reads ids and records.
    assert get(f"towns/records/{ids['C00']}", client=chief_api) == ROWS[0]
    assert get("towns/records", {"select": "_id", "where": 'code = "C00"'}, client=chief_api)["results"] == [
        {"_id": ids["C00"]}
    ]


def test_ids_of_visible_id_fields_are_shown_with_other_fields_hidden(coded):
    """Ids hash ``code`` only: with ``code`` visible and ``pin`` hidden, ids reveal nothing hidden."""
    hide(coded, visible_fields=["code", "city", "region"], filter_query='region = "South"')
    ids = stored_ids(coded)
    south = [row for row in ROWS if row["region"] == "South"]
    body = get("coded/records", {"select": "_id, code", "include_links": "true", "limit": 100})
    assert sorted(record["code"] for record in body["results"]) == [row["code"] for row in south]
    for record in body["results"]:
        assert record["_id"] == ids[record["code"]]
        self_link = next(link["href"] for link in record["_links"] if link["rel"] == "self")
        assert APIClient().get(self_link).json() == {"_id": record["_id"], "code": record["code"]}
    row = south[0]
    assert get(f"coded/records/{ids[row['code']]}") == {key: row[key] for key in ("code", "city", "region")}
    assert get(f"coded/records/{ids[row['code']]}", {"select": "pin"}, code=400)["error_code"] == "ODSQLError"
    not_found("coded", ids[next(r["code"] for r in ROWS if r["region"] == "North")])


def test_ids_are_withheld_when_the_id_field_is_hidden(coded):
    hide(coded, visible_fields=["city", "region", "pin", "population"])
    assert get("coded/records", {"select": "_id"}, code=400)["error_code"] == "ODSQLError"
    for record_id in stored_ids(coded).values():
        not_found("coded", record_id)


def test_without_data_visibility_no_record_is_found_by_id(coded):
    hide(coded, is_data_visible=False)
    for record_id in stored_ids(coded).values():
        not_found("coded", record_id)
    assert get("coded/records", {"select": "_id"}, code=400)["error_code"] == "ODSQLError"
    assert get("coded/records", {"include_links": "true"})["results"] == []
