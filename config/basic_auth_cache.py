"""HTTP Basic credentials verified once per short window, so scripts do not pay the password hash per request.

The password hash (PBKDF2) is slow by design, ~200 ms, and ``curl -u`` scripts send the password with every
request. After a successful check the cache (Redis) keeps, under the user's pk, an HMAC of the credential for
``BASIC_AUTH_CACHE_SECONDS``. The HMAC's key is derived from ``SECRET_KEY``; its message is the username and
password sent together with the user's pk, stored password hash and ``is_active``. A later request loads the
user row by username (one indexed read) and is let in without hashing when the HMAC of what it sent and of what
the row holds now equals the kept one. So:

* a wrong password never matches (it is in the message);
* a new password (``set_password`` changes the stored hash), a deactivated user, or a deleted user (no row, or
  a new one with another pk) misses at once and goes through the full check, which refuses it;
* neither the password nor an unkeyed hash of it is stored, and the cache key names only the user's pk.

The login throttle (``config.login_throttle``) still applies to a remembered credential: see
``ThrottledBasicAuthentication``. When Redis is unreachable every request is checked in full (logged).
"""

from __future__ import annotations

import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.utils.crypto import salted_hmac
from redis.exceptions import RedisError

from core.input_guard import text_problem

logger = logging.getLogger(__name__)

# Derives the HMAC key from SECRET_KEY; distinct from every other use of SECRET_KEY.
KEY_SALT = "config.basic_auth_cache.credential"


def credential_digest(user: AbstractBaseUser, username: str, password: str) -> str:
    """HMAC-SHA256 of the credential sent, bound to the user's pk, stored password hash and active flag."""
    # JSON keeps the parts apart whatever they contain (a separator could appear in a password).
    message = json.dumps([user.pk, username, password, user.password, user.is_active])
    return salted_hmac(KEY_SALT, message, algorithm="sha256").hexdigest()


def cache_key(user: AbstractBaseUser) -> str:
    return f"basic-auth:user:{user.pk}"


def remembered_user(username: str, password: str) -> AbstractBaseUser | None:
    """The active user whose row these credentials still match a recent full check of, or None (check in full)."""
    if not settings.BASIC_AUTH_CACHE_SECONDS or text_problem(username):
        return None  # a NUL or lone surrogate: PostgreSQL refuses to look it up; the full check answers 401
    user_model = get_user_model()
    try:
        user = user_model._default_manager.get_by_natural_key(username)
    except user_model.DoesNotExist:
        return None
    if not user.is_active:
        return None
    try:
        kept = cache.get(cache_key(user))
    except RedisError as error:
        logger.warning("Basic credentials not looked up, Redis unreachable: %s", error)
        return None
    if not isinstance(kept, str) or not hmac.compare_digest(kept, credential_digest(user, username, password)):
        return None
    return user


def remember(user: AbstractBaseUser, username: str, password: str) -> None:
    """Keep the digest of credentials the full check has just accepted, for ``BASIC_AUTH_CACHE_SECONDS``."""
    seconds = settings.BASIC_AUTH_CACHE_SECONDS
    if not seconds:
        return
    try:
        cache.set(cache_key(user), credential_digest(user, username, password), seconds)
    except RedisError as error:
        logger.warning("Basic credentials not remembered, Redis unreachable: %s", error)
