"""The Explore API's root, its OpenAPI description and its console: served here, valid, complete, and true to
what the API answers (a bounded schemathesis run against a published dataset)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import schemathesis
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.errors import handler500
from datasets.api.explore.openapi import explore_openapi
from tests.conftest import assert_status
from tests.datasets.api.conftest import publish_public_csv, rows_csv
from tests.datasets.api.test_openapi import FreshDjangoApp

ROOT = "/api/explore/v2.1"
# Pages of the API that are not operations of it: the description itself and the console.
NOT_OPERATIONS = {"/openapi.json", "/console"}
# The views name the export format ``export``; the reference's (and the description's) name is ``format``.
RENAMED = {"export": "format"}


def explore_patterns() -> list[str]:
    """The Explore URL conf's routes as OpenAPI path templates (``/catalog/datasets/{dataset_id}``)."""
    resolver = next(
        item for item in get_resolver().url_patterns if isinstance(item, URLResolver) and item.namespace == "explore"
    )
    templates = []
    for pattern in resolver.url_patterns:
        assert isinstance(pattern, URLPattern)
        regex = str(pattern.pattern)
        regex = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: "{" + RENAMED.get(m[1], m[1]) + "}", regex)
        templates.append("/" + regex.removeprefix("^").removesuffix("$").removesuffix("/?").replace("\\.", "."))
    return templates


def test_every_route_is_described_and_nothing_else():
    routes = {template for template in explore_patterns() if template not in NOT_OPERATIONS}
    assert routes == set(explore_openapi()["paths"])


def test_path_parameters_are_the_routes_own():
    description = explore_openapi()
    parameters = description["components"]["parameters"]
    for template, item in description["paths"].items():
        declared = {
            parameters[ref["$ref"].rsplit("/", 1)[1]]["name"]
            for ref in item["get"]["parameters"]
            if parameters[ref["$ref"].rsplit("/", 1)[1]]["in"] == "path"
        }
        assert declared == set(re.findall(r"\{(\w+)\}", template)), template


@pytest.mark.django_db
def test_root_lists_the_api_parts_and_each_link_answers(client):
    body = assert_status(client.get(f"{ROOT}/"), 200)
    assert body["api"] == "explore" and body["version"] == "v2.1"
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert links == {
        "self": f"http://testserver{ROOT}/",
        "catalog_datasets": f"http://testserver{ROOT}/catalog/datasets",
        "catalog_facets": f"http://testserver{ROOT}/catalog/facets",
        "catalog_exports": f"http://testserver{ROOT}/catalog/exports",
        "openapi": f"http://testserver{ROOT}/openapi.json",
        "console": f"http://testserver{ROOT}/console",
    }
    for href in links.values():
        assert client.get(href.removeprefix("http://testserver")).status_code == 200, href
    assert client.get(ROOT).json() == body  # without its trailing slash too


@pytest.mark.django_db
def test_root_and_description_are_get_only(client):
    for path in (f"{ROOT}/", f"{ROOT}/openapi.json"):
        response = client.post(path)
        assert response.status_code == 405
        assert response.json()["error_code"] == "MethodNotAllowed"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/catalog/datasets/a,b",  # no route: a comma is no dataset id
        "/catalog/datasets/trees/records/%C2%84",
        "/catalog/exports/a,b",
        "/no/such/endpoint",
    ],
)
def test_a_path_no_route_matches_answers_the_explore_error_shape(client, path):
    """Found by the schemathesis run: Django's 404 answered the management API's envelope under /api/explore/."""
    response = client.get(f"{ROOT}{path}")
    assert response.status_code == 404
    assert response.json() == {
        "error_code": "NotFound",
        "message": f"Not found: {ROOT}{path.replace('%C2%84', chr(0x84))}",
    }


def test_an_internal_error_under_the_explore_api_answers_its_shape(rf):
    response = handler500(rf.get(f"{ROOT}/catalog/datasets"))
    assert response.status_code == 500
    body = json.loads(response.content)
    assert set(body) == {"error_code", "message"} and body["error_code"] == "InternalError"
    assert "request id" in body["message"]


@pytest.mark.django_db
def test_description_is_served_and_valid(client):
    response = client.get(f"{ROOT}/openapi.json")
    assert response.status_code == 200
    description = response.json()
    validate_schema(description)  # against the OpenAPI 3.0 JSON schema
    assert description["info"]["title"] == "Explore API"
    assert description["servers"] == [{"url": ROOT}]
    records = description["paths"]["/catalog/datasets/{dataset_id}/records"]["get"]
    names = {ref["$ref"].rsplit("/", 1)[1] for ref in records["parameters"]}
    assert {"select", "where", "group_by", "order_by", "limit", "offset", "refine", "exclude", "lang"} <= names
    assert {"timezone", "include_links", "include_app_metas"} <= names
    assert description["components"]["schemas"]["Error"]["required"] == ["error_code", "message"]
    schemathesis.openapi.from_dict(description)  # every $ref resolves


@pytest.mark.django_db
def test_console_page_serves_swagger_ui_from_this_site(client):
    response = client.get(f"{ROOT}/console/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/explore/console.js" in html
    assert f'data-openapi-url="{ROOT}/openapi.json"' in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert "<script>" not in html  # no inline script: the policy below would block it
    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src


@pytest.mark.django_db
def test_site_header_links_the_console(client):
    html = client.get("/").content.decode()
    assert f'<a href="{ROOT}/console">API</a>' in html


# --- the description against the running API -----------------------------------------------------------

TREES = [{"name": f"Tree {n}", "species": ["Oak", "Elm"][n % 2], "height": 3 + n} for n in range(5)]
PUBLISHED = "fuzzed-trees"


@pytest.fixture
def published(chief, chief_api, run_worker):
    """The trees, published (the publish job is enqueued on commit: tests using it are transactional)."""
    publish_public_csv(chief_api, chief, run_worker, PUBLISHED, rows_csv(TREES))
    records = chief_api.get(f"{ROOT}/catalog/datasets/{PUBLISHED}/records", {"limit": 1})
    assert assert_status(records, 200)["total_count"] == len(TREES)


@pytest.fixture
def unthrottled(settings):
    settings.API_THROTTLE_USER = "100000/minute"
    settings.API_THROTTLE_ANON = "100000/minute"


@pytest.mark.django_db(transaction=True)
def test_a_datasets_api_tab_links_the_console_with_the_dataset(client, published):
    html = client.get(f"/explore/dataset/{PUBLISHED}/api/").content.decode()
    assert f'href="{ROOT}/console?dataset={PUBLISHED}"' in html


def fuzzed_description():
    """The served description, its ``dataset_id`` one of the published dataset or an unknown one, so that
    generated requests read real records (and the 404 is exercised too)."""
    description = copy.deepcopy(explore_openapi())
    description["components"]["parameters"]["dataset_id"]["schema"] = {
        "type": "string",
        "enum": [PUBLISHED, "no-such-dataset"],
    }
    return description


api_schema = schemathesis.openapi.from_dict(fuzzed_description())
api_schema.app = FreshDjangoApp()


@pytest.mark.django_db(transaction=True)
@api_schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_answer_matches_the_description(case, published, unthrottled):
    """A bounded property-based run over every operation, anonymous, against a published dataset (exports open
    their own connection, hence a committed publish)."""
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ]
    )
