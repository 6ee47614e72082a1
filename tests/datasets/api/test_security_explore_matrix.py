"""The persona matrix of the Explore API: who sees a restricted dataset, and how much of it, on every endpoint.

``closed`` is a published, restricted dataset with a field ``secret`` and records of two regions. The group
``readers`` has a ruleset showing the North without ``secret``; dataset editors, publishers and managers hold
rights on it through user rulesets (and so see all of it); a domain admin holds every right. A user without
rights, an anonymous caller and an API key whose owner is a manager but which holds no permission must not
find it at all. Expected rows come from ``ROWS``.
"""

import csv
import io
import json

import openpyxl
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from datasets.models import ApiKey, Dataset, Ruleset
from datasets.models.apikey import generate_key
from tests.conftest import assert_status, basic_client
from tests.datasets.api.conftest import publish_public_csv, record_regions, rows_csv

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/explore/v2.1/catalog"
BASE = f"{API}/datasets/closed"
ROWS = [{"city": f"C{n:02d}", "region": ("North", "South")[n % 2], "secret": f"S{n:02d}"} for n in range(12)]
ALL_FIELDS = ["city", "region", "secret"]
LIMITED_FIELDS = ["city", "region"]
# What each persona sees of ``closed``: None (it does not exist), "limited" (North, no secret) or "full".
SEES = {
    "anonymous": None,
    "no_rights": None,
    "group_member": "limited",
    "editor": "full",
    "publisher": "full",
    "manager": "full",
    "domain_admin": "full",
    "narrow_key": None,
    "exploring_key": "limited",
}
EXPORTS = ("csv", "json", "jsonl", "geojson", "xlsx", "parquet")


def key_client(owner, permissions) -> APIClient:
    key = generate_key()
    api_key = ApiKey(owner=owner, permissions=permissions)
    api_key.set_key(key)
    api_key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Apikey {key}")
    return client


@pytest.fixture
def clients(chief_api, alice, run_worker, redis, django_user_model, settings):
    """The restricted dataset, its rulesets and one client per persona."""
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = "100000/minute"
    publish_public_csv(chief_api, alice, run_worker, "closed", rows_csv(ROWS))
    Dataset.objects.filter(dataset_id="closed").update(visibility=Dataset.Visibility.RESTRICTED)
    dataset = Dataset.objects.get(dataset_id="closed")
    readers = Group.objects.create(name="readers")
    Ruleset.objects.create(
        dataset=dataset, kind="group", group=readers, visible_fields=LIMITED_FIELDS, filter_query='region = "North"'
    )

    def user(name, permissions=None, group=None):
        created = django_user_model.objects.create_user(name, password=f"{name}-password-1")
        if group:
            created.groups.add(group)
        if permissions is not None:
            Ruleset.objects.create(dataset=dataset, kind="user", user=created, permissions=permissions)
        return created

    user("nora")
    user("gus", group=readers)
    user("edna", ["edit_dataset"])
    user("paul", ["publish_dataset"])
    manager = user("mona", ["edit_dataset", "manage_dataset"])
    django_user_model.objects.create_superuser("ada", password="ada-password-1")
    member = user("kit", group=readers)
    return {
        "anonymous": APIClient(),
        "no_rights": basic_client("nora", "nora-password-1"),
        "group_member": basic_client("gus", "gus-password-1"),
        "editor": basic_client("edna", "edna-password-1"),
        "publisher": basic_client("paul", "paul-password-1"),
        "manager": basic_client("mona", "mona-password-1"),
        "domain_admin": basic_client("ada", "ada-password-1"),
        "narrow_key": key_client(manager, []),
        "exploring_key": key_client(member, ["explore_restricted_dataset"]),
    }


def expected_rows(sees: str) -> list[dict]:
    fields = ALL_FIELDS if sees == "full" else LIMITED_FIELDS
    rows = ROWS if sees == "full" else [row for row in ROWS if row["region"] == "North"]
    return sorted(({name: row[name] for name in fields} for row in rows), key=lambda row: row["city"])


