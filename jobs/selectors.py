"""Which jobs a caller may read: one predicate for the management API and the back-office.

The predicate is the one an app registered (``jobs.registry.register_visibility``): jobs belong to what
they work on, and only the app that owns it knows who may see it. With none registered nobody sees a job.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from jobs.models import Job
from jobs.registry import job_visibility


def jobs_visible_to(caller: Any) -> QuerySet[Job]:
    """The jobs ``caller`` (the management API's actor) may read, newest first."""
    visibility = job_visibility()
    if visibility is None:
        return Job.objects.none()
    return visibility.predicate(caller)


def jobs_visible_to_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Job]:
    """The jobs a back-office user may read: the API's predicate for that user, without an API key."""
    visibility = job_visibility()
    if visibility is None:
        return Job.objects.none()
    return visibility.predicate(visibility.caller_of_user(user))
