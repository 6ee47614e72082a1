"""Dataset security: which datasets, fields and records a caller sees, and which rights rulesets grant.

This is the one visibility predicate (docs/ARCHITECTURE.md, decision 7). Catalog pages, the Explore API, the
management API and the admin all ask here; nothing else reads rulesets.

How rulesets combine (the reference leaves it open; these are our rules):

1. **Full access.** A caller holding, on a dataset, any of ``edit_dataset``, ``publish_dataset``,
   ``manage_dataset`` or ``explore_restricted_dataset`` — domain-wide (Django permissions), as its owner
   (``edit_dataset``), or granted by a user or group ruleset of that dataset — sees every field and record,
   without quota. Superusers hold every right.
2. **User ruleset.** Otherwise, a ruleset naming the user applies, alone: the most specific wins.
3. **Group rulesets.** Otherwise, the rulesets of the user's groups apply together, as a union: records are
   visible if one grants them (filters are ORed; one without filter shows every record), fields if one
   shows them, data if one makes it visible; the most generous quota counts.
4. **Default.** Otherwise, a ``domain`` dataset shows what its default ruleset allows (everything when it
   has none), and a ``restricted`` dataset does not exist for the caller.

Rules 2 and 3 are the one ruleset precedence, applied in two forms that must agree: ``applicable_rulesets``
for one dataset (in Python) and ``granted_by_rulesets`` for every dataset at once (in SQL).

An API key acts as its owner within its own permissions: rights of rule 1 count only when the key holds
them too, and a restricted dataset opened to the owner by a ruleset needs ``explore_restricted_dataset``
on the key. Rulesets restrict a key exactly as they restrict its owner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from django.db.models import Q

from datasets.models import Dataset, DatasetQuerySet, Ruleset

if TYPE_CHECKING:
    # Only a type here: the caller asks this module for its rights on a dataset.
    from datasets.access.caller import Caller

DATASET_RIGHTS = frozenset({"edit_dataset", "publish_dataset", "manage_dataset", "explore_restricted_dataset"})
DOMAIN_RIGHTS = ("create_dataset", *sorted(DATASET_RIGHTS))
OWNER_RIGHTS = frozenset({"edit_dataset"})
EXPLORE_RESTRICTED = "explore_restricted_dataset"
# Calls per second of each quota unit, to compare quotas written in different units.
UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86_400, "month": 30 * 86_400}


@dataclass(frozen=True)
class DataAccess:
    """What one caller may read of one dataset's data.

    ``visible_fields``: None for every field, else the names shown. ``filters``: ODSQL ``where`` texts of
    which a record must match one (empty: every record). ``quota``: ``{"limit", "unit"}`` or None.
    ``source`` says which rule decided: ``full``, ``user``, ``group``, ``default`` or ``open``.
    """

    data_visible: bool = True
    visible_fields: frozenset[str] | None = None
    filters: tuple[str, ...] = ()
    quota: dict | None = None
    source: str = "open"

    @property
    def is_full(self) -> bool:
        return self.data_visible and self.visible_fields is None and not self.filters and self.quota is None

    def shows_field(self, name: str) -> bool:
        return self.visible_fields is None or name in self.visible_fields


FULL = DataAccess(source="full")
OPEN = DataAccess(source="open")


# Which rulesets decide for a caller: the precedence of rules 2 and 3, on one dataset and on all at once.


def applicable_rulesets(caller: Caller, dataset: Dataset) -> tuple[str, list[Ruleset]]:
    """The rulesets that decide for ``caller`` on ``dataset`` (rules 2 to 4): ``("user", [r])``,
    ``("group", [...])``, ``("default", [r])``, or ``("none", [])`` when no ruleset names the caller and
    there is no default. The Python form of the precedence; ``granted_by_rulesets`` is its SQL form."""
    rulesets = list(dataset.rulesets.all())
    if caller.is_authenticated:
        own = [r for r in rulesets if r.kind == Ruleset.Kind.USER and r.user_id == caller.user.pk]
        if own:
            return "user", own
        groups = set(caller.group_ids())
        shared = [r for r in rulesets if r.kind == Ruleset.Kind.GROUP and r.group_id in groups]
        if shared:
            return "group", shared
    default = [r for r in rulesets if r.kind == Ruleset.Kind.DEFAULT]
    return ("default", default) if default else ("none", [])


def granted_by_rulesets(caller: Caller, rights: Iterable[str]) -> Q:
    """Datasets where the rulesets deciding for ``caller`` grant one of ``rights`` within the API key: the
    SQL form of the precedence of rules 2 and 3 (``applicable_rulesets`` is its Python form), for an
    authenticated caller."""
    wanted = sorted(caller.within_key(rights))
    if not wanted:
        return Q(pk__in=[])
    grants = Q()
    for name in wanted:
        grants |= Q(permissions__contains=[name])
    own = Ruleset.objects.filter(kind=Ruleset.Kind.USER, user=cast(User, caller.user))
    by_user = own.filter(grants).values("dataset_id")
    # A user's own ruleset on a dataset decides alone there: their groups' rulesets count only elsewhere.
    by_group = (
        Ruleset.objects.filter(grants, kind=Ruleset.Kind.GROUP, group__in=caller.group_ids())
        .exclude(dataset_id__in=own.values("dataset_id"))
        .values("dataset_id")
    )
    return Q(pk__in=by_user) | Q(pk__in=by_group)


def ruleset_rights(caller: Caller, dataset: Dataset) -> frozenset[str]:
    """Rights on ``dataset`` granted by the caller's user or group rulesets, within the API key."""
    source, rulesets = applicable_rulesets(caller, dataset)
    if source not in ("user", "group"):
        return frozenset()
    return caller.within_key(name for r in rulesets for name in r.permissions if name in DATASET_RIGHTS)


