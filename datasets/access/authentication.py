"""API key authentication for DRF: ``Authorization: Apikey <key>`` or ``?apikey=<key>``."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from datasets.models import ApiKey
from datasets.models.apikey import hash_key

SCHEME = "apikey"
# last_used_at is a hint for humans; writing it at most once a minute keeps reads write-free.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_from_request(request: Request) -> str | None:
    """The key from the Authorization header (scheme case-insensitive) or the query string."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == SCHEME:
        return value.strip()
    return request.query_params.get("apikey")


class ApiKeyAuthentication(BaseAuthentication):
    """Authenticates as the key's owner; ``request.auth`` is the ApiKey, which limits permissions."""

    def authenticate(self, request: Request) -> tuple[object, ApiKey] | None:
        key = key_from_request(request)
        if key is None:
            return None
        apikey = ApiKey.objects.select_related("owner").filter(key_hash=hash_key(key)).first()
        if apikey is None or not apikey.owner.is_active:
            raise AuthenticationFailed("Invalid API key.")
        now = timezone.now()
        if apikey.last_used_at is None or now - apikey.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=apikey.pk).update(last_used_at=now)
            apikey.last_used_at = now
        return apikey.owner, apikey

    def authenticate_header(self, request: Request) -> str:
        return 'Apikey realm="api"'
