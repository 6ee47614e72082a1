"""The caller: who asks (a user, maybe anonymous, possibly through an API key) and what they may see and do.

One object serves every entry point: catalog pages, the Explore API, the management API, the back-office and
the job pages. What it holds on one dataset comes from the one visibility predicate
(``datasets.access.visibility``); the management API's permission names are in ``datasets.access.permissions``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from datasets.access import visibility
from datasets.access.permissions import MANAGEMENT_READ_PERMISSIONS, READ
from datasets.access.visibility import DOMAIN_RIGHTS, OWNER_RIGHTS, dataset_rights
from datasets.errors import DatasetPermissionDeniedError, DomainPermissionDeniedError, UnknownDatasetError
from datasets.models import ApiKey, Dataset, DatasetQuerySet


@dataclass(frozen=True)
class Caller:
    """Who asks: a user (maybe anonymous), possibly through an API key."""

    user: User | AnonymousUser
    api_key: ApiKey | None = None

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user.is_authenticated and self.user.is_active)

    def within_key(self, rights: Iterable[str]) -> frozenset[str]:
        """``rights`` limited to the API key's permissions (all of them without a key)."""
        rights = frozenset(rights)
        return rights if self.api_key is None else rights & frozenset(self.api_key.permissions)

    def domain_rights(self) -> frozenset[str]:
        """Domain-wide rights from Django permissions (users and their groups), within the key."""
        if not self.is_authenticated:
            return frozenset()
        if self.user.is_superuser:
            return self.within_key(DOMAIN_RIGHTS)
        return self.within_key(name for name in DOMAIN_RIGHTS if self.user.has_perm(f"datasets.{name}"))

    def group_ids(self) -> list[int]:
        """The ids of the user's groups, read once per caller (a request asks several times)."""
        return self._group_ids

    @functools.cached_property
    def _group_ids(self) -> list[int]:
        if not self.is_authenticated:
            return []
        return list(self.user.groups.values_list("id", flat=True))

    def rights_on(self, dataset: Dataset) -> frozenset[str]:
        """Rights on ``dataset``: domain-wide, as owner, and from its rulesets, within the API key."""
        return dataset_rights(self, dataset)

    def require_domain(self, permission: str) -> None:
        if permission not in self.domain_rights():
            raise DomainPermissionDeniedError(permission=permission)

    def require(self, permission: str | tuple[str, ...], dataset: Dataset) -> None:
        """Raise 404 when the dataset is not visible to the caller at all, 403 when visible but not allowed.

        ``permission`` is one name, ``READ``, or a tuple of names all required.
        """
        held = self.rights_on(dataset)
        if not held & MANAGEMENT_READ_PERMISSIONS:
            raise UnknownDatasetError(dataset_uid=dataset.dataset_uid)
        needed = (permission,) if isinstance(permission, str) else permission
        for name in needed:
            if name != READ and name not in held:
                raise DatasetPermissionDeniedError(permission=name, dataset_uid=dataset.dataset_uid)

    def manageable_datasets(self) -> DatasetQuerySet:
        """Datasets visible in the management API: every one with a domain-wide right, else the caller's own
        and those whose rulesets grant the caller a management right (the SQL side of ``require(READ, ...)``)."""
        if self.domain_rights() & MANAGEMENT_READ_PERMISSIONS:
            return Dataset.objects.all()
        if not self.is_authenticated:
            return Dataset.objects.none()
        seen = self.granted_by_rulesets()
        if self.within_key(OWNER_RIGHTS):
            seen |= Q(owner=self.user)
        return Dataset.objects.filter(seen)

    def granted_by_rulesets(self) -> Q:
        """Datasets where the rulesets deciding for the caller grant a management right (within the key)."""
        return visibility.granted_by_rulesets(self, MANAGEMENT_READ_PERMISSIONS)


def caller_of(request) -> Caller:
    """The caller of a DRF or Django request (``request.auth`` is the API key when one was used)."""
    auth = getattr(request, "auth", None)
    return Caller(request.user, auth if isinstance(auth, ApiKey) else None)
