"""Attachments and alternative exports of a dataset (reference §13): list, create, read, update, delete, download.

Both lists behave alike; each view class is written once for a ``LinkKind`` and declared twice below.
Reading needs read access to the dataset, writing ``edit_dataset``, as for resources. Delete answers 200
with the deleted object, as the reference says for these two lists (resources answer 204).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import FileResponse
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from datasets.access.permissions import READ
from datasets.api.management.base import ManagementAPIView
from datasets.models.attachment import DatasetFileLink
from datasets.services.attachments import (
    ALTERNATIVE_EXPORTS,
    ATTACHMENTS,
    LinkKind,
    link_add,
    link_delete,
    link_update,
    linked_file,
)
from datasets.services.files import download_response

LINK_ATTRIBUTES = {"url", "title"}


class LinkRequest(serializers.Serializer):
    url = serializers.CharField(help_text="odsfile://<file_id> of an uploaded file")
    title = serializers.CharField(required=False, allow_blank=True, help_text="Shown publicly; default: the file name")


class AttachmentSerializer(serializers.Serializer):
    attachment_uid = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)


class AlternativeExportSerializer(serializers.Serializer):
    export_uid = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)


def link_repr(kind: LinkKind, row: DatasetFileLink) -> dict[str, Any]:
    return {kind.uid_field: kind.uid_of(row), "url": row.url, "title": row.title}


# The mixin below is only ever combined with ManagementAPIView: it is typed as one.
if TYPE_CHECKING:
    _ViewBase = ManagementAPIView
else:
    _ViewBase = object


class LinkViewMixin(_ViewBase):
    """``kind`` says which list; ``uid_kwarg`` which URL argument names one of its items."""

    kind: LinkKind
    uid_kwarg: str

    def row_for(self, dataset_uid: str, permission: str) -> DatasetFileLink:
        dataset = self.dataset_for(dataset_uid, permission)
        return self.kind.get(dataset, self.kwargs[self.uid_kwarg])


class LinkListView(LinkViewMixin, ManagementAPIView):
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return Response([link_repr(self.kind, row) for row in self.kind.rows(dataset)])

    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed=LINK_ATTRIBUTES, required={"url"})
        row = link_add(self.kind, dataset=dataset, body=body, user=request.user, caller=self.actor)
        return Response(link_repr(self.kind, row), status=status.HTTP_201_CREATED)


class LinkDetailView(LinkViewMixin, ManagementAPIView):
    def get(self, request: Request, dataset_uid: str, **_uid: str) -> Response:
        return Response(link_repr(self.kind, self.row_for(dataset_uid, READ)))

    def put(self, request: Request, dataset_uid: str, **_uid: str) -> Response:
        row = self.row_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed=LINK_ATTRIBUTES, required={"url"})
        row = link_update(self.kind, row=row, body=body, user=request.user, caller=self.actor)
        return Response(link_repr(self.kind, row))

    def delete(self, request: Request, dataset_uid: str, **_uid: str) -> Response:
        row = self.row_for(dataset_uid, "edit_dataset")
        shown = link_repr(self.kind, row)
        link_delete(self.kind, row=row, user=request.user)
        return Response(shown)


class LinkDownloadView(LinkViewMixin, ManagementAPIView):
    """The file as uploaded: its sniffed content type, its cleaned name, streamed."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, dataset_uid: str, **_uid: str) -> FileResponse:
        return download_response(linked_file(self.row_for(dataset_uid, READ).url))


def declared(base: type, kind: LinkKind, uid_kwarg: str, serializer: type[serializers.Serializer]) -> type:
    """``base`` bound to one list, its methods described for OpenAPI with that list's ``serializer``.

    Each method is wrapped before ``extend_schema`` marks it: marking the shared base method would let the
    second list's description overwrite the first's.
    """
    schemas = {
        "get": serializer(many=True) if base is LinkListView else serializer,
        "post": {201: serializer},
        "put": serializer,
        "delete": serializer,
    }
    attributes: dict[str, Any] = {"kind": kind, "uid_kwarg": uid_kwarg}
    for method, responses in schemas.items():
        if base is LinkDownloadView or not hasattr(base, method):
            continue
        original = getattr(base, method)

        def wrapper(self, *args, _original=original, **kwargs):
            return _original(self, *args, **kwargs)

        request = LinkRequest if method in ("post", "put") else None
        attributes[method] = extend_schema(request=request, responses=responses)(wrapper)
    name = f"{serializer.__name__.removesuffix('Serializer')}{base.__name__.removeprefix('Link')}"
    return type(name, (base,), {**attributes, "__doc__": base.__doc__, "__module__": __name__})


AttachmentListView = declared(LinkListView, ATTACHMENTS, "attachment_uid", AttachmentSerializer)
AttachmentDetailView = declared(LinkDetailView, ATTACHMENTS, "attachment_uid", AttachmentSerializer)
AttachmentDownloadView = declared(LinkDownloadView, ATTACHMENTS, "attachment_uid", AttachmentSerializer)
AlternativeExportListView = declared(LinkListView, ALTERNATIVE_EXPORTS, "export_uid", AlternativeExportSerializer)
AlternativeExportDetailView = declared(LinkDetailView, ALTERNATIVE_EXPORTS, "export_uid", AlternativeExportSerializer)
AlternativeExportDownloadView = declared(
    LinkDownloadView, ALTERNATIVE_EXPORTS, "export_uid", AlternativeExportSerializer
)
