"""HTTP Basic credentials are verified once per window: later requests skip the password hash, changes do not."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.contrib.auth.hashers import get_hasher

from tests.conftest import assert_status, basic_client, free_port

pytestmark = pytest.mark.django_db

API = "/api/management/v2/datasets/"
PASSWORD = "carol-password-1"


@pytest.fixture
def carol(django_user_model):
    return django_user_model.objects.create_user("carol", "carol@example.org", PASSWORD)


@pytest.fixture
def hashes(monkeypatch):
    """Counts password hash computations: the configured hasher's ``encode``, which its ``verify`` calls."""
    calls: list[str] = []
    hasher = type(get_hasher())
    encode = hasher.encode

    def counting_encode(self, password, *args, **kwargs):
        calls.append(password)
        return encode(self, password, *args, **kwargs)

    monkeypatch.setattr(hasher, "encode", counting_encode)
    return calls


def get_as(username: str, password: str, ip: str = "192.0.2.1"):
    return basic_client(username, password).get(API, REMOTE_ADDR=ip)


def test_the_second_request_is_authenticated_without_hashing_the_password(carol, hashes):
    assert_status(get_as("carol", PASSWORD), 200)
    assert len(hashes) == 1
    assert_status(get_as("carol", PASSWORD), 200)
    assert_status(get_as("carol", PASSWORD), 200)
    assert len(hashes) == 1


def test_with_the_window_at_zero_every_request_hashes(settings, carol, hashes):
    settings.BASIC_AUTH_CACHE_SECONDS = 0
    assert_status(get_as("carol", PASSWORD), 200)
    assert_status(get_as("carol", PASSWORD), 200)
    assert len(hashes) == 2


def test_a_wrong_password_after_a_success_is_refused_and_counted(carol, hashes, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    assert_status(get_as("carol", PASSWORD), 200)
    for wrong in (PASSWORD + "x", PASSWORD[:-1]):
        body = assert_status(get_as("carol", wrong), 401)
        assert body["message"] == "Invalid username/password."
    assert len(hashes) == 3
    # Two failures reached the limit: the remembered right password is locked out too, as a checked one would be.
    assert_status(get_as("carol", PASSWORD), 429)


def test_a_changed_password_is_refused_at_once_and_the_new_one_accepted(carol):
    assert_status(get_as("carol", PASSWORD), 200)
    carol.set_password("carol-password-2")
    carol.save()
    assert_status(get_as("carol", PASSWORD), 401)
    assert_status(get_as("carol", "carol-password-2"), 200)


def test_a_deactivated_user_is_refused_at_once(carol):
    assert_status(get_as("carol", PASSWORD), 200)
    carol.is_active = False
    carol.save()
    assert_status(get_as("carol", PASSWORD), 401)


def test_a_deleted_user_is_refused_at_once_even_if_recreated_with_the_same_credentials(carol, django_user_model):
    assert_status(get_as("carol", PASSWORD), 200)
    carol.delete()
    assert_status(get_as("carol", PASSWORD), 401)
    django_user_model.objects.create_user("carol", "carol@example.org", PASSWORD, is_active=False)
    assert_status(get_as("carol", PASSWORD), 401)


def test_a_remembered_success_resets_the_username_counter_like_a_checked_one(carol, hashes):
    assert_status(get_as("carol", PASSWORD), 200)
    for _ in range(3):
        for _ in range(4):
            assert_status(get_as("carol", "wrong"), 401)
        # Twelve failures in all, never five since the last success.
        assert_status(get_as("carol", PASSWORD), 200)
    assert hashes.count(PASSWORD) == 1


def test_a_locked_address_refuses_remembered_credentials(carol, settings):
    settings.LOGIN_FAILURES_PER_IP = 2
    assert_status(get_as("carol", PASSWORD, ip="203.0.113.5"), 200)
    for name in ("nobody", "someone"):
        assert_status(get_as(name, "wrong", ip="203.0.113.5"), 401)
    assert_status(get_as("carol", PASSWORD, ip="203.0.113.5"), 429)
    assert_status(get_as("carol", PASSWORD, ip="203.0.113.6"), 200)


def test_the_cache_holds_neither_the_password_nor_a_plain_hash_of_it(carol, redis):
    assert_status(get_as("carol", PASSWORD), 200)
    keys = [key for key in redis.keys("*") if b"basic-auth" in key]
    assert keys == [f"cache:1:basic-auth:user:{carol.pk}".encode()]
    stored = redis.get(keys[0])
    for secret in (PASSWORD, *(hashlib.new(name, PASSWORD.encode()).hexdigest() for name in ("md5", "sha256"))):
        assert secret.encode() not in stored


def test_basic_authentication_works_without_redis_checking_every_time(carol, settings, hashes, caplog):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{free_port()}/0"}}
    with caplog.at_level(logging.WARNING, logger="config.basic_auth_cache"):
        assert_status(get_as("carol", PASSWORD), 200)
        assert_status(get_as("carol", PASSWORD), 200)
    assert len(hashes) == 2
    assert "Basic credentials not remembered, Redis unreachable" in caplog.text
