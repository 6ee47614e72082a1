"""Schedules: when a dataset's data is republished from its sources without anyone asking."""

from django.conf import settings
from django.db import models

from core.identifiers import random_uid


def new_schedule_uid() -> str:
    return random_uid("sc")


class Schedule(models.Model):
    """A cron expression, read in ``timezone``, at which the dataset's data is republished.

    A run republishes the data of the dataset's resources with the configuration of its last
    publish (never unpublished edits) and is skipped when no source changed. ``next_run_at`` is
    the next occurrence after the last run, in UTC; the scheduler claims due rows with a row lock,
    so several scheduler processes never start the same run twice. Each run is a job.
    """

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="schedules")
    schedule_uid = models.CharField(max_length=9, unique=True, default=new_schedule_uid, editable=False)
    cron_schedule = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.schedule_uid} {self.cron_schedule} ({self.timezone})"
