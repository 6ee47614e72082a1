"""Helpers for tests that publish a dataset with a real worker and read it back from the Explore API."""

from rest_framework.test import APIClient

from datasets.models import Dataset
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv

EXPLORE = "/api/explore/v2.1/catalog/datasets"


def published_dataset(api, owner, run_worker, dataset_id: str, content: bytes, **configuration) -> dict:
    """Publish ``content`` (a CSV) with ``processors`` / ``specifications``; the outcome as the public sees it.

    Returns ``{"status", "message", "fields", "records"}``: the dataset's status after the worker
    ran, its status error message, and its fields and records (ordered by ``order_by``) from the Explore API.
    """
    order_by = configuration.pop("order_by", None)
    publish_public_csv(api, owner, run_worker, dataset_id, content, **configuration)
    dataset = Dataset.objects.get(dataset_id=dataset_id)
    outcome = {"status": dataset.status, "message": (dataset.status_error or {}).get("message")}
    if dataset.current_version is None:
        return {**outcome, "fields": [], "records": []}
    client = APIClient()
    shown = assert_status(client.get(f"{EXPLORE}/{dataset_id}"), 200)
    params = {"limit": 100, **({"order_by": order_by} if order_by else {})}
    records = assert_status(client.get(f"{EXPLORE}/{dataset_id}/records", params), 200)
    return {**outcome, "fields": shown["fields"], "records": records["results"]}
