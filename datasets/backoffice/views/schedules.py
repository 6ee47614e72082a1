"""A dataset's schedules in the back-office: listed on the change page, added, edited and removed.

Every write goes through ``datasets.services.schedules`` (the management API's services), so the cron
expression, the minimum interval and the time zone are checked the same way; a refusal comes back as
the service's message on the form field it concerns, and nothing is stored. The next run is always
computed by the services. Writing needs ``edit_dataset`` on the dataset, as in the API; a dataset the
staff user may not see in the back-office is not found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from datasets.backoffice.forms import ScheduleForm
from datasets.backoffice.views.page import change_url, dataset_or_404, render, require
from datasets.models import Dataset, Schedule
from datasets.services.schedules import schedule_delete

PURPOSE = "change the schedules"


def local_time(moment: datetime | None, zone: str) -> str:
    """``moment`` on the schedule's own clock (not the back-office's), with the zone's abbreviation."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def schedule_rows(dataset: Dataset) -> list[dict[str, Any]]:
    """The change page's table: one row per schedule, times shown in the schedule's zone."""
    rows = []
    for schedule in dataset.schedules.select_related("last_job"):
        rows.append(
            {
                "schedule": schedule,
                "next_run": local_time(schedule.next_run_at, schedule.timezone),
                "last_run": local_time(schedule.last_run_at, schedule.timezone),
                "last_job": schedule.last_job,
            }
        )
    return rows


def schedule_or_404(dataset: Dataset, uid: str) -> Schedule:
    schedule = dataset.schedules.filter(schedule_uid=uid).first()
    if schedule is None:
        raise Http404("No such schedule.")
    return schedule


def schedule_view(request: HttpRequest, model_admin, object_id: str, uid: str | None = None) -> HttpResponse:
    """``<id>/schedules/add/`` and ``<id>/schedules/<uid>/``: a new schedule, or a new expression for one."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    schedule = schedule_or_404(dataset, uid) if uid is not None else None
    initial = {"cron_schedule": schedule.cron_schedule, "timezone": schedule.timezone} if schedule else None
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.save(dataset=dataset, schedule=schedule, user=request.user)
        if saved is not None:
            verb = "added to" if schedule is None else "changed on"
            when = local_time(saved.next_run_at, saved.timezone)
            messages.success(request, f"Schedule {saved.schedule_uid} {verb} {dataset.dataset_id}; next run {when}.")
            return HttpResponseRedirect(change_url(dataset))
    action = "Add a schedule to" if schedule is None else f"Edit schedule {schedule.schedule_uid} of"
    extra = {"schedule": schedule, "form": form, "timezones": sorted(available_timezones())}
    return render(request, model_admin, dataset, "schedule.html", f"{action} {dataset.dataset_id}", **extra)


@require_POST
def schedule_delete_view(request: HttpRequest, model_admin, object_id: str, uid: str) -> HttpResponseRedirect:
    """``POST <id>/schedules/<uid>/delete/``: remove a schedule (a run already queued goes on)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    schedule_delete(schedule=schedule_or_404(dataset, uid))
    messages.success(request, f"Schedule {uid} removed from {dataset.dataset_id}.")
    return HttpResponseRedirect(change_url(dataset))
