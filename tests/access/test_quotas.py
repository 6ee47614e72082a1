"""API call quotas (``api_calls_quota``): fixed UTC windows counted in the tests' Redis, the reference's 429."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from datasets.access import quotas
from datasets.access.caller import Caller, caller_of
from datasets.access.errors import QuotaExceeded
from datasets.access.quotas import enforce_quota, quota_window
from datasets.access.visibility import DataAccess
from datasets.api.explore.errors import explore_exception_handler
from datasets.models import Dataset
from tests.conftest import free_port

pytestmark = pytest.mark.django_db

factory = APIRequestFactory()


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the quota windows."""

    class Clock:
        now = at(2024, 2, 29, 13, 45, 30, 250_000)

    monkeypatch.setattr(quotas, "current_time", lambda: Clock.now)
    return Clock


def quota(limit: int, unit: str) -> DataAccess:
    return DataAccess(quota={"limit": limit, "unit": unit}, source="user")


def request_from(ip: str = "192.0.2.1"):
    return factory.get("/api/explore/v2.1/catalog/datasets/x/records", REMOTE_ADDR=ip)


def calls_allowed(caller: Caller, dataset, access: DataAccess, attempts: int, ip: str = "192.0.2.1") -> int:
    """How many of ``attempts`` calls pass before the first QuotaExceeded (then stops)."""
    for done in range(attempts):
        try:
            enforce_quota(request_from(ip), caller, dataset, access)
        except QuotaExceeded:
            return done
    return attempts


@pytest.mark.parametrize(
    ("unit", "start", "end"),
    [
        ("second", at(2024, 2, 29, 13, 45, 30), at(2024, 2, 29, 13, 45, 31)),
        ("minute", at(2024, 2, 29, 13, 45), at(2024, 2, 29, 13, 46)),
        ("hour", at(2024, 2, 29, 13), at(2024, 2, 29, 14)),
        ("day", at(2024, 2, 29), at(2024, 3, 1)),
        ("month", at(2024, 2, 1), at(2024, 3, 1)),
    ],
)
def test_windows_are_aligned_on_the_unit_in_utc(unit, start, end):
    assert quota_window(unit, at(2024, 2, 29, 13, 45, 30, 250_000)) == (start, end)


def test_the_december_window_ends_next_year():
    assert quota_window("month", at(2023, 12, 31, 23, 59, 59)) == (at(2023, 12, 1), at(2024, 1, 1))


def test_calls_are_counted_per_user(clock, django_user_model):
    alice = Caller(django_user_model.objects.create_user("alice"))
    bob = Caller(django_user_model.objects.create_user("bob"))
    assert calls_allowed(alice, 7, quota(3, "day"), 5) == 3
    assert calls_allowed(bob, 7, quota(3, "day"), 5) == 3
    # The same user from another address is the same caller.
    assert calls_allowed(alice, 7, quota(3, "day"), 1, ip="198.51.100.9") == 0


def test_anonymous_calls_are_counted_per_client_address(clock):
    anonymous = Caller(AnonymousUser())
    assert calls_allowed(anonymous, 7, quota(2, "hour"), 4, ip="192.0.2.1") == 2
    assert calls_allowed(anonymous, 7, quota(2, "hour"), 4, ip="192.0.2.2") == 2


def test_a_forged_forwarded_for_header_does_not_make_a_new_caller(clock):
    anonymous = Caller(AnonymousUser())
    enforce_quota(request_from(), anonymous, 7, quota(1, "hour"))
    forged = factory.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="203.0.113.77")
    with pytest.raises(QuotaExceeded):
        enforce_quota(forged, anonymous, 7, quota(1, "hour"))


def test_calls_are_counted_per_dataset_and_a_dataset_object_counts_as_its_pk(clock, django_user_model):
    alice = Caller(django_user_model.objects.create_user("alice"))
    assert calls_allowed(alice, 7, quota(2, "minute"), 2) == 2
    assert calls_allowed(alice, Dataset(pk=7), quota(2, "minute"), 1) == 0
    assert calls_allowed(alice, Dataset(pk=8), quota(2, "minute"), 3) == 2


