"""Removing uploaded files nothing refers to any more, once they are old enough.

An upload (``POST /files``, the back-office) becomes a file first and a resource second; an upload
never attached, or whose resources were all replaced, keeps its bytes on disk for ever. A file is
still wanted while anything may read it again:

* a resource's, an attachment's or an alternative export's URL (``odsfile://<file_id>``);
* any published version's configuration: scheduled runs republish from it;
* any change of the history (its diff or the state before it): restoring a change brings back the
  resources it held.

Files younger than the grace period are kept too: an upload is usually attached minutes later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from datasets.models import AlternativeExport, Attachment, Change, File, PublishedVersion, Resource
from datasets.services.files import file_discard

FILE_URL = re.compile(r"odsfile://([A-Za-z0-9_-]+)")
# Rows whose ``url`` may name an uploaded file.
LINKING_MODELS = (Resource, Attachment, AlternativeExport)
FILE_URL_OF_ROW = Concat(Value("odsfile://"), OuterRef("file_id"))


@dataclass(frozen=True)
class PruneReport:
    files: int
    bytes: int
    file_ids: tuple[str, ...]


def referenced_file_ids() -> set[str]:
    """Every file id a row of ``LINKING_MODELS``, a version's configuration or a change mentions."""
    found = {
        url.removeprefix("odsfile://")
        for model in LINKING_MODELS
        for url in model.objects.filter(url__startswith="odsfile://").values_list("url", flat=True)
    }
    texts = [
        PublishedVersion.objects.values_list(Cast("configuration", TextField()), flat=True),
        Change.objects.values_list(Cast("diff", TextField()), flat=True),
        Change.objects.values_list(Cast("before", TextField()), flat=True),
    ]
    for rows in texts:
        for text in rows.iterator(chunk_size=2000):
            found.update(FILE_URL.findall(text or ""))
    return found


def unused_files(older_than: timedelta) -> list[File]:
    """Files created more than ``older_than`` ago that nothing refers to (see the module docstring)."""
    cutoff = timezone.now() - older_than
    return list(File.objects.filter(created_at__lt=cutoff).exclude(file_id__in=referenced_file_ids()))


def files_prune(*, older_than: timedelta, dry_run: bool = False) -> PruneReport:
    """Delete the unused files' rows and bytes; ``dry_run`` only reports them."""
    candidates = unused_files(older_than)
    if not dry_run:
        with transaction.atomic():
            # A row saved since the scan keeps its file: the delete re-checks them itself.
            deletable = File.objects.select_for_update().filter(pk__in=[file.pk for file in candidates])
            for model in LINKING_MODELS:
                deletable = deletable.exclude(Exists(model.objects.filter(url=FILE_URL_OF_ROW)))
            candidates = list(deletable)
            File.objects.filter(pk__in=[file.pk for file in candidates]).delete()
        for file in candidates:
            file_discard(file)
    return PruneReport(
        files=len(candidates),
        bytes=sum(file.size for file in candidates),
        file_ids=tuple(sorted(file.file_id for file in candidates)),
    )
