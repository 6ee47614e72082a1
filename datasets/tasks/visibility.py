"""Which jobs a caller may read, registered as the job system's visibility predicate (``jobs.selectors``).

The management API (``/jobs``) and the back-office's job pages ask through ``jobs.selectors``; this is the
answer for the datasets app, whose jobs belong to datasets.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from datasets.access.caller import Caller
from datasets.access.permissions import MANAGEMENT_READ_PERMISSIONS
from jobs.models import Job


def jobs_visible_to(actor: Caller) -> QuerySet[Job]:
    """The jobs ``actor`` may read, newest first.

    Every job for a domain-wide management right (within the API key); otherwise the jobs of the datasets the
    actor sees in the management API (``Caller.manageable_datasets``, which already honours the key's
    permissions), whoever started them, and the actor's own jobs that have no dataset (pings, jobs of a
    deleted dataset). A job of a dataset the actor can no longer see stays hidden even if they started it:
    its params, result and error describe that dataset. Being staff grants nothing by itself.
    """
    jobs = Job.objects.select_related("dataset", "user")
    if actor.domain_rights() & MANAGEMENT_READ_PERMISSIONS:
        return jobs
    if not actor.is_authenticated:
        return jobs.none()
    own_without_dataset = Q(user=actor.user, dataset__isnull=True)
    return jobs.filter(Q(dataset__in=actor.manageable_datasets()) | own_without_dataset)
