"""Schedules from the back-office: listed on the change page, added, edited, removed, with the API's checks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from datasets.models import Ruleset, Schedule
from jobs.models import Job
from tests.backoffice.conftest import DATASETS, JOBS, logged_in

pytestmark = pytest.mark.django_db

DAILY_PARIS = {"cron_schedule": "0 3 * * *", "timezone": "Europe/Paris"}


def add_url(dataset) -> str:
    return f"{DATASETS}{dataset.pk}/schedules/add/"


def edit_url(dataset, schedule) -> str:
    return f"{DATASETS}{dataset.pk}/schedules/{schedule.schedule_uid}/"


def delete_url(dataset, schedule) -> str:
    return f"{DATASETS}{dataset.pk}/schedules/{schedule.schedule_uid}/delete/"


def change_page(client, dataset) -> str:
    response = client.get(f"{DATASETS}{dataset.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def next_wall_clock(now: datetime, zone: str, hour: int, minute: int = 0, weekday: int | None = None) -> datetime:
    """The first HH:MM in ``zone`` after ``now`` (on ``weekday``, Monday = 0, if given), without cron."""
    local = now.astimezone(ZoneInfo(zone))
    day = local.date()
    while True:
        candidate = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
        if candidate > local and (weekday is None or candidate.weekday() == weekday):
            return candidate
        day += timedelta(days=1)


def shown(moment: datetime, zone: str) -> str:
    """How the page writes a time: on the schedule's clock, with the zone's abbreviation."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def test_the_add_page_explains_the_fields_the_interval_and_what_a_run_does(editor_client, trees, settings):
    settings.SCHEDULE_MIN_INTERVAL = 2 * 3600
    page = editor_client.get(add_url(trees)).content.decode()
    for words in ("minute", "hour", "day of month", "month", "day of week", "at least 2 hours apart"):
        assert words in page
    assert "republishes the data only" in page and "configuration of the last publish" in page
    assert "skipped when no source changed" in page
    assert 'name="next_run_at"' not in page
    assert '<option value="Europe/Paris">' in page


def test_adding_a_schedule_stores_it_with_its_next_run(editor, editor_client, trees):
    before = timezone.now()
    response = editor_client.post(add_url(trees), {"cron_schedule": "0  3 * * *", "timezone": "Europe/Paris"})
    assert response.status_code == 302 and response["Location"] == f"{DATASETS}{trees.pk}/change/"
    schedule = Schedule.objects.get()
    expected = next_wall_clock(before, "Europe/Paris", 3)
    assert (schedule.dataset, schedule.cron_schedule, schedule.timezone) == (trees, "0 3 * * *", "Europe/Paris")
    assert schedule.next_run_at == expected
    assert expected.astimezone(ZoneInfo("Europe/Paris")).hour == 3
    assert (schedule.created_by, schedule.last_run_at, schedule.last_job) == (editor, None, None)
    page = change_page(editor_client, trees)
    assert f'id="schedule-{schedule.schedule_uid}"' in page
    assert "<code>0 3 * * *</code>" in page
    assert shown(expected, "Europe/Paris") in page
    assert "Never" in page


