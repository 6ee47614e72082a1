"""``GET /jobs/`` and ``GET /jobs/{job_uid}``: the jobs the caller may read (``jobs.selectors.jobs_visible_to``).

A job belongs to its dataset: whoever sees the dataset in the management API (through an API key: within the
key's permissions) sees its jobs, whoever started them; nobody else does, staff or not (a 404 as for the dataset).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import BaseAPIView
from core.api.params import PAGE, QueryParam, one_of, rows, text
from core.errors import NotFoundError
from jobs.api.openapi import JobSerializer
from jobs.api.representations import job_repr
from jobs.models import Job
from jobs.selectors import jobs_visible_to

MAX_JOBS = 100
DATASET_UID = QueryParam("dataset_uid", text, description="Only the jobs of this dataset")
STATE = QueryParam(
    "state", one_of(Job.State.values), description=f"Only the jobs in this state: {', '.join(Job.State.values)}"
)


class JobViewMixin:
    def visible_jobs(self):
        return jobs_visible_to(self.actor)


class JobListView(JobViewMixin, BaseAPIView):
    """A page of the caller's jobs, newest first: a bare array (reference §7); ``page`` reaches the older ones."""

    declared_params = {"GET": (DATASET_UID, STATE, rows(20, MAX_JOBS, "Jobs"), PAGE)}

    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        jobs = self.visible_jobs()
        if self.params["dataset_uid"]:
            jobs = jobs.filter(dataset__dataset_uid=self.params["dataset_uid"])
        if self.params["state"]:
            jobs = jobs.filter(state=self.params["state"])
        # The uid breaks ties between jobs created in the same microsecond, so pages never overlap.
        jobs = jobs.order_by("-created_at", "-job_uid")
        rows, page = self.params["rows"], self.params["page"]
        return Response([job_repr(job) for job in jobs[(page - 1) * rows : page * rows]])


class JobDetailView(JobViewMixin, BaseAPIView):
    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, job_uid: str) -> Response:
        job = self.visible_jobs().filter(job_uid=job_uid).first()
        if job is None:
            raise NotFoundError(path=request.path)
        return Response(job_repr(job))
