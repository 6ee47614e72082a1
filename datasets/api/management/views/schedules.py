"""A dataset's schedules: list, add, one, replace, delete."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import NotFoundError
from datasets.access.permissions import READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import schedule_repr
from datasets.models import Schedule
from datasets.services import schedules

FIELDS = {"cron_schedule", "timezone"}


class ScheduleListView(ManagementAPIView):
    @extend_schema(responses=doc.ScheduleSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return Response([schedule_repr(item) for item in dataset.schedules.select_related("last_job")])

    @extend_schema(request=doc.ScheduleRequest, responses={201: doc.ScheduleSerializer})
    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed=FIELDS, required={"cron_schedule"})
        schedule = schedules.schedule_add(dataset=dataset, body=body, user=request.user)
        return Response(schedule_repr(schedule), status=status.HTTP_201_CREATED)


class ScheduleDetailView(ManagementAPIView):
    def schedule_for(self, dataset_uid: str, schedule_uid: str, permission: str) -> Schedule:
        dataset = self.dataset_for(dataset_uid, permission)
        schedule = dataset.schedules.select_related("last_job").filter(schedule_uid=schedule_uid).first()
        if schedule is None:
            raise NotFoundError(path=self.request.path)
        return schedule

    @extend_schema(responses=doc.ScheduleSerializer)
    def get(self, request: Request, dataset_uid: str, schedule_uid: str) -> Response:
        return Response(schedule_repr(self.schedule_for(dataset_uid, schedule_uid, READ)))

    @extend_schema(request=doc.ScheduleRequest, responses=doc.ScheduleSerializer)
    def put(self, request: Request, dataset_uid: str, schedule_uid: str) -> Response:
        schedule = self.schedule_for(dataset_uid, schedule_uid, "edit_dataset")
        body = json_object(request, allowed=FIELDS, required={"cron_schedule"})
        return Response(schedule_repr(schedules.schedule_update(schedule=schedule, body=body)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dataset_uid: str, schedule_uid: str) -> Response:
        schedules.schedule_delete(schedule=self.schedule_for(dataset_uid, schedule_uid, "edit_dataset"))
        return Response(status=status.HTTP_204_NO_CONTENT)
