"""What the job system runs, filled in by the apps that have jobs: ``jobs`` itself knows no app.

Jobs are generic, as in NetBox: a Job row names its kind in ``function``, and an app registers, from its
``AppConfig.ready()``, what that kind means. ``jobs`` imports no app; the apps import ``jobs.registry``.
Every process that runs Django (web, worker, reconciler, tests) runs ``ready()`` through
``django.setup()``, so the registry is complete before the first job is enqueued or run.

What an app registers:

- **Job kinds** (``register_job``): the body a worker runs for a row of that ``function``, through
  ``jobs.runner.run_job`` (claim, run, record the outcome), and optionally ``on_worker_death``, called by the
  reconciler after it failed a job of that kind whose worker died (the dataset app puts the dataset back in
  ``error`` and drops its staging tables). ``jobs.services.job_enqueue`` refuses a function nobody registered.
- **Job visibility** (``register_visibility``): who may read which jobs. The management API asks with its
  caller (``self.actor``, whatever the API authenticates: a user, maybe through an API key); the back-office
  with a staff user, turned into such a caller by ``caller_of_user``. Nothing registered: nobody sees a job.
- **Housekeeping steps** (``register_housekeeping``): work run on every pass of ``manage.py jobs_reconcile``
  after the jobs are reconciled, each returning what it did (jobs it started, names), printed under its label
  (the dataset app starts the runs of due schedules and drops retired records tables).

The RQ side of a kind (which entry point RQ calls) is ``jobs.tasks``'s business: see its docstring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from jobs.models import Job

JobBody = Callable[[Job], dict[str, Any]]
DeadJobHook = Callable[[Job], None]
HousekeepingStep = Callable[[], list[Any]]  # what the step did: jobs it started, or names


@dataclass(frozen=True)
class JobKind:
    """One registered kind of job: its ``function`` name, its body, and what to do when its worker died."""

    name: str
    body: JobBody
    on_worker_death: DeadJobHook | None = None


@dataclass(frozen=True)
class JobVisibility:
    """Which jobs a caller may read (``predicate``), and the caller a back-office user is (``caller_of_user``)."""

    predicate: Callable[[Any], QuerySet[Job]]
    caller_of_user: Callable[[Any], Any]


_kinds: dict[str, JobKind] = {}
_visibility: list[JobVisibility] = []
_housekeeping: dict[str, HousekeepingStep] = {}


def register_job(name: str, body: JobBody, *, on_worker_death: DeadJobHook | None = None) -> None:
    """Make ``name`` a job function whose rows a worker runs with ``body``.

    Registering the same kind again is harmless (``ready()`` may run twice); two different kinds under one
    name are a configuration error, caught at startup rather than by running the wrong body.
    """
    kind = JobKind(name, body, on_worker_death)
    if _kinds.setdefault(name, kind) != kind:
        raise ImproperlyConfigured(f"job function {name!r} is registered twice with different bodies")


def job_kind(name: str) -> JobKind:
    """The registered kind ``name``; ``KeyError`` when no app registered it."""
    return _kinds[name]


def job_functions() -> list[str]:
    """The registered job functions, sorted."""
    return sorted(_kinds)


def register_visibility(predicate: Callable[[Any], QuerySet[Job]], *, caller_of_user: Callable[[Any], Any]) -> None:
    """Set who may read which jobs; one app decides (the last registration wins, as a setting would)."""
    _visibility[:] = [JobVisibility(predicate, caller_of_user)]


def job_visibility() -> JobVisibility | None:
    """The registered visibility, or None when no app registered one."""
    return _visibility[0] if _visibility else None


def register_housekeeping(label: str, step: HousekeepingStep) -> None:
    """Run ``step`` on every reconciler pass; what it returns is printed as ``label: [...]`` (a job by its uid)."""
    _housekeeping[label] = step


def housekeeping_steps() -> list[tuple[str, HousekeepingStep]]:
    """The registered housekeeping steps with their labels, in registration order."""
    return list(_housekeeping.items())
