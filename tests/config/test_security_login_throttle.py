"""Login throttling: failed logins per username and per client address, on the admin form and HTTP Basic."""

from __future__ import annotations

import logging
import time

import pytest

from tests.conftest import assert_status, basic_client, free_port

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
API = "/api/management/v2/datasets/"
PASSWORD = "staff-password-1"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("carol", "carol@example.org", PASSWORD, is_staff=True)


@pytest.fixture
def other_staff(django_user_model):
    return django_user_model.objects.create_user("dave", "dave@example.org", PASSWORD, is_staff=True)


def admin_login(client, username: str, password: str, ip: str = "192.0.2.1"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username: str, times: int, ip: str = "192.0.2.1") -> None:
    for _ in range(times):
        response = admin_login(client, username, "wrong", ip)
        assert response.status_code == 200 and not logged_in(client)


def test_a_good_password_still_logs_in_below_the_limit(client, staff):
    fail(client, "carol", 4)
    response = admin_login(client, "carol", PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_past_the_limit_even_the_right_password_is_refused_with_a_clear_message(client, staff):
    fail(client, "carol", 5)
    response = admin_login(client, "carol", PASSWORD)
    assert response.status_code == 200 and not logged_in(client)
    assert "Too many failed login attempts. Try again in 15 minutes." in response.content.decode()


def test_a_wrong_password_before_the_limit_gets_the_usual_message(client, staff):
    response = admin_login(client, "carol", "wrong")
    page = response.content.decode()
    assert "Please enter the correct username and password" in page
    assert "Too many failed login attempts" not in page


def test_a_locked_username_is_locked_from_every_address_and_others_are_not(client, staff, other_staff):
    fail(client, "carol", 5, ip="192.0.2.1")
    assert not logged_in_after(admin_login(client, "carol", PASSWORD, ip="198.51.100.7"), client)
    assert logged_in_after(admin_login(client, "dave", PASSWORD, ip="198.51.100.7"), client)


def logged_in_after(response, client) -> bool:
    return response.status_code == 302 and logged_in(client)


def test_a_success_resets_the_username_counter(client, staff):
    fail(client, "carol", 4)
    assert logged_in_after(admin_login(client, "carol", PASSWORD), client)
    client.logout()
    # Eight failures in all, but never five since the last success.
    fail(client, "carol", 4)
    assert logged_in_after(admin_login(client, "carol", PASSWORD), client)


def test_username_case_does_not_make_a_new_counter(client, staff):
    for name in ("carol", "Carol", "CAROL", "cArol", "caroL"):
        fail(client, name, 1)
    assert not logged_in_after(admin_login(client, "carol", PASSWORD), client)


def test_failures_from_one_address_lock_that_address(client, settings, staff, other_staff):
    settings.LOGIN_FAILURES_PER_IP = 3
    for name in ("nobody", "someone", "carol"):  # unknown usernames count too
        fail(client, name, 1, ip="203.0.113.5")
    assert not logged_in_after(admin_login(client, "dave", PASSWORD, ip="203.0.113.5"), client)
    assert logged_in_after(admin_login(client, "dave", PASSWORD, ip="203.0.113.6"), client)


def test_the_lock_ends_with_its_window(client, settings, staff):
    settings.LOGIN_FAILURES_WINDOW = 1
    fail(client, "carol", 5)
    assert not logged_in_after(admin_login(client, "carol", PASSWORD), client)
    time.sleep(1.2)
    assert logged_in_after(admin_login(client, "carol", PASSWORD), client)


def test_http_basic_failures_lock_the_api_with_a_429(staff):
    for _ in range(5):
        body = assert_status(basic_client("carol", "wrong").get(API, REMOTE_ADDR="192.0.2.1"), 401)
        assert body["error_key"] == "AuthenticationRequiredException"
    refused = basic_client("carol", PASSWORD).get(API, REMOTE_ADDR="192.0.2.1")
    body = assert_status(refused, 429)
    assert body["error_key"] == "ThrottledException"
    assert 890 <= int(refused["Retry-After"]) <= 900


def test_http_basic_and_the_admin_form_share_the_counters(client, staff):
    fail(client, "carol", 5)
    assert_status(basic_client("carol", PASSWORD).get(API), 429)


def test_http_basic_success_resets_the_username_counter(staff):
    for _ in range(4):
        assert_status(basic_client("carol", "wrong").get(API), 401)
    assert_status(basic_client("carol", PASSWORD).get(API), 200)
    for _ in range(4):
        assert_status(basic_client("carol", "wrong").get(API), 401)
    assert_status(basic_client("carol", PASSWORD).get(API), 200)


def test_logins_are_not_throttled_when_redis_is_down(client, settings, caplog, staff):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    # Sessions are in the database, so the admin still works without Redis.
    with caplog.at_level(logging.WARNING, logger="config.login_throttle"):
        fail(client, "carol", 6)
        assert logged_in_after(admin_login(client, "carol", PASSWORD), client)
    assert "login throttling skipped, Redis unreachable" in caplog.text