def test_the_time_zone_defaults_to_the_setting(editor_client, trees, settings):
    settings.SCHEDULE_TIME_ZONE = "America/New_York"
    page = editor_client.get(add_url(trees)).content.decode()
    assert 'value="America/New_York"' in page
    before = timezone.now()
    assert editor_client.post(add_url(trees), {"cron_schedule": "0 6 * * *", "timezone": ""}).status_code == 200
    assert not Schedule.objects.exists()  # the form asks for a zone, it does not guess one silently
    response = editor_client.post(add_url(trees), {"cron_schedule": "0 6 * * *", "timezone": "America/New_York"})
    assert response.status_code == 302
    assert Schedule.objects.get().next_run_at == next_wall_clock(before, "America/New_York", 6)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (
            {"cron_schedule": "61 3 * * *", "timezone": "UTC"},
            "cron_schedule",
            "Invalid value for 'cron_schedule': '61 3 * * *' is not a valid cron expression",
        ),
        (
            {"cron_schedule": "0 3 * *", "timezone": "UTC"},
            "cron_schedule",
            "Invalid value for 'cron_schedule': expected a cron expression of five fields (minute hour "
            "day-of-month month day-of-week), e.g. '0 3 * * *' or a macro such as @daily; got 4 fields",
        ),
        (
            {"cron_schedule": "0 * * * *", "timezone": "UTC"},
            "cron_schedule",
            "Invalid value for 'cron_schedule': '0 * * * *' runs every 1 hour; runs must be at least 1 day apart",
        ),
        (
            {"cron_schedule": "0 3 * * *", "timezone": "Mars/Olympus_Mons"},
            "timezone",
            "Invalid value for 'timezone': unknown time zone 'Mars/Olympus_Mons'",
        ),
    ],
)
def test_refused_schedules_show_the_reason_on_the_field_and_store_nothing(editor_client, trees, body, field, message):
    response = editor_client.post(add_url(trees), body)
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    page = response.content.decode()
    assert f'<div class="form-row field-{field}">' in page
    assert "errorlist" in page
    assert not Schedule.objects.exists()


def test_the_minimum_interval_follows_the_setting(editor_client, trees, settings):
    settings.SCHEDULE_MIN_INTERVAL = 3600
    assert editor_client.post(add_url(trees), {"cron_schedule": "0 * * * *", "timezone": "UTC"}).status_code == 302
    assert editor_client.post(add_url(trees), {"cron_schedule": "*/30 * * * *", "timezone": "UTC"}).status_code == 200
    assert list(Schedule.objects.values_list("cron_schedule", flat=True)) == ["0 * * * *"]


