"""Writes on a dataset's attachments and alternative exports (reference §13), and the files they name.

Both are lists of ``{"url": "odsfile://<file_id>", "title"}``. Only uploaded files are accepted: the
reference shows nothing else, and serving a remote URL would make this platform a proxy for it. The URL is
resolved by ``checked_url``, the function resources use, so whatever it checks (the file exists, who may
use it) applies here too. Each write records a change of its section, so ``restore_change`` undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from core.errors import InvalidFieldError, ManagementAPIError
from datasets.access.caller import Caller
from datasets.models import AlternativeExport, Attachment, Dataset, File
from datasets.models.attachment import DatasetFileLink
from datasets.services.processing import User, checked_url, stack_add, stack_delete, stack_update

FILE_SCHEME = "odsfile://"


class UnknownAttachmentError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownAttachmentException"
    raw_message = "Unknown attachment '{uid}' for dataset {dataset_uid}"


class UnknownAlternativeExportError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownAlternativeExportException"
    raw_message = "Unknown alternative export '{uid}' for dataset {dataset_uid}"


class MissingFileError(ManagementAPIError):
    """The row names a file that no longer exists (removed by an administrator)."""

    status_code = 404
    error_key = "UnknownFileException"
    raw_message = "The file {url} no longer exists"


@dataclass(frozen=True)
class LinkKind:
    """One of the two lists: its model, uid attribute, history section and unknown-uid error."""

    model: type[Attachment | AlternativeExport]
    uid_field: str
    section: str
    unknown_error: type[ManagementAPIError]

    def rows(self, dataset: Dataset):
        return self.model.objects.filter(dataset=dataset).order_by("position", "id")

    def get(self, dataset: Dataset, uid: str) -> DatasetFileLink:
        row = self.rows(dataset).filter(**{self.uid_field: uid}).first()
        if row is None:
            raise self.unknown_error(uid=uid, dataset_uid=dataset.dataset_uid)
        return row

    def uid_of(self, row: DatasetFileLink) -> str:
        return getattr(row, self.uid_field)


ATTACHMENTS = LinkKind(Attachment, "attachment_uid", "attachments", UnknownAttachmentError)
ALTERNATIVE_EXPORTS = LinkKind(AlternativeExport, "export_uid", "alternative_exports", UnknownAlternativeExportError)


def checked_file_url(url: Any, caller: User | Caller, *, kept: str | None = None) -> str:
    """An ``odsfile://`` URL of a file ``caller`` may use (or the row's ``kept`` URL); else a 400 naming ``url``."""
    if not isinstance(url, str) or not url.startswith(FILE_SCHEME):
        raise InvalidFieldError(field="url", detail="expected odsfile://<file_id>, the URL of an uploaded file")
    return checked_url(url, caller, kept=kept)


def checked_link(body: dict[str, Any], caller: User | Caller, *, kept_url: str | None = None) -> dict[str, Any]:
    """Validated ``url`` and ``title`` of a request body (``title`` optional, at most 255 characters)."""
    title = body.get("title") or ""
    if not isinstance(title, str) or len(title) > 255:
        raise InvalidFieldError(field="title", detail="expected a string of at most 255 characters")
    return {"url": checked_file_url(body.get("url"), caller, kept=kept_url), "title": title}


@transaction.atomic
def link_add(
    kind: LinkKind, *, dataset: Dataset, body: dict[str, Any], user: User, caller: User | Caller
) -> DatasetFileLink:
    """Append a link; ``caller`` (the user or their API key) must be allowed to use the file it names."""
    return stack_add(kind.model, kind.section, dataset, checked_link(body, caller), user)


@transaction.atomic
def link_update(
    kind: LinkKind, *, row: DatasetFileLink, body: dict[str, Any], user: User, caller: User | Caller
) -> DatasetFileLink:
    """Rewrite a link; keeping its current file needs no right on it, naming another one does."""
    return stack_update(row, kind.section, checked_link(body, caller, kept_url=row.url), user)


@transaction.atomic
def link_delete(kind: LinkKind, *, row: DatasetFileLink, user: User) -> None:
    stack_delete(row, kind.section, user)


def linked_file(url: str) -> File:
    """The uploaded file an ``odsfile://`` URL names (404 ``UnknownFileException`` once it is gone)."""
    file = File.objects.filter(file_id=url.removeprefix(FILE_SCHEME)).first() if url.startswith(FILE_SCHEME) else None
    if file is None:
        raise MissingFileError(url=url)
    return file
