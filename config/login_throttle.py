"""Login throttling: failed password logins are counted per username and per client address in Redis.

Past ``LOGIN_FAILURES_PER_USERNAME`` failures for a username, or ``LOGIN_FAILURES_PER_IP`` from one address,
within ``LOGIN_FAILURES_WINDOW`` seconds (counted from the first failure), every password login for that
username or from that address is refused until the window ends — even with the right password, otherwise
guessing would simply go on. A successful login clears the username's counter (not the address's: one
attacker holding one valid account must not reset their address's count with it).

Three hooks, all on Django's ``authenticate()``:

* ``ThrottledModelBackend`` refuses locked logins before checking the password, wherever ``authenticate()``
  is called from, and clears the username counter on success;
* the ``user_login_failed`` signal counts each failure (unknown usernames too);
* ``ThrottledAdminAuthenticationForm`` (admin login) and ``ThrottledBasicAuthentication`` (the APIs) tell the
  caller why: a form error naming the wait, or a 429 with ``Retry-After``.

The client address is the one DRF's throttles use (``REMOTE_ADDR``, or with ``NUM_PROXIES`` the address the
nearest proxy saw). When Redis is unreachable logins are not throttled (logged): a Redis outage must not lock
everyone out. django-axes would do this too, but brings database models, a middleware and its own settings
for what is two counters here (``core.ratelimit``: windows opened by a key's first hit).
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import user_login_failed
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from redis.exceptions import RedisError
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle

from config.basic_auth_cache import remember, remembered_user
from core.input_guard import text_problem
from core.ratelimit import count_hits_from_first, read_counts

logger = logging.getLogger(__name__)

# Set on the request by the backend when it refused a locked login, for the form and Basic auth to report.
REFUSED_ATTRIBUTE = "_login_throttled_for"


def client_address(request) -> str | None:
    if request is None or not hasattr(request, "META"):
        return None
    return BaseThrottle().get_ident(request)


def counter_keys(username: str | None, address: str | None) -> list[tuple[str, int]]:
    """The Redis keys counting failures for ``username`` and ``address``, each with its limit."""
    keys = []
    if username:
        # Hashed: usernames come from a header under HTTP Basic, of any length.
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        keys.append((cache.make_key(f"login-failures:user:{digest}"), settings.LOGIN_FAILURES_PER_USERNAME))
    if address:
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        keys.append((cache.make_key(f"login-failures:ip:{digest}"), settings.LOGIN_FAILURES_PER_IP))
    return keys


def redis_client():
    return cache._cache.get_client(write=True)


@dataclass(frozen=True)
class LoginState:
    """Failures counted so far for one login attempt: the username's, and the wait (seconds) if locked."""

    username_failures: int = 0
    wait: int = 0


def login_state(username: str | None, address: str | None) -> LoginState:
    """Read both counters and their time to live in one round trip."""
    keys = counter_keys(username, address)
    if not keys:
        return LoginState()
    try:
        counters = read_counts(redis_client(), [key for key, _ in keys])
    except RedisError as error:
        logger.warning("login throttling skipped, Redis unreachable: %s", error)
        return LoginState()
    wait = 0
    for counter, (_, limit) in zip(counters, keys, strict=True):
        if counter.count >= limit:
            wait = max(wait, counter.ttl if counter.ttl > 0 else settings.LOGIN_FAILURES_WINDOW)
    return LoginState(username_failures=counters[0].count if username else 0, wait=wait)


def count_failure(username: str | None, address: str | None) -> None:
    """One more failure for ``username`` and ``address``; a counter lives for the window from its first failure."""
    keys = counter_keys(username, address)
    if not keys:
        return
    try:
        count_hits_from_first(redis_client(), [key for key, _ in keys], settings.LOGIN_FAILURES_WINDOW)
    except RedisError as error:
        logger.warning("login failure not counted, Redis unreachable: %s", error)


def clear_username(username: str) -> None:
    try:
        redis_client().delete(counter_keys(username, None)[0][0])
    except RedisError as error:
        logger.warning("login failures not cleared, Redis unreachable: %s", error)


@receiver(user_login_failed)
def on_login_failed(sender, credentials: dict, request=None, **kwargs) -> None:
    count_failure(credentials.get("username"), client_address(request))


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing locked usernames and addresses before checking the password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if isinstance(username, str) and text_problem(username):
            return None  # no stored username holds a NUL or a lone surrogate, and PostgreSQL refuses to look one up
        state = login_state(username, client_address(request))
        if state.wait:
            if request is not None:
                setattr(request, REFUSED_ATTRIBUTE, state.wait)
            # Django then sends user_login_failed (counted: the window does not grow) and tries no other backend.
            raise PermissionDenied("too many failed logins")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and state.username_failures:
            clear_username(username)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


def refused_for(request) -> int:
    """Seconds a locked login must wait, if the backend refused this request's login (else 0)."""
    return getattr(request, REFUSED_ATTRIBUTE, 0) if request is not None else 0


def wait_text(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class ThrottledLoginMixin:
    """For login forms: say when a login was refused for too many failures rather than for a bad password."""

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            wait = refused_for(self.request)
            if wait:
                raise forms.ValidationError(
                    "Too many failed login attempts. Try again in %(wait)s.",
                    code="throttled",
                    params={"wait": wait_text(wait)},
                ) from None
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form (staff only), throttled."""


class ThrottledBasicAuthentication(BasicAuthentication):
    """HTTP Basic for the APIs: a locked login is a 429 with Retry-After, not a 401 inviting another guess.

    Credentials a full check accepted within ``BASIC_AUTH_CACHE_SECONDS`` are accepted without hashing the
    password again (``config.basic_auth_cache``), under the same throttle as a full check.
    """

    def authenticate_credentials(self, userid, password, request=None):
        user = remembered_user(userid, password)
        if user is not None and not self.locked_after_success(userid, request):
            return user, None
        try:
            user, auth = super().authenticate_credentials(userid, password, request)
        except Exception:
            wait = refused_for(request)
            if wait:
                raise Throttled(wait=wait, detail="Too many failed login attempts.") from None
            raise
        remember(user, userid, password)
        return user, auth

    @staticmethod
    def locked_after_success(username: str, request) -> bool:
        """For remembered credentials, what ``ThrottledModelBackend`` does around a right password.

        A locked username or address is refused even with the right password (True: the full check then
        answers the 429 and counts the attempt, as before); otherwise a success clears the username's counter.
        """
        state = login_state(username, client_address(request))
        if state.wait:
            return True
        if state.username_failures:
            clear_username(username)
        return False
