"""Publish, unpublish, abort, and the record errors of the last publish."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.expand import Expand
from core.errors import InvalidFieldError
from datasets.access.permissions import READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import records_errors_repr, status_repr
from datasets.services.publishing import dataset_abort_request, dataset_publish_request, dataset_unpublish_request
from jobs.api.openapi import JobSerializer
from jobs.api.representations import job_repr
from jobs.models import Job


def require_no_body(request: Request) -> None:
    """Actions take no parameters: a body other than none or ``{}`` is refused rather than ignored."""
    data = request.data
    if not isinstance(data, dict):
        raise InvalidFieldError(field="body", detail="this action takes no body; send none or {}")
    if data:
        raise InvalidFieldError(field=sorted(data)[0], detail="unknown attribute; this action takes no body")


class ActionView(ManagementAPIView):
    """``PUT .../publish`` or ``.../unpublish``: 202 with the job object and its URL in Location."""

    request_action: Callable[..., Job]  # each action below sets it

    @extend_schema(request=None, responses={202: JobSerializer})
    def put(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "publish_dataset")
        require_no_body(request)
        job = type(self).request_action(dataset=dataset, user=request.user)
        location = reverse("management:job-detail", kwargs={"job_uid": job.job_uid})
        return Response(job_repr(job), status=status.HTTP_202_ACCEPTED, headers={"Location": location})


class PublishView(ActionView):
    request_action = staticmethod(dataset_publish_request)


class UnpublishView(ActionView):
    request_action = staticmethod(dataset_unpublish_request)


class AbortView(ManagementAPIView):
    """``PUT .../abort_processing``: the running publish stops at its next batch."""

    @extend_schema(request=None, responses=doc.StatusSerializer)
    def put(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "publish_dataset")
        require_no_body(request)
        dataset = dataset_abort_request(dataset=dataset, user=request.user)
        return Response(status_repr(dataset, Expand()))


class RecordErrorsView(ManagementAPIView):
    """``GET .../status/records_errors``: the record errors kept from the last successful publish."""

    @extend_schema(responses=doc.RecordErrorSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return Response(records_errors_repr(dataset))