def dataset_rights(caller: Caller, dataset: Dataset) -> frozenset[str]:
    """Every right the caller holds on ``dataset``: domain-wide, as owner, and from rulesets (rule 1)."""
    rights = caller.domain_rights() & DATASET_RIGHTS
    if caller.is_authenticated and dataset.owner_id == caller.user.pk:
        rights |= caller.within_key(OWNER_RIGHTS)
    return rights | ruleset_rights(caller, dataset)


def data_access(caller: Caller, dataset: Dataset) -> DataAccess | None:
    """What ``caller`` may read of ``dataset``'s data, or None when the dataset does not exist for them."""
    if dataset_rights(caller, dataset):
        return FULL
    source, rulesets = applicable_rulesets(caller, dataset)
    restricted = dataset.visibility == Dataset.Visibility.RESTRICTED
    if source in ("user", "group"):
        if restricted and EXPLORE_RESTRICTED not in caller.within_key({EXPLORE_RESTRICTED}):
            return None
        return combined(rulesets, source)
    if restricted:
        return None
    return combined(rulesets, "default") if rulesets else OPEN


def combined(rulesets: list[Ruleset], source: str) -> DataAccess:
    """The union of ``rulesets`` (one ruleset is its own union); see rule 3."""
    visible = [r for r in rulesets if r.is_data_visible]
    if not visible:
        return DataAccess(data_visible=False, visible_fields=frozenset(), quota=loosest_quota(rulesets), source=source)
    fields: frozenset[str] | None = frozenset()
    for r in visible:
        if r.visible_fields is None or "*" in r.visible_fields:
            fields = None
            break
        fields = cast(frozenset[str], fields) | frozenset(r.visible_fields)
    filters = tuple(r.filter_query.strip() for r in visible)
    if any(not text for text in filters):
        filters = ()
    return DataAccess(True, fields, filters, loosest_quota(rulesets), source)


def loosest_quota(rulesets: list[Ruleset]) -> dict | None:
    """The most generous quota (None, unlimited, beats any); compared in calls per second."""
    quotas = [r.api_calls_quota for r in rulesets]
    if not quotas or any(quota is None for quota in quotas):
        return None
    return max(cast(list[dict], quotas), key=lambda quota: quota["limit"] / UNIT_SECONDS[quota["unit"]])


# The catalog: which published datasets exist for a caller.


def visible_datasets(caller: Caller) -> DatasetQuerySet:
    """Published datasets that exist for ``caller``: the SQL side of ``data_access(...) is not None``."""
    published = Dataset.objects.filter(current_version__isnull=False)
    if caller.domain_rights() & DATASET_RIGHTS:
        return published.select_related("current_version")
    seen = Q(visibility=Dataset.Visibility.DOMAIN)
    if caller.is_authenticated:
        if caller.within_key(OWNER_RIGHTS):
            seen |= Q(owner=caller.user)
        naming = Ruleset.objects.filter(by_ruleset_of(caller)).values("dataset_id")
        if caller.within_key({EXPLORE_RESTRICTED}):
            seen |= Q(pk__in=naming)
        else:
            # Through a key without explore_restricted_dataset, rulesets open restricted datasets only when
            # they grant a right the key holds (rule 1).
            seen |= Q(pk__in=rights_granting(caller, naming))
    return published.filter(seen).select_related("current_version")


def by_ruleset_of(caller: Caller) -> Q:
    """Rulesets naming the caller, directly or through one of their groups."""
    return Q(kind=Ruleset.Kind.USER, user=caller.user) | Q(kind=Ruleset.Kind.GROUP, group__in=caller.group_ids())


def rights_granting(caller: Caller, rulesets) -> list[int]:
    """Datasets among ``rulesets``' whose rulesets grant the caller a right (checked in Python: few rows)."""
    ids = []
    for dataset in Dataset.objects.filter(pk__in=rulesets).prefetch_related("rulesets"):
        if ruleset_rights(caller, dataset):
            ids.append(dataset.pk)
    return ids
