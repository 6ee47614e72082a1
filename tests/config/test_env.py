import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_secret_key, env_url


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("ON", True), ("no", False), ("0", False)])
def test_env_bool_reads_usual_words(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", True) is True


def test_env_bool_refuses_other_words(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a boolean"):
        env_bool("FLAG", False)


def test_env_int_refuses_text_and_values_below_minimum(monkeypatch):
    monkeypatch.setenv("SIZE", "12MB")
    with pytest.raises(ImproperlyConfigured, match="SIZE='12MB' is not an integer"):
        env_int("SIZE", 1)
    monkeypatch.setenv("SIZE", "0")
    with pytest.raises(ImproperlyConfigured, match="SIZE=0 is below its minimum of 1"):
        env_int("SIZE", 5, minimum=1)
    monkeypatch.setenv("SIZE", " 42 ")
    assert env_int("SIZE", 5) == 42


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example , b.example,, ")
    assert env_list("HOSTS", []) == ["a.example", "b.example"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mysql://db/x", "must start with one of postgres://"),
        ("postgres://host:notaport/x", "is not a valid URL"),
        ("postgres:///x", "names no host"),
    ],
)
def test_env_url_refuses_malformed_urls(monkeypatch, raw, message):
    monkeypatch.setenv("DATABASE_URL", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        env_url("DATABASE_URL", "postgres://h/db", schemes=("postgres", "postgresql"))


def test_secret_key_too_weak_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="at least 50 characters"):
        env_secret_key("SECRET_KEY", fallback_file=tmp_path / "key")


def test_secret_key_is_generated_once_and_kept_private(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    key_file = tmp_path / "var" / "secret_key"
    first = env_secret_key("SECRET_KEY", fallback_file=key_file)
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert env_secret_key("SECRET_KEY", fallback_file=key_file) == first
