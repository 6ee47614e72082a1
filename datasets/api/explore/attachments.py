"""The files published beside a dataset's records: attachments (reference §5.4) and alternative exports.

``GET /catalog/datasets/{dataset_id}/attachments`` lists the attachments of the published version (a publish
snapshots them into its configuration, API decision 12: edits made since stay private) as
``{"href", "metas": {"mime-type", "title", "id"}}``; ``href`` is ``…/attachments/{attachment_uid}``, which
answers the file; the Explore dataset object's ``attachments`` is the same list. The ``url`` meta
(``odsfile://<file_id>``) is left out: it names an upload, which the public has no use for.

Alternative exports have no place in the Explore reference ("managed by the Management API"); the catalog's
export menu links them to ``…/alternative_exports/{export_uid}`` here. An alternative export is a static copy of
the whole data, which cannot be filtered: it is offered only to callers who read every field of every record.

A published item whose file has since been removed is left out of the lists and is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import FileResponse
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.visibility import DataAccess
from datasets.api.explore.errors import ExploreError
from datasets.api.explore.links import dataset_href, link
from datasets.api.explore.views import ExploreView
from datasets.api.management.views.files import download_response
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


def published_attachments(request: Request, dataset_id: str, version: PublishedVersion | None) -> list[dict]:
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


def unknown_item(kind: str, dataset_id: str, uid: str) -> ExploreError:
    return ExploreError(404, "NotFound", f"Unknown {kind} {uid} in dataset {dataset_id}")


class DatasetAttachmentsView(ExploreView):
    """Visible datasets only, like every Explore endpoint: an unknown or hidden dataset is a 404."""

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = self.dataset(dataset_id)
        links = [
            link("self", request.build_absolute_uri(request.path)),
            link("dataset", dataset_href(request, dataset_id)),
        ]
        attachments = published_attachments(request, dataset_id, dataset.current_version)
        return Response({"_links": links, "attachments": attachments})


def published_file(dataset: Dataset, section: str, uid_field: str, uid: str) -> File | None:
    """The file of the item ``uid`` of ``section`` in the dataset's published version, if any."""
    items = published_files(dataset.current_version, section, uid_field)
    return next((item.file for item in items if item.uid == uid), None)


class DatasetAttachmentView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/attachments/{attachment_uid}``: the file, for whoever sees the dataset."""

    def get(self, request: Request, dataset_id: str, attachment_uid: str) -> FileResponse:
        file = published_file(self.dataset(dataset_id), "attachments", "attachment_uid", attachment_uid)
        if file is None:
            raise unknown_item("attachment", dataset_id, attachment_uid)
        return download_response(file)


class DatasetAlternativeExportView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/alternative_exports/{export_uid}``: for callers reading all the data."""

    def get(self, request: Request, dataset_id: str, export_uid: str) -> FileResponse:
        dataset = self.dataset(dataset_id)
        file = published_file(dataset, "alternative_exports", "export_uid", export_uid)
        if file is None or not reads_all_data(dataset.access):  # type: ignore[attr-defined]  # set by ExploreView.dataset
            raise unknown_item("alternative export", dataset_id, export_uid)
        return download_response(file)