def test_a_new_window_starts_a_new_count(clock, django_user_model):
    alice = Caller(django_user_model.objects.create_user("alice"))
    clock.now = at(2024, 3, 31, 23, 59, 59, 900_000)
    assert calls_allowed(alice, 7, quota(1, "month"), 2) == 1
    clock.now = at(2024, 4, 1, 0, 0, 0, 100)
    assert calls_allowed(alice, 7, quota(1, "month"), 2) == 1


def test_the_real_clock_resets_a_per_second_quota(django_user_model):
    alice = Caller(django_user_model.objects.create_user("alice"))
    with pytest.raises(QuotaExceeded) as refused:
        for _ in range(3):
            enforce_quota(request_from(), alice, 7, quota(1, "second"))
    # Retry-After points at the next second: after it, a call passes again.
    assert refused.value.retry_after == 1
    later = refused.value.reset_time
    while datetime.now(UTC) < later:
        pass
    enforce_quota(request_from(), alice, 7, quota(1, "second"))


def test_the_counter_expires_with_its_window(clock, redis, django_user_model):
    alice = Caller(django_user_model.objects.create_user("alice"))
    enforce_quota(request_from(), alice, 7, quota(5, "hour"))
    [key] = [key for key in redis.keys("*") if b"quota:" in key]
    assert redis.get(key) == b"1"
    # Until the window's end (14:00, 14m29.75s away, rounded up) and 5 seconds more.
    assert 14 * 60 + 30 + 5 - 2 <= redis.ttl(key) <= 14 * 60 + 30 + 5


def test_no_quota_counts_nothing(clock, redis, django_user_model):
    alice = Caller(django_user_model.objects.create_user("alice"))
    for _ in range(3):
        enforce_quota(request_from(), alice, 7, DataAccess(source="default"))
    assert [key for key in redis.keys("*") if b"quota:" in key] == []


def test_a_malformed_quota_is_ignored(clock, redis, django_user_model, caplog):
    alice = Caller(django_user_model.objects.create_user("alice"))
    access = DataAccess(quota={"limit": 0, "unit": "fortnight"}, source="user")
    enforce_quota(request_from(), alice, 7, access)
    assert "malformed api_calls_quota" in caplog.text


class QuotaView(APIView):
    """A stand-in for an Explore view: counts one call on dataset 7 with a 2 per day quota."""

    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get_exception_handler(self):
        return explore_exception_handler

    def get(self, request):
        enforce_quota(request, caller_of(request), 7, quota(2, "day"))
        return Response({"ok": True})


def test_past_the_quota_the_explore_handler_answers_the_reference_429(clock, django_user_model):
    user = django_user_model.objects.create_user("alice")
    responses = []
    for _ in range(3):
        request = request_from()
        force_authenticate(request, user=user)
        responses.append(QuotaView.as_view()(request))
    assert [r.status_code for r in responses] == [200, 200, 429]
    refused = responses[-1]
    assert refused.data == {
        "errorcode": 10002,
        "reset_time": "2024-03-01T00:00:00Z",
        "limit_time_unit": "day",
        "call_limit": 2,
        "error": "Too many requests on the domain. Please contact the domain administrator.",
    }
    # From 13:45:30.25 to midnight: 10h14m29.75s, rounded up.
    assert refused["Retry-After"] == str(10 * 3600 + 14 * 60 + 30)


def test_quotas_fail_open_when_redis_is_down(clock, settings, caplog, django_user_model):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    alice = Caller(django_user_model.objects.create_user("alice"))
    with caplog.at_level(logging.WARNING, logger="datasets.access.quotas"):
        assert calls_allowed(alice, 7, quota(0, "day"), 3) == 3
    assert "quota not enforced, Redis unreachable" in caplog.text
