"""The files published beside a dataset's records: attachments (reference §5.4) and alternative exports.

``GET /catalog/datasets/{dataset_id}/attachments`` lists the attachments of the published version (a publish
snapshots them into its configuration, API decision 12: edits made since stay private) as
``{"href", "metas": {"mime-type", "title", "id"}}``; ``href`` is ``…/attachments/{attachment_uid}``, which
answers the file; the Explore dataset object's ``attachments`` is the same list. The ``url`` meta
(``odsfile://<file_id>``) is left out: it names an upload, which the public has no use for.

Alternative exports have no place in the Explore reference ("managed by the Management API"); the catalog's
export menu links them to ``…/alternative_exports/{export_uid}`` here. An alternative export is a static copy of
the whole data, which cannot be filtered: it is offered only to callers who read every field of every record.

A published item whose file has since been removed is left out of the lists and is a 404. What was published is
read by ``datasets.selectors.attachments``, which the catalog pages share.
"""

from __future__ import annotations

from django.http import FileResponse
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.errors import ExploreError
from datasets.api.explore.links import dataset_href, link
from datasets.api.explore.views import ExploreView
from datasets.selectors.attachments import published_attachments, published_file, reads_all_data
from datasets.services.files import download_response


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
