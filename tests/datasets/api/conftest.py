"""Fixtures for the resource and processing API tests: a dataset with an uploaded CSV resource."""

import io

import pytest

from datasets.services.files import file_store
from tests.conftest import assert_status

TREES_CSV = (
    b"name,year,lat,lon,when,html,json,note\n"
    b'Oak,1990,48.85,2.35,03/04/2020,Caf&eacute;,"{""a"": {""b"": 5}}",big old\n'
    b'Elm,2001,45.75,4.85,15/06/2021,Th&eacute;,"{""a"": {""b"": 7}}",small\n'
)


def stored_file(content: bytes, name: str = "data.csv", owner=None):
    return file_store(owner=owner, stream=io.BytesIO(content), filename=name)


@pytest.fixture
def trees_file(alice):
    return stored_file(TREES_CSV, "trees.csv", alice)


@pytest.fixture
def trees(alice_api, trees_file):
    """A dataset with one CSV resource; returns (dataset_uid, resource body)."""
    dataset = assert_status(alice_api.post("/api/management/v2/datasets/", {"dataset_id": "trees"}, format="json"), 201)
    uid = dataset["dataset_uid"]
    body = {"url": trees_file.url, "title": "Trees", "type": "csvfile", "params": {"separator": ","}}
    resource = assert_status(alice_api.post(f"/api/management/v2/datasets/{uid}/resources/", body, format="json"), 201)
    return uid, resource
