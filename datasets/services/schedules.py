"""Schedules of a dataset: validated writes, and the scheduler pass that starts the due runs.

Cron expressions have the five classic fields (minute hour day-of-month month day-of-week) and
are read in the schedule's time zone, so ``0 3 * * *`` stays at 03:00 local time across daylight
saving changes. Two occurrences may not be closer than ``SCHEDULE_MIN_INTERVAL`` seconds (a day
by default, as on comparable platforms: a schedule refreshes data, it is not a stream).

``run_due_schedules`` runs from the housekeeping loop (``manage.py jobs_reconcile --loop``). It
claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED``, so it is safe to run in several places.
Missed occurrences (the loop was down) collapse into one run; a run that finds the dataset busy
with another job waits for the next pass.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import CroniterError, croniter
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidFieldError, ManagementAPIError
from core.timezones import zone_named
from datasets.models import Dataset, Schedule
from datasets.services.publishing import queue_action
from jobs.models import Job

logger = logging.getLogger(__name__)

User = AuthUser | AnonymousUser | None
CRON_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
CRON_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# Occurrences looked at when checking the shortest interval: a year of daily runs and more.
INTERVAL_SAMPLE = 400


class TooManySchedulesError(ManagementAPIError):
    error_key = "TooManySchedulesException"
    raw_message = "A dataset has at most {limit} schedules"


def checked_cron(value: Any) -> str:
    """The expression with its fields separated by single spaces (macros spelled out), or a 400 naming the problem."""
    example = "expected a cron expression of five fields (minute hour day-of-month month day-of-week), e.g. '0 3 * * *'"
    if not isinstance(value, str) or not value.strip():
        raise InvalidFieldError(field="cron_schedule", detail=example)
    value = CRON_MACROS.get(value.strip().lower(), value)
    fields = value.split()
    if len(fields) != len(CRON_FIELDS):
        count = f"{len(fields)} field{'s' if len(fields) > 1 else ''}"
        raise InvalidFieldError(field="cron_schedule", detail=f"{example} or a macro such as @daily; got {count}")
    expression = " ".join(fields)
    if not croniter.is_valid(expression):
        raise InvalidFieldError(field="cron_schedule", detail=f"'{expression}' is not a valid cron expression")
    try:
        croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterError:
        # Valid syntax for a date that does not exist, such as February 31.
        raise InvalidFieldError(field="cron_schedule", detail=f"'{expression}' never runs") from None
    return expression


def checked_timezone(value: Any) -> str:
    if value is None:
        return settings.SCHEDULE_TIME_ZONE
    if not isinstance(value, str) or not value:
        raise InvalidFieldError(field="timezone", detail="expected an IANA time zone name such as 'Europe/Paris'")
    if zone_named(value) is None:
        raise InvalidFieldError(field="timezone", detail=f"unknown time zone '{value}'")
    return value


def shortest_interval(expression: str) -> timedelta:
    """The shortest wall-clock gap between consecutive occurrences, over the next ones.

    Naive local times on purpose: a daily run at 03:00 is 24 hours apart on the clock even on the
    night the clocks move, and must not be refused for being 23 hours apart in UTC.
    """
    minimum = settings.SCHEDULE_MIN_INTERVAL
    occurrences = croniter(expression, datetime(2000, 1, 1))
    previous, shortest = occurrences.get_next(datetime), timedelta.max
    for _ in range(INTERVAL_SAMPLE):
        current = occurrences.get_next(datetime)
        shortest = min(shortest, current - previous)
        if shortest.total_seconds() < minimum:
            break
        previous = current
    return shortest


def check_interval(expression: str) -> None:
    minimum = settings.SCHEDULE_MIN_INTERVAL
    shortest = shortest_interval(expression)
    if shortest.total_seconds() < minimum:
        raise InvalidFieldError(
            field="cron_schedule",
            detail=f"'{expression}' runs every {readable(shortest)}; runs must be at least {readable(minimum)} apart",
        )


def readable(duration: timedelta | float) -> str:
    seconds = int(duration.total_seconds() if isinstance(duration, timedelta) else duration)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return f"{seconds} seconds"


def next_run(expression: str, zone: str, after: datetime) -> datetime:
    """The first occurrence strictly after ``after``, in UTC."""
    local = after.astimezone(ZoneInfo(zone))
    return croniter(expression, local).get_next(datetime).astimezone(ZoneInfo("UTC"))


def checked_schedule(body: dict[str, Any]) -> dict[str, str]:
    expression = checked_cron(body.get("cron_schedule"))
    check_interval(expression)
    return {"cron_schedule": expression, "timezone": checked_timezone(body.get("timezone"))}


@transaction.atomic
def schedule_add(*, dataset: Dataset, body: dict[str, Any], user: User) -> Schedule:
    """A new schedule; its first run is the next occurrence from now."""
    Dataset.objects.select_for_update().get(pk=dataset.pk)  # counts stay right under concurrent adds
    limit = settings.SCHEDULES_PER_DATASET
    if dataset.schedules.count() >= limit:
        raise TooManySchedulesError(limit=limit)
    values = checked_schedule(body)
    return Schedule.objects.create(
        dataset=dataset,
        created_by=user if user is not None and user.is_authenticated else None,
        next_run_at=next_run(values["cron_schedule"], values["timezone"], timezone.now()),
        **values,
    )


def schedule_update(*, schedule: Schedule, body: dict[str, Any]) -> Schedule:
    """Replace the expression (and time zone); the next run is computed again from now."""
    values = checked_schedule(body)
    for name, value in values.items():
        setattr(schedule, name, value)
    schedule.next_run_at = next_run(schedule.cron_schedule, schedule.timezone, timezone.now())
    schedule.save(update_fields=["cron_schedule", "timezone", "next_run_at"])
    return schedule


def schedule_delete(*, schedule: Schedule) -> None:
    schedule.delete()


def start_run(schedule: Schedule, now: datetime) -> Job | None:
    """Queue the run of ``schedule``; None (and the run stays due) when the dataset is busy."""
    try:
        with transaction.atomic():
            job = queue_action(
                schedule.dataset,
                "scheduled_publish",
                None,
                params={"schedule_uid": schedule.schedule_uid, "cron_schedule": schedule.cron_schedule},
            )
    except ManagementAPIError as error:
        logger.info("schedule %s waits: %s", schedule.schedule_uid, error.as_dict()["message"])
        return None
    schedule.last_run_at, schedule.last_job = now, job
    schedule.next_run_at = next_run(schedule.cron_schedule, schedule.timezone, now)
    schedule.save(update_fields=["last_run_at", "last_job", "next_run_at"])
    return job


@transaction.atomic
def run_due_schedules(now: datetime | None = None) -> list[Job]:
    """One scheduler pass: a job for every schedule whose time has come (see the module docstring)."""
    now = now or timezone.now()
    due = (
        Schedule.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(next_run_at__lte=now)
        .select_related("dataset")
        .order_by("next_run_at")
    )
    return [job for schedule in due if (job := start_run(schedule, now)) is not None]
