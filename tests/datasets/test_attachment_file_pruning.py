"""Pruning keeps the files that attachments and alternative exports name, even with no history mentioning them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from datasets.models import AlternativeExport, Attachment, Change, File
from datasets.services import dataset_create, file_pruning
from datasets.services.file_pruning import files_prune
from datasets.services.files import file_path
from tests.datasets.api.conftest import stored_file

pytestmark = pytest.mark.django_db

LINKS = pytest.mark.parametrize("model", [Attachment, AlternativeExport], ids=["attachment", "alternative_export"])


def aged(file: File) -> File:
    File.objects.filter(pk=file.pk).update(created_at=timezone.now() - timedelta(days=10))
    return file


@pytest.fixture
def dataset(alice):
    return dataset_create(owner=alice, dataset_id="trees", metas={}, visibility="domain")


@LINKS
def test_a_linked_file_stays_and_an_orphan_goes(dataset, alice, model):
    linked = aged(stored_file(b"guide", "guide.txt", alice))
    orphan = aged(stored_file(b"old", "old.txt", alice))
    model.objects.create(dataset=dataset, url=linked.url)
    Change.objects.all().delete()  # only the row itself names the file
    report = files_prune(older_than=timedelta(days=7))
    assert report.file_ids == (orphan.file_id,)
    assert list(File.objects.values_list("file_id", flat=True)) == [linked.file_id]
    assert file_path(linked).exists()


@LINKS
def test_a_row_saved_after_the_scan_keeps_its_file(dataset, alice, model, monkeypatch):
    linked = aged(stored_file(b"guide", "guide.txt", alice))
    model.objects.create(dataset=dataset, url=linked.url)
    # The scan saw no reference (the row came later): the delete's own re-check must keep the file.
    monkeypatch.setattr(file_pruning, "referenced_file_ids", set)
    assert files_prune(older_than=timedelta(days=7)).files == 0
    assert File.objects.filter(pk=linked.pk).exists() and file_path(linked).exists()
