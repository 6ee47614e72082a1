"""A dataset's resources: CRUD, download of the uploaded file, preview, whole-file check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import InvalidFieldError, NotFoundError
from datasets.access.permissions import READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.read_only import sent_back
from datasets.api.management.representations import resource_repr
from datasets.models import File, Resource
from datasets.pipeline.extractors import validate_params
from datasets.services.files import download_response
from datasets.services.preview import resource_preview
from datasets.services.processing import checked_url, resource_add, resource_delete, resource_update
from datasets.services.resource_check import resource_check_request
from jobs.api.openapi import JobSerializer
from jobs.api.representations import job_repr

RESOURCE_ATTRIBUTES = {"url", "title", "type", "params"}


# The mixin below is only ever combined with ManagementAPIView: it is typed as one.
if TYPE_CHECKING:
    _ViewBase = ManagementAPIView
else:
    _ViewBase = object


class ResourceViewMixin(_ViewBase):
    def resource_for(self, dataset_uid: str, resource_uid: str, permission: str) -> Resource:
        dataset = self.dataset_for(dataset_uid, permission)
        resource = dataset.resources.filter(resource_uid=resource_uid).first()
        if resource is None:
            raise NotFoundError(path=self.request.path)
        return resource


class ResourceListView(ManagementAPIView):
    @extend_schema(responses=doc.ResourceSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return Response([resource_repr(resource) for resource in dataset.resources.all()])

    @extend_schema(request=doc.ResourceRequest, responses={201: doc.ResourceSerializer})
    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed=RESOURCE_ATTRIBUTES, required={"url", "type"})
        resource = resource_add(dataset=dataset, body=body, user=request.user)
        return Response(resource_repr(resource), status=status.HTTP_201_CREATED)


class ResourceDetailView(ResourceViewMixin, ManagementAPIView):
    @extend_schema(responses=doc.ResourceSerializer)
    def get(self, request: Request, dataset_uid: str, resource_uid: str) -> Response:
        return Response(resource_repr(self.resource_for(dataset_uid, resource_uid, READ)))

    @extend_schema(request=doc.ResourceRequest, responses=doc.ResourceSerializer)
    def put(self, request: Request, dataset_uid: str, resource_uid: str) -> Response:
        resource = self.resource_for(dataset_uid, resource_uid, "edit_dataset")
        # The resource may be sent back as fetched: its read-only keys (resource_uid) must be unchanged.
        body = sent_back(request, resource_repr(resource), writable=RESOURCE_ATTRIBUTES, required={"url", "type"})
        return Response(resource_repr(resource_update(resource=resource, body=body, user=request.user)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dataset_uid: str, resource_uid: str) -> Response:
        resource = self.resource_for(dataset_uid, resource_uid, "edit_dataset")
        resource_delete(resource=resource, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResourceDownloadView(ResourceViewMixin, ManagementAPIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, dataset_uid: str, resource_uid: str) -> FileResponse:
        resource = self.resource_for(dataset_uid, resource_uid, READ)
        file = File.objects.filter(file_id=resource.url.removeprefix("odsfile://")).first()
        if not resource.url.startswith("odsfile://") or file is None:
            raise InvalidFieldError(field="url", detail="only a resource backed by an uploaded file can be downloaded")
        return download_response(file)


class ResourcePreviewView(ResourceViewMixin, ManagementAPIView):
    """``GET .../resources/{uid}/preview``: the first records after processors and field specifications."""

    @extend_schema(responses=doc.PreviewSerializer)
    def get(self, request: Request, dataset_uid: str, resource_uid: str) -> Response:
        resource = self.resource_for(dataset_uid, resource_uid, READ)
        spec = {"url": resource.url, "type": resource.type, "params": resource.params}
        return Response(resource_preview(dataset=resource.dataset, resource=spec, resource_uid=resource.resource_uid))


class ResourceCheckView(ResourceViewMixin, ManagementAPIView):
    """``POST .../resources/{uid}/check``: the whole resource through the pipeline, as a publish reads it.

    Nothing is published or written. Small resources answer 200 with the check; above
    ``RESOURCE_CHECK_SYNC_MAX_BYTES`` the answer is 202 with a job whose result is the same body.
    Allowed to whoever may preview the resource.
    """

    @extend_schema(request=None, responses={200: doc.ResourceCheckSerializer, 202: JobSerializer})
    def post(self, request: Request, dataset_uid: str, resource_uid: str) -> Response:
        resource = self.resource_for(dataset_uid, resource_uid, READ)
        outcome = resource_check_request(dataset=resource.dataset, resource=resource, user=request.user)
        if outcome.job is None:
            return Response(outcome.result)
        location = reverse("management:job-detail", kwargs={"job_uid": outcome.job.job_uid})
        return Response(job_repr(outcome.job), status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class UnsavedResourcePreviewView(ManagementAPIView):
    """``POST .../resource_preview``: preview a resource before saving it (body: a resource without uid)."""

    @extend_schema(request=doc.ResourceRequest, responses=doc.PreviewSerializer)
    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed=RESOURCE_ATTRIBUTES, required={"url", "type"})
        if not isinstance(body["type"], str):
            raise InvalidFieldError(field="type", detail="expected an extractor name such as csvfile")
        spec = {
            "url": checked_url(body["url"], self.actor),
            "type": body["type"],
            "params": validate_params(body["type"], body.get("params") or {}),
        }
        return Response(resource_preview(dataset=dataset, resource=spec))
