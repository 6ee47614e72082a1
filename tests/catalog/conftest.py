"""Published datasets for the catalog page tests: created with metadata through the management API, published by
a real worker (one drain for all of them), read back through the pages."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import assert_status
from tests.datasets.api.conftest import rows_csv, stored_file

MANAGEMENT = "/api/management/v2/datasets"


def publish_all(api, owner, run_worker, specs: list[dict]) -> None:
    """Create every dataset of ``specs`` (``dataset_id``, ``metas``, ``rows``, optional ``visibility``,
    ``processors``) with one CSV resource, queue their publishes, then run the worker once."""
    for spec in specs:
        body = {
            "dataset_id": spec["dataset_id"],
            "visibility": spec.get("visibility", "domain"),
            "metas": spec["metas"],
        }
        uid = assert_status(api.post(f"{MANAGEMENT}/", body, format="json"), 201)["dataset_uid"]
        base = f"{MANAGEMENT}/{uid}"
        file = stored_file(rows_csv(spec["rows"]), f"{spec['dataset_id']}.csv", owner)
        assert_status(api.post(f"{base}/resources/", {"url": file.url, "type": "csvfile"}, format="json"), 201)
        for processor in spec.get("processors", ()):
            assert_status(api.post(f"{base}/processors/", processor, format="json"), 201)
        assert_status(api.put(f"{base}/publish"), 202)
    run_worker()


@pytest.fixture
def publish(chief_api, alice, run_worker, redis, settings):
    """``publish(specs)``: publishes datasets as the editor-in-chief (files owned by alice)."""
    settings.API_THROTTLE_ANON = settings.API_THROTTLE_USER = "100000/minute"

    def run(specs: list[dict]) -> None:
        publish_all(chief_api, alice, run_worker, specs)

    return run


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def between(page: str, start: str, end: str) -> str:
    """The part of ``page`` after the first ``start`` and before the next ``end``."""
    head = page.index(start) + len(start)
    return page[head : page.index(end, head)]
