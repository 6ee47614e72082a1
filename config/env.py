"""Typed readers for environment variables.

Each reader returns the default when the variable is unset and raises ``ImproperlyConfigured``
naming the variable when its value is malformed, so a typo stops the process at start instead
of surfacing as odd behaviour later.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true/false, 1/0, yes/no or on/off")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum of {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around items are ignored, empty items dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


RATE_PERIODS = ("second", "minute", "hour", "day")


def env_rate(name: str, default: str) -> str:
    """A request rate such as ``100/minute`` (periods: second, minute, hour, day)."""
    raw = os.environ.get(name, default).strip()
    count, _, period = raw.partition("/")
    if not count.isdigit() or int(count) < 1 or period not in RATE_PERIODS:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate like 100/minute (periods: {', '.join(RATE_PERIODS)})")
    return raw


def env_url(name: str, default: str, *, schemes: tuple[str, ...]) -> str:
    """A URL whose scheme is one of ``schemes`` and which names a host."""
    raw = os.environ.get(name, default)
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid URL: {error}") from None
    if parts.scheme not in schemes:
        raise ImproperlyConfigured(f"{name}={raw!r} must start with one of {', '.join(s + '://' for s in schemes)}")
    if not parts.hostname:
        raise ImproperlyConfigured(f"{name}={raw!r} names no host")
    return raw


def env_secret_key(name: str, *, fallback_file: Path) -> str:
    """The secret key from the environment, else one generated once and kept in ``fallback_file``.

    The file keeps sessions valid across restarts of a single-machine install with no
    configuration at all; several web machines must share one key through the variable.
    """
    raw = os.environ.get(name)
    if raw is not None:
        if len(raw) < 50 or len(set(raw)) < 5:
            raise ImproperlyConfigured(f"{name} must be at least 50 characters with at least 5 distinct ones")
        return raw
    if fallback_file.exists():
        return fallback_file.read_text().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fallback_file.touch(mode=0o600)
    fallback_file.write_text(key)
    return key
