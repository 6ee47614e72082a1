"""The schedules endpoints: shape, validation, limits, permissions, and what is stored."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from datasets.models import Schedule
from tests.conftest import assert_status

pytestmark = pytest.mark.django_db

BASE = "/api/management/v2/datasets"


@pytest.fixture
def dataset_uid(alice_api):
    return assert_status(alice_api.post(f"{BASE}/", {"dataset_id": "trees"}, format="json"), 201)["dataset_uid"]


def add(api, uid, body):
    return api.post(f"{BASE}/{uid}/schedules/", body, format="json")


def next_local(hour: int, zone: str, now: datetime) -> datetime:
    """The next HH:00 wall-clock time in ``zone`` after ``now``, computed without cron."""
    local = now.astimezone(ZoneInfo(zone))
    candidate = datetime(local.year, local.month, local.day, hour, tzinfo=ZoneInfo(zone))
    if candidate <= local:
        day = (local + timedelta(days=1)).date()
        candidate = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
    return candidate


def test_a_schedule_is_created_with_its_next_run(alice_api, dataset_uid):
    before = timezone.now()
    created = assert_status(
        add(alice_api, dataset_uid, {"cron_schedule": "0  3 * * *", "timezone": "Europe/Paris"}), 201
    )
    assert created["schedule_uid"].startswith("sc_") and len(created["schedule_uid"]) == 9
    assert created["cron_schedule"] == "0 3 * * *"
    assert created["timezone"] == "Europe/Paris"
    assert created["last_run"] is None and created["last_job"] is None
    expected = next_local(3, "Europe/Paris", before)
    assert datetime.fromisoformat(created["next_run"]) == expected
    stored = Schedule.objects.get()
    assert (stored.dataset.dataset_uid, stored.cron_schedule, stored.next_run_at) == (
        dataset_uid,
        "0 3 * * *",
        expected,
    )
    assert stored.created_by.username == "alice"


def test_the_time_zone_defaults_to_the_setting(alice_api, dataset_uid, settings):
    settings.SCHEDULE_TIME_ZONE = "America/New_York"
    created = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 6 * * 1"}), 201)
    assert created["timezone"] == "America/New_York"
    next_run = datetime.fromisoformat(created["next_run"]).astimezone(ZoneInfo("America/New_York"))
    assert (next_run.weekday(), next_run.hour, next_run.minute) == (0, 6, 0)


def test_list_one_replace_and_delete(alice_api, dataset_uid):
    first = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 3 * * *"}), 201)
    second = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "30 22 * * 5"}), 201)
    listed = assert_status(alice_api.get(f"{BASE}/{dataset_uid}/schedules/"), 200)
    assert [item["schedule_uid"] for item in listed] == [first["schedule_uid"], second["schedule_uid"]]
    path = f"{BASE}/{dataset_uid}/schedules/{first['schedule_uid']}"
    assert assert_status(alice_api.get(path), 200) == first
    replaced = assert_status(
        alice_api.put(path, {"cron_schedule": "15 4 1 * *", "timezone": "UTC"}, format="json"), 200
    )
    next_run = datetime.fromisoformat(replaced["next_run"])
    assert (replaced["cron_schedule"], next_run.day, next_run.hour, next_run.minute) == ("15 4 1 * *", 1, 4, 15)
    assert Schedule.objects.get(schedule_uid=first["schedule_uid"]).cron_schedule == "15 4 1 * *"
    assert_status(alice_api.delete(path), 204)
    assert_status(alice_api.get(path), 404)
    assert list(Schedule.objects.values_list("schedule_uid", flat=True)) == [second["schedule_uid"]]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"cron_schedule": "0 3 * *"}, "cron_schedule", "got 4 fields"),
        ({"cron_schedule": "@reboot"}, "cron_schedule", "or a macro such as @daily; got 1 field"),
        ({"cron_schedule": "0 3 31 2 *"}, "cron_schedule", "'0 3 31 2 *' never runs"),
        ({"cron_schedule": "0 3 31 4,6 *"}, "cron_schedule", "never runs"),
        ({"cron_schedule": "@hourly"}, "cron_schedule", "'0 * * * *' runs every 1 hour"),
        ({"cron_schedule": "0 0 3 * * *"}, "cron_schedule", "got 6 fields"),
        ({"cron_schedule": "61 3 * * *"}, "cron_schedule", "'61 3 * * *' is not a valid cron expression"),
        ({"cron_schedule": "0 3 * * mon-"}, "cron_schedule", "is not a valid cron expression"),
        ({"cron_schedule": ""}, "cron_schedule", "five fields"),
        ({"cron_schedule": 3}, "cron_schedule", "five fields"),
        ({"cron_schedule": "*/5 * * * *"}, "cron_schedule", "runs every 5 minutes; runs must be at least 1 day apart"),
        ({"cron_schedule": "0 3,15 * * *"}, "cron_schedule", "runs every 12 hours"),
        ({"cron_schedule": "0 3 * * *", "timezone": "Mars/Olympus"}, "timezone", "unknown time zone 'Mars/Olympus'"),
        ({"cron_schedule": "0 3 * * *", "timezone": "Europe"}, "timezone", "unknown time zone 'Europe'"),
        ({"cron_schedule": "0 3 * * *", "timezone": "x" * 300}, "timezone", "unknown time zone 'xxx"),
        ({"cron_schedule": "0 3 * * *", "timezone": 2}, "timezone", "IANA time zone"),
        ({"cron_schedule": "0 3 * * *", "every": "day"}, "every", "unknown attribute"),
        ({"timezone": "UTC"}, "cron_schedule", "required"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_stored(alice_api, dataset_uid, body, field, words):
    error = assert_status(add(alice_api, dataset_uid, body), 400)
    assert error["error_key"] == "InvalidRequestParameterException"
    assert error["raw_params"]["field"] == field
    assert words in error["message"]
    assert not Schedule.objects.exists()


def test_a_bad_replacement_keeps_the_stored_schedule(alice_api, dataset_uid):
    created = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 3 * * *"}), 201)
    path = f"{BASE}/{dataset_uid}/schedules/{created['schedule_uid']}"
    assert_status(alice_api.put(path, {"cron_schedule": "* * * * *"}, format="json"), 400)
    stored = Schedule.objects.get()
    assert (stored.cron_schedule, stored.next_run_at.isoformat()) == ("0 3 * * *", created["next_run"])


def test_the_minimum_interval_is_a_setting(alice_api, dataset_uid, settings):
    settings.SCHEDULE_MIN_INTERVAL = 3600
    assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 * * * *"}), 201)
    error = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "*/30 * * * *"}), 400)
    assert "runs every 30 minutes; runs must be at least 1 hour apart" in error["message"]


def test_daily_runs_across_daylight_saving_changes_are_a_day_apart(alice_api, dataset_uid):
    """03:00 in Paris is 23 or 25 hours after the previous 03:00 on the nights the clocks move: still daily."""
    assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 3 * * *", "timezone": "Europe/Paris"}), 201)


def test_a_dataset_has_a_bounded_number_of_schedules(alice_api, dataset_uid, settings):
    settings.SCHEDULES_PER_DATASET = 2
    for hour in (1, 2):
        assert_status(add(alice_api, dataset_uid, {"cron_schedule": f"0 {hour} * * *"}), 201)
    error = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 3 * * *"}), 400)
    assert error["error_key"] == "TooManySchedulesException"
    assert error["message"] == "A dataset has at most 2 schedules"
    assert Schedule.objects.count() == 2


def test_permissions(alice_api, bob_api, reader_api, anonymous_api, dataset_uid):
    created = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 3 * * *"}), 201)
    path = f"{BASE}/{dataset_uid}/schedules/{created['schedule_uid']}"
    # bob does not see the dataset at all
    assert_status(bob_api.get(f"{BASE}/{dataset_uid}/schedules/"), 404)
    assert_status(add(bob_api, dataset_uid, {"cron_schedule": "0 4 * * *"}), 404)
    assert_status(bob_api.delete(path), 404)
    # rita sees it (she may publish it) but may not edit its schedules
    assert assert_status(reader_api.get(path), 200)["schedule_uid"] == created["schedule_uid"]
    denied = assert_status(add(reader_api, dataset_uid, {"cron_schedule": "0 4 * * *"}), 403)
    assert denied["raw_params"]["permission"] == "edit_dataset"
    assert_status(reader_api.put(path, {"cron_schedule": "0 5 * * *"}, format="json"), 403)
    assert_status(reader_api.delete(path), 403)
    assert_status(anonymous_api.get(path), 401)
    stored = Schedule.objects.get()
    assert (Schedule.objects.count(), stored.cron_schedule) == (1, "0 3 * * *")


def test_an_unknown_schedule_or_one_of_another_dataset_is_404(alice_api, dataset_uid):
    other = assert_status(alice_api.post(f"{BASE}/", {"dataset_id": "other"}, format="json"), 201)["dataset_uid"]
    created = assert_status(add(alice_api, other, {"cron_schedule": "0 3 * * *"}), 201)
    assert_status(alice_api.get(f"{BASE}/{dataset_uid}/schedules/{created['schedule_uid']}"), 404)
    assert_status(alice_api.delete(f"{BASE}/{dataset_uid}/schedules/sc_nope00"), 404)
    assert Schedule.objects.count() == 1


def test_deleting_the_dataset_deletes_its_schedules(alice_api, dataset_uid):
    assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 3 * * *"}), 201)
    assert_status(alice_api.delete(f"{BASE}/{dataset_uid}"), 204)
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("macro", "expression"),
    [
        ("@daily", "0 0 * * *"),
        ("@MIDNIGHT", "0 0 * * *"),
        ("@weekly", "0 0 * * 0"),
        ("@monthly", "0 0 1 * *"),
        ("@yearly", "0 0 1 1 *"),
        (" @annually ", "0 0 1 1 *"),
    ],
)
def test_macros_are_stored_spelled_out(alice_api, dataset_uid, macro, expression):
    created = assert_status(add(alice_api, dataset_uid, {"cron_schedule": macro, "timezone": "UTC"}), 201)
    assert created["cron_schedule"] == expression == Schedule.objects.get().cron_schedule


def test_a_leap_day_schedule_runs_every_four_years(alice_api, dataset_uid):
    created = assert_status(add(alice_api, dataset_uid, {"cron_schedule": "0 0 29 2 *", "timezone": "UTC"}), 201)
    next_run = datetime.fromisoformat(created["next_run"])
    assert (next_run.month, next_run.day, next_run.year % 4) == (2, 29, 0)
