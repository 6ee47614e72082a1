"""API keys: secrets users create to call the APIs without their password."""

import hashlib
import secrets

from django.conf import settings
from django.db import models

from core.identifiers import random_uid

KEY_PREFIX_LENGTH = 8


def new_apikey_uid() -> str:
    return random_uid("ak")


def hash_key(key: str) -> str:
    """SHA-256 of the key. Keys carry 160 random bits, so no salt or slow hash is needed."""
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    return secrets.token_hex(20)


class ApiKey(models.Model):
    """An API key of one user, stored hashed; the clear key is shown once, at creation.

    ``permissions`` restricts what requests made with the key may do; they never exceed the
    owner's own permissions, checked when the key is saved and again on every request.
    """

    apikey_uid = models.CharField(max_length=9, unique=True, default=new_apikey_uid, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys")
    label = models.CharField(max_length=200, null=True, blank=True)
    key_prefix = models.CharField(max_length=KEY_PREFIX_LENGTH)
    key_hash = models.CharField(max_length=64, unique=True)
    permissions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.key_prefix}… ({self.label or 'no label'})"

    def set_key(self, key: str) -> None:
        self.key_prefix = key[:KEY_PREFIX_LENGTH]
        self.key_hash = hash_key(key)
