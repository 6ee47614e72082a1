"""``GET /catalog/datasets/{dataset_id}/attachments``: the files published with a dataset (reference §5.4).

An attachment is ``{"href", "metas": {"mime-type", "title", "url"?, "id"?}}``. Nothing stores attachments yet:
the management API has no attachment endpoints and a published version snapshots no attachment list. The
endpoint answers the documented shape from the published version, with an empty list, so clients can rely on
it now; ``published_attachments`` is where a snapshot of attachments will be read.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from datasets.api.explore.links import dataset_href, link
from datasets.api.explore.views import ExploreView
from datasets.models import PublishedVersion


def published_attachments(version: PublishedVersion) -> list[dict[str, Any]]:
    """The attachments of a published version: none until publishing snapshots them (see the module)."""
    return []


class DatasetAttachmentsView(ExploreView):
    """Visible datasets only, like every Explore endpoint: an unknown or hidden dataset is a 404."""

    def get(self, request: Request, dataset_id: str) -> Response:
        dataset = self.dataset(dataset_id)
        links = [
            link("self", request.build_absolute_uri(request.path)),
            link("dataset", dataset_href(request, dataset_id)),
        ]
        return Response({"_links": links, "attachments": published_attachments(dataset.current_version)})