def download(client, export: str) -> bytes:
    response = client.get(f"{BASE}/exports/{export}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def exported_rows(export: str, content: bytes) -> list[dict]:
    """Rows of an export file read back by its own reader."""
    if export == "csv":
        return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    if export == "json":
        return json.loads(content)
    if export == "jsonl":
        return [json.loads(line) for line in content.decode().splitlines()]
    if export == "geojson":
        collection = json.loads(content)
        assert collection["type"] == "FeatureCollection"
        return [feature["properties"] for feature in collection["features"]]
    if export == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
        header, *body = list(sheet.iter_rows(values_only=True))
        return [dict(zip(header, row, strict=True)) for row in body]
    return pq.read_table(io.BytesIO(content)).to_pylist()


@pytest.mark.parametrize("persona", list(SEES))
def test_catalog_list_facets_and_exports(clients, persona):
    client, sees = clients[persona], SEES[persona]
    listed = assert_status(client.get(f"{API}/datasets"), 200)
    assert ("closed" in [dataset["dataset_id"] for dataset in listed["results"]]) == (sees is not None)
    exported = json.loads(b"".join(client.get(f"{API}/exports/json").streaming_content))
    assert ("closed" in [row["dataset_id"] for row in exported]) == (sees is not None)
    facets = assert_status(client.get(f"{API}/facets", {"facet": "features"}), 200)
    assert isinstance(facets["facets"], list)


@pytest.mark.parametrize("persona", list(SEES))
def test_dataset_object_and_attachments(clients, persona):
    client, sees = clients[persona], SEES[persona]
    dataset = client.get(f"{BASE}")
    attachments = client.get(f"{BASE}/attachments")
    exports = client.get(f"{BASE}/exports")
    if sees is None:
        for response in (dataset, attachments, exports):
            assert assert_status(response, 404)["error_code"] == "DatasetNotFound"
        return
    body = assert_status(dataset, 200)
    assert [field["name"] for field in body["fields"]] == (ALL_FIELDS if sees == "full" else LIMITED_FIELDS)
    assert body["metas"]["default"]["records_count"] == len(expected_rows(sees))
    assert assert_status(attachments, 200)["attachments"] == []
    assert assert_status(exports, 200)["_links"]


@pytest.mark.parametrize("persona", list(SEES))
def test_records_facets_and_record_by_id(clients, persona):
    client, sees = clients[persona], SEES[persona]
    records = client.get(f"{BASE}/records", {"order_by": "city", "limit": 100})
    facets = client.get(f"{BASE}/facets", {"facet": "region"})
    ids = record_regions("closed")
    if sees is None:
        assert assert_status(records, 404)["error_code"] == "DatasetNotFound"
        assert_status(facets, 404)
        assert_status(client.get(f"{BASE}/records/{ids[0][0]}"), 404)
        return
    body = assert_status(records, 200)
    assert body["total_count"] == len(expected_rows(sees))
    assert body["results"] == expected_rows(sees)
    (region,) = assert_status(facets, 200)["facets"]
    counted = {value["name"]: value["count"] for value in region["facets"]}
    assert counted == ({"North": 6, "South": 6} if sees == "full" else {"North": 6})
    # ``closed`` has no ``id`` field: its ids hash whole records, ``secret`` included, so a caller who does not see
    # ``secret`` finds no record by id (test_explore_record_ids.py has ids under a filter with hidden fields).
    for record_id, _region in ids:
        response = client.get(f"{BASE}/records/{record_id}")
        if sees == "full":
            assert set(assert_status(response, 200)) == set(ALL_FIELDS)
        else:
            assert assert_status(response, 404)["error_code"] == "RecordNotFound"


@pytest.mark.parametrize("export", EXPORTS)
@pytest.mark.parametrize("persona", list(SEES))
def test_every_export_format(clients, persona, export):
    client, sees = clients[persona], SEES[persona]
    if sees is None:
        assert assert_status(client.get(f"{BASE}/exports/{export}"), 404)["error_code"] == "DatasetNotFound"
        return
    rows = exported_rows(export, download(client, export))
    wanted = expected_rows(sees)
    assert sorted(rows, key=lambda row: row["city"]) == wanted
