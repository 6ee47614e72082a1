"""A dataset's security as one JSON state: read (``security_state``) and put back (``security_restore``).

The history snapshots and restores the ``security`` section with these; the security services write rulesets
one at a time and record each write through the history. Kept apart from both so that neither imports the other.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User

from datasets.models import Dataset, Ruleset

# The state of a dataset without a default ruleset: everything visible, without quota.
RESET: dict[str, Any] = {
    "is_data_visible": True,
    "visible_fields": None,
    "filter_query": "",
    "api_calls_quota": None,
    "permissions": [],
}
RULESET_ATTRIBUTES = tuple(RESET)


def ruleset_values(ruleset: Ruleset | None) -> dict[str, Any]:
    """The five ruleset attributes; a missing ruleset reads as the reset state."""
    if ruleset is None:
        return dict(RESET)
    return {name: getattr(ruleset, name) for name in RULESET_ATTRIBUTES}


def security_state(dataset: Dataset) -> dict[str, Any]:
    """The history snapshot: the access policy, the default ruleset (None without one), and the user and
    group rulesets keyed by username and group name."""
    # The policy is read from the database: the admin snapshots a dataset whose form already changed it.
    policy = Dataset.objects.filter(pk=dataset.pk).values_list("visibility", flat=True).first()
    state: dict[str, Any] = {"access_policy": policy, "default": None, "users": {}, "groups": {}}
    for ruleset in Ruleset.objects.filter(dataset=dataset).select_related("user", "group"):
        if ruleset.kind == Ruleset.Kind.DEFAULT:
            state["default"] = ruleset_values(ruleset)
        elif ruleset.kind == Ruleset.Kind.USER:
            state["users"][cast(User, ruleset.user).get_username()] = ruleset_values(ruleset)
        else:
            state["groups"][cast(Group, ruleset.group).name] = ruleset_values(ruleset)
    return state


def security_restore(dataset: Dataset, state: dict[str, Any]) -> None:
    """Put back a snapshot of ``security_state``. Users and groups deleted since are left out: a ruleset
    cannot name someone who no longer exists."""
    if state.get("access_policy") in Dataset.Visibility.values and state["access_policy"] != dataset.visibility:
        dataset.visibility = state["access_policy"]
        dataset.save(update_fields=["visibility"])
    Ruleset.objects.filter(dataset=dataset).delete()
    rows = []
    if state.get("default") is not None:
        rows.append(Ruleset(dataset=dataset, kind=Ruleset.Kind.DEFAULT, **state["default"]))
    users = get_user_model().objects.filter(**{f"{get_user_model().USERNAME_FIELD}__in": list(state.get("users", {}))})
    for user in users:
        rows.append(Ruleset(dataset=dataset, kind=Ruleset.Kind.USER, user=user, **state["users"][user.get_username()]))
    for group in Group.objects.filter(name__in=list(state.get("groups", {}))):
        rows.append(Ruleset(dataset=dataset, kind=Ruleset.Kind.GROUP, group=group, **state["groups"][group.name]))
    Ruleset.objects.bulk_create(rows)
