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

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_POST

from core.errors import InvalidFieldError, ManagementAPIError
from datasets.access.permissions import Actor
from datasets.backoffice.pages import change_url, dataset_or_404
from datasets.models import Dataset, Schedule
from datasets.services.schedules import readable, schedule_add, schedule_delete, schedule_update

EDIT_PERMISSION = "edit_dataset"


def cron_help() -> str:
    """Read when the form is built, so a changed ``SCHEDULE_MIN_INTERVAL`` shows at once."""
    return (
        "Five fields separated by spaces: minute (0-59), hour (0-23), day of month (1-31), month (1-12) "
        "and day of week (0-6, 0 = Sunday); * means every value. For example '0 3 * * *' runs every day "
        "at 03:00 and '30 6 * * 1' every Monday at 06:30, in the time zone below. Two runs must be at "
        f"least {readable(settings.SCHEDULE_MIN_INTERVAL)} apart. A run republishes the data only: it reads "
        "the resources again with the configuration of the last publish (unpublished edits are not used), "
        "and is skipped when no source changed."
    )


class ScheduleForm(forms.Form):
    """The two values a publisher chooses; the services check them and compute the next run."""

    cron_schedule = forms.CharField(label="Cron expression", max_length=100)
    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "schedule-timezones", "autocomplete": "off"}),
        help_text="An IANA time zone name, such as Europe/Paris; the expression is read in this zone, "
        "so a run at 03:00 stays at 03:00 local time across daylight saving changes.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cron_schedule"].help_text = cron_help()
        self.fields["timezone"].initial = settings.SCHEDULE_TIME_ZONE

    def save(self, *, dataset: Dataset, schedule: Schedule | None, user) -> Schedule | None:
        """Add or replace through the services; None (with the errors on the form) when refused."""
        body = {"cron_schedule": self.cleaned_data["cron_schedule"], "timezone": self.cleaned_data["timezone"]}
        try:
            if schedule is None:
                return schedule_add(dataset=dataset, body=body, user=user)
            return schedule_update(schedule=schedule, body=body)
        except InvalidFieldError as error:
            field = error.raw_params.get("field")
            self.add_error(field if field in self.fields else None, error.as_dict()["message"])
        except ManagementAPIError as error:
            self.add_error(None, error.as_dict()["message"])
        return None


def require_edit(request: HttpRequest, dataset: Dataset) -> None:
    if EDIT_PERMISSION not in Actor(request.user).dataset_permissions(dataset):
        raise PermissionDenied("edit_dataset is needed to change the schedules.")


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
    require_edit(request, dataset)
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
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": dataset,
        "title": f"{action} {dataset.dataset_id}",
        "dataset": dataset,
        "schedule": schedule,
        "form": form,
        "timezones": sorted(available_timezones()),
    }
    return TemplateResponse(request, "admin/datasets/dataset/schedule.html", context)


@require_POST
def schedule_delete_view(request: HttpRequest, model_admin, object_id: str, uid: str) -> HttpResponseRedirect:
    """``POST <id>/schedules/<uid>/delete/``: remove a schedule (a run already queued goes on)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require_edit(request, dataset)
    schedule_delete(schedule=schedule_or_404(dataset, uid))
    messages.success(request, f"Schedule {uid} removed from {dataset.dataset_id}.")
    return HttpResponseRedirect(change_url(dataset))
