"""Pruning uploaded files: only old ones that nothing refers to go, rows and bytes; everything else stays."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from datasets.models import Change, File, PublishedVersion
from datasets.services import dataset_create
from datasets.services.file_pruning import files_prune
from datasets.services.files import file_path
from datasets.services.processing import resource_add, resource_delete
from tests.datasets.api.conftest import stored_file

pytestmark = pytest.mark.django_db

CSV = b"name,height\nOak,12\n"


def aged(file: File, days: int = 10) -> File:
    File.objects.filter(pk=file.pk).update(created_at=timezone.now() - timedelta(days=days))
    return file


@pytest.fixture
def dataset(alice):
    return dataset_create(owner=alice, dataset_id="trees", metas={}, visibility="domain")


def attach(dataset, file, user):
    return resource_add(dataset=dataset, body={"url": file.url, "type": "csvfile", "params": {}}, user=user)


def test_only_old_unreferenced_files_go(dataset, alice):
    orphan = aged(stored_file(CSV, "orphan.csv", alice))
    young = stored_file(CSV, "young.csv", alice)
    attached = aged(stored_file(CSV, "attached.csv", alice))
    attach(dataset, attached, alice)
    report = files_prune(older_than=timedelta(days=7))
    assert (report.files, report.bytes, report.file_ids) == (1, len(CSV), (orphan.file_id,))
    assert set(File.objects.values_list("file_id", flat=True)) == {young.file_id, attached.file_id}
    assert not file_path(orphan).exists()
    assert file_path(young).exists() and file_path(attached).exists()


def test_files_a_version_or_the_history_may_read_again_stay(dataset, alice):
    published = aged(stored_file(CSV, "published.csv", alice))
    PublishedVersion.objects.create(
        dataset=dataset,
        number=1,
        table_name="unused_v1",
        configuration={"resources": [{"resource_uid": "re_aaaaaa", "url": published.url, "type": "csvfile"}]},
    )
    removed = aged(stored_file(CSV, "removed.csv", alice))
    resource_delete(resource=attach(dataset, removed, alice), user=alice)  # only the history mentions it now
    assert Change.objects.filter(dataset=dataset, sections=["resources"]).count() == 2  # added, removed
    assert files_prune(older_than=timedelta(days=7)).files == 0
    assert File.objects.count() == 2


def test_a_dry_run_lists_and_keeps(alice):
    orphan = aged(stored_file(CSV, "orphan.csv", alice))
    report = files_prune(older_than=timedelta(days=7), dry_run=True)
    assert report.file_ids == (orphan.file_id,)
    assert File.objects.filter(pk=orphan.pk).exists() and file_path(orphan).exists()


def test_the_command(alice, capsys):
    orphan = aged(stored_file(CSV, "orphan.csv", alice), days=3)
    call_command("files_prune", "--days", "5")
    assert "deleted 0 unused file(s), 0 bytes" in capsys.readouterr().out
    call_command("files_prune", "--days", "2", "--dry-run")
    assert f"would delete 1 unused file(s), {len(CSV)} bytes\n  {orphan.file_id}" in capsys.readouterr().out
    call_command("files_prune", "--days", "2")
    assert not File.objects.exists()
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("files_prune", "--days", "0")
