"""Hostile values in every position of every management endpoint: never a 500, always the error envelope.

The walk follows the committed OpenAPI description (``hostile_requests``), so a new endpoint is walked as soon
as it is described. Each request runs inside a savepoint rolled back after it, so every request meets the
same seeded objects and a refused write cannot hide behind an earlier one.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from datasets.models import Dataset, Ruleset
from datasets.services.apikeys import apikey_create
from tests.conftest import assert_status, basic_client
from tests.datasets.api.conftest import stored_file
from tests.datasets.api.hostile_requests import HostileRequest, hostile_requests, operations

ENVELOPE = {"status_code", "error_key", "message", "raw_message", "raw_params"}
BASE = "/api/management/v2"

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(django_user_model, settings):
    settings.API_THROTTLE_USER = "1000000/minute"
    settings.API_THROTTLE_ANON = "1000000/minute"
    return django_user_model.objects.create_superuser("root", "root@example.org", "root-password-1")


@pytest.fixture
def root_api(root) -> APIClient:
    client = basic_client("root", "root-password-1")
    client.raise_request_exception = False  # a 500 is an answer to report, not an exception to stop at
    return client


@pytest.fixture
def known(root, root_api) -> dict[str, str]:
    """One object of every kind the paths name, so that path parameters reach existing objects."""
    body = {"dataset_id": "seed", "metas": {"default": {"title": "Seed", "keyword": ["a"]}}}
    uid = assert_status(root_api.post(f"{BASE}/datasets/", body, format="json"), 201)["dataset_uid"]
    file = stored_file(b"name,year\nOak,1990\n", "seed.csv", root)
    resource = {"url": file.url, "title": "Seed", "type": "csvfile", "params": {"separator": ","}}
    resource_uid = assert_status(root_api.post(f"{BASE}/datasets/{uid}/resources/", resource, format="json"), 201)
    processor = {"name": "string_replace", "args": {"field": "name", "old": "Oak", "new": "Elm"}, "label": "x"}
    step = assert_status(root_api.post(f"{BASE}/datasets/{uid}/processors/", processor, format="json"), 201)
    schedule = {"cron_schedule": "0 3 * * *"}
    schedule = assert_status(root_api.post(f"{BASE}/datasets/{uid}/schedules/", schedule, format="json"), 201)
    dataset = Dataset.objects.get(dataset_uid=uid)
    group = Group.objects.create(name="readers")
    Ruleset.objects.create(dataset=dataset, kind="user", user=root)
    Ruleset.objects.create(dataset=dataset, kind="group", group=group)
    job = assert_status(root_api.put(f"{BASE}/datasets/{uid}/publish/"), 202)
    key, _ = apikey_create(owner=root, label="seed")
    return {
        "dataset_uid": uid,
        "resource_uid": resource_uid["resource_uid"],
        "uid": step["processor_uid"],
        "schedule_uid": schedule["schedule_uid"],
        "username": "root",
        "group_id": "readers",
        "template_name": "default",
        "name": "title",
        "file_id": file.file_id,
        "job_uid": job["job_uid"],
        "key": key.apikey_uid,
    }


def send(client: APIClient, request: HostileRequest):
    """Send ``request`` in a savepoint that is always rolled back (a failed statement included)."""
    savepoint = transaction.savepoint()
    try:
        if request.form is not None:
            form = dict(request.form)
            if "file" in form:
                form["file"] = SimpleUploadedFile(form["file"], b"name\nOak\n", "text/csv")
            return getattr(client, request.method)(request.path, form, format="multipart")
        if request.body is not None:
            return client.generic(request.method.upper(), request.path, request.body, "application/json")
        return getattr(client, request.method)(request.path, request.query)
    finally:
        transaction.savepoint_rollback(savepoint)


def problem(request: HostileRequest, response) -> str | None:
    """What is wrong with the answer to a hostile request: a 5xx, or a 4xx without the envelope."""
    where = f"{request.method.upper()} {request.path} [{request.label}]"
    if response.status_code >= 500:
        return f"{where}: {response.status_code}"
    if response.status_code >= 400:
        body = response.json()
        if not set(body) >= ENVELOPE or body["status_code"] != response.status_code:
            return f"{where}: {response.status_code} without the error envelope: {body}"
    return None


def test_every_operation_answers_hostile_values_without_a_server_error(root_api, known):
    problems, unwalked = [], []
    for path, method, operation in operations():
        requests = list(hostile_requests(path, method, operation, known))
        if not requests:
            unwalked.append(f"{method.upper()} {path}")
        for request in requests:
            problem_found = problem(request, send(root_api, request))
            if problem_found:
                problems.append(problem_found)
    assert not unwalked, f"operations without a hostile request: {unwalked}"
    assert not problems, f"{len(problems)} hostile requests failed:\n" + "\n".join(problems)
