"""The files published beside a dataset's records: attachments and alternative exports, as the published version
lists them (a publish snapshots them into its configuration, API decision 12: edits made since stay private).

The Explore API lists and serves them (``datasets.api.explore.attachments``) and the catalog pages link them.
An alternative export is a static copy of the whole data, which cannot be filtered: it is offered only to callers
who read every field of every record. A published item whose file has since been removed is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from datasets.access.visibility import DataAccess
from datasets.models import Dataset, File, PublishedVersion


@dataclass(frozen=True)
class PublishedFile:
    """One published attachment or alternative export with its uploaded file."""

    uid: str
    title: str
    file: File

    @property
    def shown_title(self) -> str:
        return self.title or self.file.filename


def published_files(version: PublishedVersion | None, section: str, uid_field: str) -> list[PublishedFile]:
    """The items of ``section`` in ``version``'s configuration whose file still exists, in order."""
    items = version.configuration.get(section, []) if version is not None else []
    file_ids = [item["url"].removeprefix("odsfile://") for item in items]
    files = {file.file_id: file for file in File.objects.filter(file_id__in=file_ids)}
    found = [(item, files.get(item["url"].removeprefix("odsfile://"))) for item in items]
    return [PublishedFile(item[uid_field], item.get("title", ""), file) for item, file in found if file is not None]


def published_attachments(request: HttpRequest, dataset_id: str, version: PublishedVersion | None) -> list[dict]:
    """The Explore representation of the attachments ``version`` published."""
    return [
        {
            "href": request.build_absolute_uri(
                reverse("explore:attachment", kwargs={"dataset_id": dataset_id, "attachment_uid": item.uid})
            ),
            "metas": {"mime-type": item.file.mimetype, "title": item.shown_title, "id": item.uid},
        }
        for item in published_files(version, "attachments", "attachment_uid")
    ]


def reads_all_data(access: DataAccess) -> bool:
    """Every field of every record (a quota only counts the downloads)."""
    return access.data_visible and access.visible_fields is None and not access.filters


def published_alternative_exports(dataset: Dataset, access: DataAccess) -> list[dict[str, str]]:
    """``[{"title", "href", "mime_type"}]`` of the alternative exports the caller may download (see the module)."""
    if not reads_all_data(access):
        return []
    return [
        {
            "title": item.shown_title,
            "href": reverse(
                "explore:alternative-export", kwargs={"dataset_id": dataset.dataset_id, "export_uid": item.uid}
            ),
            "mime_type": item.file.mimetype,
        }
        for item in published_files(dataset.current_version, "alternative_exports", "export_uid")
    ]


def published_file(dataset: Dataset, section: str, uid_field: str, uid: str) -> File | None:
    """The file of the item ``uid`` of ``section`` in the dataset's published version, if any."""
    items = published_files(dataset.current_version, section, uid_field)
    return next((item.file for item in items if item.uid == uid), None)
