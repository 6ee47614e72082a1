"""The OpenAPI description: served without a CDN, committed, and true to what the API answers."""

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import assert_status, basic_client

COMMITTED = Path(__file__).resolve().parents[3] / "datasets" / "api" / "management" / "openapi-v2.json"


def test_committed_schema_matches_the_code(tmp_path):
    generated = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(generated), "--fail-on-warn", "--validate")
    assert json.loads(generated.read_text()) == json.loads(COMMITTED.read_text()), (
        "The management API changed but its committed OpenAPI schema did not: run `make openapi` and commit the result."
    )


@pytest.mark.django_db
def test_schema_and_docs_are_served_from_this_site(client):
    schema = client.get("/api/management/v2/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Management API"
    docs = client.get("/api/management/v2/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


@pytest.fixture
def superuser_credentials(django_user_model):
    django_user_model.objects.create_superuser("fuzz", "fuzz@example.org", "fuzz-password-1")
    return "fuzz", "fuzz-password-1"


@pytest.fixture
def seeded(db, superuser_credentials):
    """A dataset with history so that generated requests sometimes hit real objects."""
    api = basic_client(*superuser_credentials)
    body = {"dataset_id": "seed", "metas": {"default": {"title": "Seed", "keyword": ["a"]}}}
    assert_status(api.post("/api/management/v2/datasets/", body, format="json"), 201)


class FreshDjangoApp:
    """A WSGI app building Django's handler per request, so middleware sees each test's settings."""

    def __call__(self, environ, start_response):
        return WSGIHandler()(environ, start_response)


api_schema = schemathesis.openapi.from_path(str(COMMITTED))
api_schema.app = FreshDjangoApp()


@pytest.fixture
def unthrottled(settings):
    settings.API_THROTTLE_USER = "100000/minute"
    settings.API_THROTTLE_ANON = "100000/minute"


@pytest.fixture
def keep_db_connection():
    """Requests start and end by closing old database connections, which would drop the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@api_schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_5xx_and_every_response_matches_the_schema(
    case, superuser_credentials, seeded, unthrottled, keep_db_connection
):
    """A bounded property-based run over every operation, authenticated as a superuser.

    The committed schema is the one exercised; test_committed_schema_matches_the_code ties it to the code.
    """
    case.call_and_validate(
        auth=superuser_credentials,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )


# The hostile run skips the coverage phase (two minutes of boundary cases for every operation): the deterministic
# walk of test_hostile_input.py puts a hostile value in every position; this run adds generated shapes to it.
FUZZ_ONLY = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
hostile_schema = schemathesis.openapi.from_path(str(COMMITTED), config=FUZZ_ONLY)
hostile_schema.app = FreshDjangoApp()


def hostile(value, *, nul: bool):
    """``value`` with every string given a NUL (``nul``) or every number made 10**20 (otherwise), recursively."""
    if isinstance(value, dict):
        return {key: hostile(item, nul=nul) for key, item in value.items()}
    if isinstance(value, list):
        return [hostile(item, nul=nul) for item in value]
    if nul and isinstance(value, str):
        return f"{value}\x00"
    if not nul and isinstance(value, int | float) and not isinstance(value, bool):
        return 10**20
    return value


@hostile_schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_generated_requests_with_nul_or_huge_numbers_are_never_a_server_error(
    case, superuser_credentials, seeded, unthrottled, keep_db_connection
):
    """The bounded run again (examples and fuzzing), each generated request made hostile: a NUL in every string of
    its path, query and JSON body, then every number 10**20; both answer a 4xx or a success, never a 5xx."""
    for nul in (True, False):
        hostile_case = case.operation.Case(
            path_parameters=hostile(case.path_parameters, nul=nul),
            query=hostile(case.query, nul=nul),
            body=hostile(case.body, nul=nul) if case.media_type == "application/json" else case.body,
            headers=case.headers,
            media_type=case.media_type,
        )
        response = hostile_case.call(auth=superuser_credentials)
        assert response.status_code < 500, (nul, hostile_case.method, hostile_case.formatted_path, response.text[:300])
