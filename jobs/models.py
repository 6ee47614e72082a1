"""The Job: the record of one asynchronous action, and the only truth about its state."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.identifiers import random_uid
from jobs.redaction import redact_text, redacted


def new_job_uid() -> str:
    return random_uid("jo", 10)


class Job(models.Model):
    """One asynchronous action (publish, unpublish, ping…) and where it stands.

    The row is written before the work is enqueued and RQ carries only its primary key, so the
    state shown to users never depends on Redis. ``rq_job_id`` is chosen here, before enqueueing,
    so the RQ job can be found (or stopped) without a second mapping. State moves only through
    the methods below, each a single conditional ``UPDATE``, so an API process and a worker
    never overwrite each other's fields.
    """

    class State(models.TextChoices):
        WAITING = "waiting"
        STARTED = "started"
        RUNNING = "running"
        DONE = "done"
        ERROR = "error"
        ABORTED = "aborted"

    ACTIVE_STATES = (State.WAITING, State.STARTED, State.RUNNING)
    TERMINAL_STATES = (State.DONE, State.ERROR, State.ABORTED)

    job_uid = models.CharField(max_length=13, unique=True, default=new_job_uid, editable=False)
    function = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    progresses = models.JSONField(default=list, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True, help_text="Error envelope when the job failed.")
    dataset = models.ForeignKey(
        "datasets.Dataset", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    queue_name = models.CharField(max_length=50, default="default")
    rq_job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one active job per dataset, enforced by the database so that two
            # concurrent requests cannot both start one.
            models.UniqueConstraint(
                fields=["dataset"],
                condition=Q(state__in=["waiting", "started", "running"]) & Q(dataset__isnull=False),
                name="job_one_active_per_dataset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_uid} {self.function} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    def _move(self, *, from_states: tuple[str, ...], **fields: Any) -> bool:
        """Apply ``fields`` only if the row is still in one of ``from_states``; refresh on success."""
        updated = Job.objects.filter(pk=self.pk, state__in=from_states).update(**fields)
        if updated:
            for name, value in fields.items():
                setattr(self, name, value)
        return bool(updated)

    def start(self) -> bool:
        """Claim a waiting job for a worker. False when another worker (or an abort) got there first."""
        return self._move(from_states=(self.State.WAITING,), state=self.State.STARTED, started_at=timezone.now())

    def mark_running(self) -> bool:
        return self._move(from_states=(self.State.STARTED,), state=self.State.RUNNING)

    def set_progresses(self, progresses: list[dict[str, Any]]) -> bool:
        """Store the per-phase progress counters while the job is active."""
        return self._move(from_states=self.ACTIVE_STATES, progresses=progresses)

    def finish(self, result: dict[str, Any]) -> bool:
        """End the job in ``done`` with ``result``, its URL secrets masked (``jobs.redaction``)."""
        return self._move(
            from_states=self.ACTIVE_STATES, state=self.State.DONE, result=redacted(result), finished_at=timezone.now()
        )

    def fail(self, error: dict[str, Any]) -> bool:
        """End the job in ``error`` with a management API error envelope, its URL secrets masked: a fetch error
        names the source URL, and a job is read by every manager of its dataset."""
        return self._move(
            from_states=self.ACTIVE_STATES, state=self.State.ERROR, error=redacted(error), finished_at=timezone.now()
        )

    def abort(self) -> bool:
        return self._move(from_states=self.ACTIVE_STATES, state=self.State.ABORTED, finished_at=timezone.now())


class RecordError(models.Model):
    """A record that a job could not fully process: where (row, resource, processor, field) and why.

    Only the first ``RECORD_ERRORS_KEPT`` of a job are stored; the job's result has the total.
    """

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="record_errors")
    row = models.BigIntegerField()
    resource_uid = models.CharField(max_length=9, blank=True, default="")
    processor_uid = models.CharField(max_length=9, blank=True, default="")
    field = models.CharField(max_length=63, blank=True, default="")
    raw_message = models.TextField()
    raw_params = models.JSONField(default=dict)
    # The id the record got in the published table; null when the record was dropped or never produced.
    record_id = models.CharField(max_length=40, null=True, blank=True)

    class Meta:
        ordering = ["job", "id"]

    def __str__(self) -> str:
        return f"{self.job_id} row {self.row}: {self.message}"

    @property
    def message(self) -> str:
        """The error in words, URL secrets masked (rows stored before masking may still hold them)."""
        try:
            text = self.raw_message.format(**self.raw_params)
        except (KeyError, IndexError, ValueError):
            text = self.raw_message
        return redact_text(text)
