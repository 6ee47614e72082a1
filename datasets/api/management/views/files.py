"""Uploaded files: ``POST /files`` (multipart or JSON), list, one, download."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.models import User
from django.http import FileResponse
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.parsers import GuardedJSONParser, GuardedMultiPartParser
from core.errors import InvalidFieldError, NotFoundError
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import file_repr
from datasets.api.management.uploads import BoundedUploadHandler
from datasets.errors import DomainPermissionDeniedError
from datasets.models import File
from datasets.services.files import download_response, file_store, files_visible_to

UPLOAD_PERMISSIONS = frozenset({"create_dataset", "edit_dataset"})


# The mixin below is only ever combined with ManagementAPIView: it is typed as one.
if TYPE_CHECKING:
    _ViewBase = ManagementAPIView
else:
    _ViewBase = object


class FileViewMixin(_ViewBase):
    def visible_files(self):
        """The caller's own uploads; everything for domain editors (the files ``file_for_user`` lets them use)."""
        return files_visible_to(self.actor)

    def file_for(self, file_id: str) -> File:
        file = self.visible_files().filter(file_id=file_id).first()
        if file is None:
            raise NotFoundError(path=self.request.path)
        return file


def json_upload(data: Any) -> tuple[io.BytesIO, str | None]:
    """``{"content": text, "filename"?, "mimetype"?}``; the mimetype is ignored: content is sniffed."""
    if not isinstance(data, dict) or not isinstance(data.get("content"), str):
        raise InvalidFieldError(field="content", detail="expected the file's text, or a multipart 'file' part")
    filename = data.get("filename")
    if filename is not None and not isinstance(filename, str):
        raise InvalidFieldError(field="filename", detail="expected a string")
    return io.BytesIO(data["content"].encode("utf-8")), filename


class FileListView(FileViewMixin, ManagementAPIView):
    parser_classes = [GuardedMultiPartParser, GuardedJSONParser]

    def initialize_request(self, request, *args, **kwargs):
        request.upload_handlers = [BoundedUploadHandler(request)]
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(responses=doc.FileSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([file_repr(file) for file in self.visible_files()[:1000]])

    @extend_schema(request=doc.FileUploadRequest, responses={201: doc.FileSerializer})
    def post(self, request: Request) -> Response:
        if not self.actor.domain_rights() & UPLOAD_PERMISSIONS:
            raise DomainPermissionDeniedError(permission="create_dataset")
        upload = request.FILES.get("file")
        if upload is not None:
            file = file_store(owner=cast(User, request.user), stream=upload, filename=upload.name)
        else:
            stream, filename = json_upload(request.data)
            file = file_store(owner=cast(User, request.user), stream=stream, filename=filename)
        return Response(file_repr(file), status=status.HTTP_201_CREATED)


class FileDetailView(FileViewMixin, ManagementAPIView):
    @extend_schema(responses=doc.FileSerializer)
    def get(self, request: Request, file_id: str) -> Response:
        return Response(file_repr(self.file_for(file_id)))


class FileDownloadView(FileViewMixin, ManagementAPIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, file_id: str) -> FileResponse:
        file = self.file_for(file_id)
        return download_response(file)
