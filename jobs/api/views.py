"""``GET /jobs/`` and ``GET /jobs/{job_uid}``: the jobs the caller may read (``jobs.selectors.jobs_visible_to``).

A job belongs to its dataset: whoever sees the dataset in the management API (through an API key: within the
key's permissions) sees its jobs, whoever started them; nobody else does, staff or not (a 404 as for the dataset).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from config.errors import InvalidFieldError, NotFoundError
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView, int_param
from jobs.api.representations import job_repr
from jobs.models import Job
from jobs.selectors import jobs_visible_to

MAX_JOBS = 100


class JobViewMixin:
    def visible_jobs(self):
        return jobs_visible_to(self.actor)


class JobListView(JobViewMixin, ManagementAPIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("dataset_uid", str, description="Only the jobs of this dataset"),
            OpenApiParameter("state", str, description="waiting, started, running, done, error or aborted"),
            OpenApiParameter("rows", int, description="At most this many jobs, newest first (default 20, max 100)"),
        ],
        responses=doc.JobSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        jobs = self.visible_jobs()
        if dataset_uid := request.query_params.get("dataset_uid"):
            jobs = jobs.filter(dataset__dataset_uid=dataset_uid)
        if state := request.query_params.get("state"):
            if state not in Job.State.values:
                raise InvalidFieldError(field="state", detail=f"expected one of {', '.join(Job.State.values)}")
            jobs = jobs.filter(state=state)
        rows = int_param(request, "rows", default=20, minimum=1, maximum=MAX_JOBS)
        return Response([job_repr(job) for job in jobs[:rows]])


class JobDetailView(JobViewMixin, ManagementAPIView):
    @extend_schema(responses=doc.JobSerializer)
    def get(self, request: Request, job_uid: str) -> Response:
        job = self.visible_jobs().filter(job_uid=job_uid).first()
        if job is None:
            raise NotFoundError(path=request.path)
        return Response(job_repr(job))