def test_the_schedule_limit_is_shown_as_a_form_error(editor_client, trees, settings):
    settings.SCHEDULES_PER_DATASET = 1
    assert editor_client.post(add_url(trees), DAILY_PARIS).status_code == 302
    response = editor_client.post(add_url(trees), {"cron_schedule": "0 4 * * *", "timezone": "UTC"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["A dataset has at most 1 schedules"]
    assert 'id="schedule-errors"' in response.content.decode()
    assert Schedule.objects.count() == 1


def test_editing_changes_the_expression_and_computes_the_next_run_again(editor_client, trees):
    editor_client.post(add_url(trees), DAILY_PARIS)
    schedule = Schedule.objects.get()
    form = editor_client.get(edit_url(trees, schedule))
    assert form.status_code == 200
    assert form.context["form"].initial == DAILY_PARIS
    before = timezone.now()
    body = {"cron_schedule": "30 6 * * 1", "timezone": "America/New_York"}
    assert editor_client.post(edit_url(trees, schedule), body).status_code == 302
    schedule.refresh_from_db()
    expected = next_wall_clock(before, "America/New_York", 6, 30, weekday=0)
    assert (schedule.cron_schedule, schedule.timezone, schedule.next_run_at) == (
        "30 6 * * 1",
        "America/New_York",
        expected,
    )
    assert Schedule.objects.count() == 1
    assert shown(expected, "America/New_York") in change_page(editor_client, trees)


def test_a_refused_edit_keeps_the_schedule_as_it_was(editor_client, trees):
    editor_client.post(add_url(trees), DAILY_PARIS)
    schedule = Schedule.objects.get()
    response = editor_client.post(edit_url(trees, schedule), {"cron_schedule": "*/5 * * * *", "timezone": "UTC"})
    assert response.status_code == 200 and "cron_schedule" in response.context["form"].errors
    stored = Schedule.objects.get()
    assert (stored.cron_schedule, stored.timezone, stored.next_run_at) == (
        "0 3 * * *",
        "Europe/Paris",
        schedule.next_run_at,
    )


def test_deleting_a_schedule(editor_client, trees):
    editor_client.post(add_url(trees), DAILY_PARIS)
    schedule = Schedule.objects.get()
    assert f'id="schedule-delete-{schedule.schedule_uid}"' in change_page(editor_client, trees)
    assert editor_client.get(delete_url(trees, schedule)).status_code == 405
    assert Schedule.objects.exists()
    assert editor_client.post(delete_url(trees, schedule)).status_code == 302
    assert not Schedule.objects.exists()
    assert "No schedules." in change_page(editor_client, trees)
    assert editor_client.post(delete_url(trees, schedule)).status_code == 404


def test_the_edit_right_is_enough_as_in_the_api(viewer_client, trees):
    """The viewer holds edit_dataset but not publish_dataset: the API lets them manage schedules."""
    assert viewer_client.post(add_url(trees), DAILY_PARIS).status_code == 302
    assert Schedule.objects.get().dataset == trees


def test_without_the_edit_right_nothing_can_be_changed(django_user_model, root_client, trees, hidden, editor_client):
    root_client.post(add_url(trees), DAILY_PARIS)
    schedule = Schedule.objects.get()
    publisher = django_user_model.objects.create_user("pat", password="pat-password-1", is_staff=True)
    Ruleset.objects.create(dataset=trees, kind="user", user=publisher, permissions=["publish_dataset"])
    client = logged_in(publisher)
    page = change_page(client, trees)
    assert f'id="schedule-{schedule.schedule_uid}"' in page  # listed ...
    assert 'id="schedule-add-link"' not in page and "schedule-edit-" not in page and "schedule-delete-" not in page
    assert client.get(add_url(trees)).status_code == 403
    assert client.post(add_url(trees), {"cron_schedule": "0 4 * * *", "timezone": "UTC"}).status_code == 403
    assert client.post(edit_url(trees, schedule), {"cron_schedule": "0 4 * * *", "timezone": "UTC"}).status_code == 403
    assert client.post(delete_url(trees, schedule)).status_code == 403
    stored = Schedule.objects.get()
    assert (stored.pk, stored.cron_schedule, stored.timezone, stored.next_run_at) == (
        schedule.pk,
        "0 3 * * *",
        "Europe/Paris",
        schedule.next_run_at,
    )
    # A dataset the staff user may not see is not found, whatever the right asked for.
    assert editor_client.get(add_url(hidden)).status_code == 404
    assert editor_client.post(add_url(hidden), DAILY_PARIS).status_code == 404
    assert Schedule.objects.count() == 1


def test_a_schedule_of_another_dataset_is_not_found(editor_client, root_client, trees, hidden):
    root_client.post(add_url(hidden), DAILY_PARIS)
    other = Schedule.objects.get()
    assert (
        editor_client.post(edit_url(trees, other), {"cron_schedule": "0 4 * * *", "timezone": "UTC"}).status_code == 404
    )
    assert editor_client.post(delete_url(trees, other)).status_code == 404
    assert Schedule.objects.get().cron_schedule == "0 3 * * *"


def test_the_last_run_and_its_job_are_shown(editor_client, trees):
    editor_client.post(add_url(trees), DAILY_PARIS)
    schedule = Schedule.objects.get()
    assert "schedule-job-" not in change_page(editor_client, trees)
    ran_at = datetime(2026, 7, 1, 1, 0, tzinfo=ZoneInfo("UTC"))
    job = Job.objects.create(function="scheduled_publish", dataset=trees, state=Job.State.DONE)
    schedule.last_job, schedule.last_run_at = job, ran_at
    schedule.save(update_fields=["last_job", "last_run_at"])
    page = change_page(editor_client, trees)
    link = f'<a href="{JOBS}{job.pk}/change/" id="schedule-job-{schedule.schedule_uid}">{job.job_uid}</a>'
    assert link in page
    assert '<span class="badge badge-job-done">Done</span>' in page
    assert "2026-07-01 03:00 CEST" in page  # 01:00 UTC on a summer day, on the Paris clock
    assert editor_client.get(f"{JOBS}{job.pk}/change/").status_code == 200
