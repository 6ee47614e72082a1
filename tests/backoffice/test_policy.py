"""Every back-office page keeps within the Content-Security-Policy: scripts and styles from static files."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

from datasets.models import Change
from jobs.models import Job
from tests.backoffice.conftest import DATASETS, JOBS
from tests.config.test_security_headers import assert_within_policy

pytestmark = pytest.mark.django_db


def test_back_office_pages_are_within_the_policy(root_client, trees):
    job = Job.objects.create(function="publish", dataset=trees, state="running")
    resource = trees.resources.get()
    paths = [
        DATASETS,
        f"{DATASETS}{trees.pk}/change/",
        f"{DATASETS}{trees.pk}/changes/",
        f"{DATASETS}{trees.pk}/metadata/visualization/",
        f"{DATASETS}{trees.pk}/resources/add/",
        f"{DATASETS}{trees.pk}/steps/add/",
        f"{DATASETS}add/",
        f"{DATASETS}{trees.pk}/resources/{resource.resource_uid}/preview/",
        JOBS,
        f"{JOBS}{job.pk}/change/",
    ]
    for path in paths:
        page = assert_within_policy(root_client.get(path))
        assert "/static/backoffice/backoffice.css" in page.stylesheets, path
        assert page.inline_scripts == [], path
    assert Change.objects.filter(dataset=trees).exists()


def test_the_static_files_exist():
    for name in ("backoffice/backoffice.css", "backoffice/job-progress.js"):
        assert finders.find(name), name
