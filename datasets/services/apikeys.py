"""Writes on API keys."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import InvalidFieldError, ManagementAPIError
from datasets.access.caller import Caller
from datasets.access.permissions import DOMAIN_PERMISSIONS
from datasets.access.visibility import OWNER_RIGHTS, by_ruleset_of
from datasets.models import ApiKey, Dataset, Ruleset
from datasets.models.apikey import generate_key

DEFAULT_KEY_PERMISSIONS = ("explore_restricted_dataset",)


class PermissionsOrLabelMissingError(ManagementAPIError):
    error_key = "PermissionsOrLabelMissingFromAPIKeyUpdateException"
    raw_message = "'permissions' or 'label' must be provided to update an API key"


class ApiKeyPermissionExceedsOwnerError(ManagementAPIError):
    error_key = "ApiKeyPermissionExceedsOwnerException"
    raw_message = "An API key cannot have permissions its owner lacks: {permissions}"


def checked_permissions(owner: User, permissions: Any) -> list[str]:
    """Known permission names, each held by the owner, without duplicates, in the canonical order."""
    if not isinstance(permissions, list) or not all(isinstance(name, str) for name in permissions):
        raise InvalidFieldError(field="permissions", detail="expected a list of permission names")
    unknown = sorted(set(permissions) - set(DOMAIN_PERMISSIONS))
    if unknown:
        known = ", ".join(DOMAIN_PERMISSIONS)
        raise InvalidFieldError(
            field="permissions", detail=f"unknown permission(s) {', '.join(unknown)}; known: {known}"
        )
    excess = sorted(set(permissions) - grantable_permissions(owner))
    if excess:
        raise ApiKeyPermissionExceedsOwnerError(permissions=", ".join(excess))
    return [name for name in DOMAIN_PERMISSIONS if name in permissions]


def grantable_permissions(owner: User) -> frozenset[str]:
    """What a key of ``owner`` may hold: the owner's domain permissions, and the rights they hold on some
    dataset (as its owner, or from a ruleset). At use time a key's rights are still those its owner holds
    on the dataset at hand, within the key (``datasets.access.visibility``): a key never exceeds its owner."""
    caller = Caller(owner)
    held = set(caller.domain_rights())
    if not caller.is_authenticated:
        return frozenset(held)
    if Dataset.objects.filter(owner=owner).exists():
        held |= OWNER_RIGHTS
    for permissions in Ruleset.objects.filter(by_ruleset_of(caller)).values_list("permissions", flat=True):
        held |= set(permissions)
    return frozenset(held) & frozenset(DOMAIN_PERMISSIONS)


@transaction.atomic
def apikey_create(*, owner: User, label: str | None = None, permissions: list[str] | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns it with the clear key, which is not stored and cannot be shown again.

    Without ``permissions`` the key may explore restricted datasets, if its owner may.
    """
    if permissions is None:
        permissions = [name for name in DEFAULT_KEY_PERMISSIONS if name in Caller(owner).domain_rights()]
    apikey = ApiKey(owner=owner, label=label, permissions=checked_permissions(owner, permissions))
    clear_key = generate_key()
    apikey.set_key(clear_key)
    apikey.full_clean(validate_unique=False)
    apikey.save()
    return apikey, clear_key


@transaction.atomic
def apikey_update(
    *, apikey: ApiKey, label: str | None = None, permissions: list[str] | None = None, fields: set[str]
) -> ApiKey:
    """Change the label and/or permissions named in ``fields`` (at least one of them)."""
    if not fields & {"label", "permissions"}:
        raise PermissionsOrLabelMissingError()
    if "label" in fields:
        apikey.label = label
    if "permissions" in fields:
        apikey.permissions = checked_permissions(apikey.owner, permissions)
    apikey.full_clean(validate_unique=False)
    apikey.save(update_fields=["label", "permissions"])
    return apikey


@transaction.atomic
def apikey_delete(*, apikey: ApiKey) -> None:
    apikey.delete()
