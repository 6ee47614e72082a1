"""Who may do what in the management API, on top of the one visibility predicate (``datasets.access.visibility``).

Domain permissions (``create_dataset``, ``edit_dataset``, ``publish_dataset``, ``manage_dataset``,
``explore_restricted_dataset``) come from Django permissions given to users and groups. On one dataset a
user also holds what ``datasets.access.visibility.dataset_rights`` grants: ``edit_dataset`` as its owner, and the
``permissions`` of the user's ruleset (else of their groups' rulesets) on that dataset alone. A request made
with an API key never gets more than the key's own permissions, whatever its owner holds.

The management API shows a dataset to whoever holds ``edit_dataset``, ``publish_dataset`` or
``manage_dataset`` on it; anybody else gets a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from datasets.access.visibility import OWNER_RIGHTS, Caller, dataset_rights
from datasets.errors import DatasetPermissionDeniedError, DomainPermissionDeniedError, UnknownDatasetError
from datasets.models import Dataset, DatasetQuerySet, Ruleset

DOMAIN_PERMISSIONS = (
    "create_dataset",
    "edit_dataset",
    "publish_dataset",
    "manage_dataset",
    "explore_restricted_dataset",
)
# Holding any of these on a dataset makes it visible in the management API.
MANAGEMENT_READ_PERMISSIONS = frozenset({"edit_dataset", "publish_dataset", "manage_dataset"})
# Not a permission of its own: "may see this dataset in the management API" (any of the above).
READ = "read"
# The security endpoints need both (reference §3.1 rows 33-38).
MANAGE_SECURITY = ("edit_dataset", "manage_dataset")


def user_domain_permissions(user: User | AnonymousUser) -> frozenset[str]:
    """The domain permissions the user holds directly or through groups; none when inactive."""
    return Caller(user).domain_rights()


class Actor(Caller):
    """The caller of one management request: a user, possibly acting through an API key."""

    def limit(self, permissions: frozenset[str]) -> frozenset[str]:
        return self.within_key(permissions)

    def domain_permissions(self) -> frozenset[str]:
        return self.domain_rights()

    def dataset_permissions(self, dataset: Dataset) -> frozenset[str]:
        """Rights on ``dataset``: domain-wide, as owner, and from its rulesets, within the API key."""
        return dataset_rights(self, dataset)

    def require_domain(self, permission: str) -> None:
        if permission not in self.domain_permissions():
            raise DomainPermissionDeniedError(permission=permission)

    def require(self, permission: str | tuple[str, ...], dataset: Dataset) -> None:
        """Raise 404 when the dataset is not visible to the actor at all, 403 when visible but not allowed.

        ``permission`` is one name, ``READ``, or a tuple of names all required.
        """
        held = self.dataset_permissions(dataset)
        if not held & MANAGEMENT_READ_PERMISSIONS:
            raise UnknownDatasetError(dataset_uid=dataset.dataset_uid)
        needed = (permission,) if isinstance(permission, str) else permission
        for name in needed:
            if name != READ and name not in held:
                raise DatasetPermissionDeniedError(permission=name, dataset_uid=dataset.dataset_uid)

    def manageable_datasets(self) -> DatasetQuerySet:
        """Datasets visible in the management API: every one with a domain-wide right, else the actor's own
        and those whose rulesets grant the actor a management right (the SQL side of ``require(READ, ...)``)."""
        if self.domain_permissions() & MANAGEMENT_READ_PERMISSIONS:
            return Dataset.objects.all()
        if not self.is_authenticated:
            return Dataset.objects.none()
        seen = self.granted_by_rulesets()
        if self.within_key(OWNER_RIGHTS):
            seen |= Q(owner=self.user)
        return Dataset.objects.filter(seen)

    def granted_by_rulesets(self) -> Q:
        """Datasets where the ruleset deciding for the actor grants a management right.

        As in ``datasets.access.visibility``: the user's own ruleset decides alone when there is one, else their
        groups' rulesets together.
        """
        wanted = sorted(self.within_key(MANAGEMENT_READ_PERMISSIONS))
        if not wanted:
            return Q(pk__in=[])
        grants = Q()
        for name in wanted:
            grants |= Q(permissions__contains=[name])
        own = Ruleset.objects.filter(kind=Ruleset.Kind.USER, user=cast(User, self.user))
        by_user = own.filter(grants).values("dataset_id")
        by_group = (
            Ruleset.objects.filter(grants, kind=Ruleset.Kind.GROUP, group__in=self.group_ids())
            .exclude(dataset_id__in=own.values("dataset_id"))
            .values("dataset_id")
        )
        return Q(pk__in=by_user) | Q(pk__in=by_group)
