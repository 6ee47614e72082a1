"""Who may grant what through a ruleset: nobody hands out a right they do not hold themselves.

Managing a dataset's security (``edit_dataset`` and ``manage_dataset`` on it) lets a user write its
rulesets, but a ruleset may grant only the rights its author holds on that dataset (domain-wide, as owner,
through rulesets, within their API key); otherwise a ruleset manager could grant themselves, or a group they
belong to, ``publish_dataset`` and publish. A domain-wide ``manage_dataset`` holder (a superuser holds every
domain right) may grant any right. Rights a ruleset already grants may be kept when it is rewritten: keeping
is not granting, so a co-manager can still change the quota of a ruleset a superuser wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from datasets.access.caller import Caller
from datasets.access.visibility import dataset_rights
from datasets.errors import DatasetPermissionDeniedError
from datasets.models import Dataset

# Held domain-wide, it lets its holder grant every right on every dataset.
GRANTS_ANYTHING = "manage_dataset"


class GrantBeyondOwnRightsError(DatasetPermissionDeniedError):
    """A 403 naming the rights the author tried to grant without holding them."""

    raw_message = "You may grant only rights you hold: '{permission}' is not yours on dataset {dataset_uid}"


def check_grantable(*, dataset: Dataset, grantor: Caller, permissions: Iterable[str], kept: Iterable[str] = ()) -> None:
    """Refuse (403) a ruleset granting on ``dataset`` a right ``grantor`` does not hold, beyond those ``kept``."""
    if GRANTS_ANYTHING in grantor.domain_rights():
        return
    new = [name for name in permissions if name not in set(kept)]
    beyond = [name for name in new if name not in dataset_rights(grantor, dataset)]
    if beyond:
        raise GrantBeyondOwnRightsError(permission="', '".join(beyond), dataset_uid=dataset.dataset_uid)
