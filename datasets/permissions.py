"""Who may do what: the one place where management API permissions are decided.

Domain permissions (``create_dataset``, ``edit_dataset``, ``publish_dataset``, ``manage_dataset``,
``explore_restricted_dataset``) come from Django permissions given to users and groups.
Dataset permissions add what a user holds on one dataset: its owner may edit it (security
rulesets will add theirs here). A request made with an API key never gets more than the key's
own permissions, whatever its owner holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from datasets.errors import DatasetPermissionDeniedError, DomainPermissionDeniedError, UnknownDatasetError
from datasets.models import ApiKey, Dataset, DatasetQuerySet

DOMAIN_PERMISSIONS = (
    "create_dataset",
    "edit_dataset",
    "publish_dataset",
    "manage_dataset",
    "explore_restricted_dataset",
)
# Holding any of these on a dataset makes it visible in the management API.
MANAGEMENT_READ_PERMISSIONS = frozenset({"edit_dataset", "publish_dataset", "manage_dataset"})
OWNER_PERMISSIONS = frozenset({"edit_dataset"})
# Not a permission of its own: "may see this dataset in the management API" (any of the above).
READ = "read"


def user_domain_permissions(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The domain permissions the user holds directly or through groups; none when inactive."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(DOMAIN_PERMISSIONS)
    return frozenset(name for name in DOMAIN_PERMISSIONS if user.has_perm(f"datasets.{name}"))


@dataclass(frozen=True)
class Actor:
    """The caller of one request: a user, possibly acting through an API key."""

    user: AbstractBaseUser | AnonymousUser
    api_key: ApiKey | None = None

    def limit(self, permissions: frozenset[str]) -> frozenset[str]:
        if self.api_key is None:
            return permissions
        return permissions & frozenset(self.api_key.permissions)

    def domain_permissions(self) -> frozenset[str]:
        return self.limit(user_domain_permissions(self.user))

    def dataset_permissions(self, dataset: Dataset) -> frozenset[str]:
        held = user_domain_permissions(self.user)
        if self.user.is_authenticated and dataset.owner_id == self.user.pk:
            held |= OWNER_PERMISSIONS
        return self.limit(held)

    def require_domain(self, permission: str) -> None:
        if permission not in self.domain_permissions():
            raise DomainPermissionDeniedError(permission=permission)

    def require(self, permission: str, dataset: Dataset) -> None:
        """Raise 404 when the dataset is not visible to the actor at all, 403 when visible but not allowed."""
        held = self.dataset_permissions(dataset)
        if not held & MANAGEMENT_READ_PERMISSIONS:
            raise UnknownDatasetError(dataset_uid=dataset.dataset_uid)
        if permission != READ and permission not in held:
            raise DatasetPermissionDeniedError(permission=permission, dataset_uid=dataset.dataset_uid)

    def manageable_datasets(self) -> DatasetQuerySet:
        """Datasets visible in the management API: all with a domain-wide right, else the actor's own."""
        domain = self.domain_permissions()
        if domain & MANAGEMENT_READ_PERMISSIONS:
            return Dataset.objects.all()
        if self.user.is_authenticated and self.limit(OWNER_PERMISSIONS):
            return Dataset.objects.filter(Q(owner=self.user))
        return Dataset.objects.none()
