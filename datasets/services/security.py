"""Writes on dataset security: the access policy and the default, user and group rulesets.

Every write is checked here (the views only parse the request) and recorded as one change of the
``security`` section (``datasets.services.history``). Security takes effect at once: the visibility
predicate (``datasets.access.visibility``) reads rulesets live, so nothing needs republishing, and a security
change does not mark the dataset as having unpublished changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, User
from django.db import transaction

from core.errors import ConflictError, InvalidFieldError, ManagementAPIError, combine
from datasets.access.caller import Caller
from datasets.models import Dataset, Ruleset
from datasets.models.security import QUOTA_UNITS, RULESET_PERMISSIONS
from datasets.odsql import ODSQLError, parse_where
from datasets.odsql.records.values import Schema
from datasets.odsql.records.where import compile_where
from datasets.selectors.published import version_table
from datasets.services.history import recording_change
from datasets.services.ruleset_grants import check_grantable
from datasets.services.security_state import RESET, RULESET_ATTRIBUTES

ActingUser = User | AnonymousUser | None
ALL_FIELDS = "*"
SECTION = ("security",)


class UnknownRulesetError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownRulesetException"
    raw_message = "No ruleset for {kind} '{name}' on dataset {dataset_uid}"


class UnknownUsernameError(ManagementAPIError):
    """The reference's documented error for a username that names nobody."""

    status_code = 404
    error_key = "UnknownUsernameException"
    raw_message = "Unknown username: {username}"


class UnknownGroupError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownGroupException"
    raw_message = "Unknown group: {group_id}"


# Validation.


def published_schema(dataset: Dataset) -> Schema | None:
    """The fields of the published version, or None while the dataset is not published."""
    if dataset.current_version_id is None:
        return None
    return Schema(list(version_table(dataset.current_version_id)[1]))


def checked_visible_fields(value: Any, schema: Schema | None) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidFieldError(field="visible_fields", detail="expected null or a list of field names")
    names = list(dict.fromkeys(value))
    if ALL_FIELDS in names:
        if len(names) > 1:
            raise InvalidFieldError(field="visible_fields", detail="'*' (every field) cannot be listed with names")
        return names
    if schema is not None:
        unknown = [name for name in names if name not in schema.fields]
        if unknown:
            known = ", ".join(schema.fields) or "none"
            raise InvalidFieldError(
                field="visible_fields", detail=f"unknown field(s) {', '.join(unknown)}; published fields: {known}"
            )
    return names


def checked_filter_query(value: Any, schema: Schema | None) -> str:
    """An ODSQL ``where``; on a published dataset it must also compile against the published fields."""
    if not isinstance(value, str):
        raise InvalidFieldError(field="filter_query", detail="expected an ODSQL where expression (a string)")
    if not value.strip():
        return ""
    try:
        if schema is None:
            parse_where(value)
        else:
            compile_where(value, schema)
    except ODSQLError as error:
        raise InvalidFieldError(field="filter_query", detail=error.message) from None
    return value


def checked_quota(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    units = ", ".join(QUOTA_UNITS)
    if not isinstance(value, dict) or set(value) != {"limit", "unit"}:
        raise InvalidFieldError(field="api_calls_quota", detail=f'expected null or {{"limit": n, "unit": {units}}}')
    limit, unit = value["limit"], value["unit"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidFieldError(field="api_calls_quota.limit", detail="expected an integer of at least 1")
    if unit not in QUOTA_UNITS:
        raise InvalidFieldError(field="api_calls_quota.unit", detail=f"expected one of {units}")
    return {"limit": limit, "unit": unit}


def checked_permissions(value: Any, kind: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidFieldError(field="permissions", detail="expected a list of permission names")
    if kind == Ruleset.Kind.DEFAULT and value:
        raise InvalidFieldError(field="permissions", detail="the default ruleset grants no permission: send []")
    unknown = sorted(set(value) - set(RULESET_PERMISSIONS))
    if unknown:
        raise InvalidFieldError(
            field="permissions",
            detail=f"unknown permission(s) {', '.join(unknown)}; known: {', '.join(RULESET_PERMISSIONS)}",
        )
    return [name for name in RULESET_PERMISSIONS if name in value]


def validated_ruleset(dataset: Dataset, body: dict[str, Any], kind: str) -> dict[str, Any]:
    """The ruleset attributes of ``body``, checked; every problem is reported at once.

    A write replaces the whole ruleset: attributes left out take their reset value.
    """
    values = {**RESET, **{name: body[name] for name in RULESET_ATTRIBUTES if name in body}}
    schema = published_schema(dataset)
    checks = {
        "is_data_visible": lambda value: checked_bool(value),
        "visible_fields": lambda value: checked_visible_fields(value, schema),
        "filter_query": lambda value: checked_filter_query(value, schema),
        "api_calls_quota": checked_quota,
        "permissions": lambda value: checked_permissions(value, kind),
    }
    clean, errors = {}, []
    for name, check in checks.items():
        try:
            clean[name] = check(values[name])
        except ManagementAPIError as error:
            errors.append(error)
    if errors:
        raise combine(errors)
    return clean


def checked_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidFieldError(field="is_data_visible", detail="expected true or false")
    return value


# Targets of user and group rulesets.


def user_named(username: Any, *, field: str | None = None) -> User:
    """The user ``username``: a malformed one is a 400 naming the body attribute ``field`` (when given); one
    naming nobody is the documented 404, wherever it was sent."""
    if not isinstance(username, str) or not username:
        raise InvalidFieldError(field=field or "username", detail="expected a username")
    model = get_user_model()
    user = model.objects.filter(**{model.USERNAME_FIELD: username}).first()
    if user is None:
        raise UnknownUsernameError(username=username)
    return user


def group_named(group_id: Any, *, field: str | None = None) -> Group:
    """The group whose name is ``group_id``: a 400 naming ``field`` when given, else a 404."""
    if not isinstance(group_id, str) or not group_id:
        raise InvalidFieldError(field=field or "group_id", detail="expected a group_id")
    group = Group.objects.filter(name=group_id).first()
    if group is None:
        if field:
            raise InvalidFieldError(field=field, detail=f"unknown group_id '{group_id}'")
        raise UnknownGroupError(group_id=group_id)
    return group


def target_ruleset(dataset: Dataset, target: User | Group) -> Ruleset:
    """The ruleset of ``target`` (a user or a group) on ``dataset``; a 404 when it has none."""
    if isinstance(target, Group):
        found = Ruleset.objects.filter(dataset=dataset, kind=Ruleset.Kind.GROUP, group=target).first()
        name, kind = target.name, "group"
    else:
        found = Ruleset.objects.filter(dataset=dataset, kind=Ruleset.Kind.USER, user=target).first()
        name, kind = target.get_username(), "user"
    if found is None:
        raise UnknownRulesetError(kind=kind, name=name, dataset_uid=dataset.dataset_uid)
    return found


# Writes.


@transaction.atomic
def access_policy_set(*, dataset: Dataset, policy: Any, user: ActingUser) -> Dataset:
    if policy not in Dataset.Visibility.values:
        raise InvalidFieldError(field="access_policy", detail='expected "domain" or "restricted"')
    with recording_change(dataset=dataset, user=user, sections=SECTION):
        if dataset.visibility != policy:
            dataset.visibility = policy
            dataset.save(update_fields=["visibility"])
    return dataset


@transaction.atomic
def default_ruleset_set(*, dataset: Dataset, body: dict[str, Any], user: ActingUser) -> Ruleset:
    values = validated_ruleset(dataset, body, Ruleset.Kind.DEFAULT)
    with recording_change(dataset=dataset, user=user, sections=SECTION):
        ruleset, _ = Ruleset.objects.update_or_create(dataset=dataset, kind=Ruleset.Kind.DEFAULT, defaults=values)
    return ruleset


@transaction.atomic
def default_ruleset_reset(*, dataset: Dataset, user: ActingUser) -> None:
    """Remove the default ruleset: a ``domain`` dataset shows everything again."""
    with recording_change(dataset=dataset, user=user, sections=SECTION):
        Ruleset.objects.filter(dataset=dataset, kind=Ruleset.Kind.DEFAULT).delete()


def grantor_of(user: ActingUser, grantor: Caller | None) -> Caller | None:
    """Whose rights bound what a ruleset grants: the request's caller, else ``user``; None for the platform."""
    return grantor if grantor is not None else (Caller(user) if user is not None else None)


def check_granted(dataset: Dataset, values: dict[str, Any], grantor: Caller | None, kept=()) -> None:
    if grantor is not None:
        check_grantable(dataset=dataset, grantor=grantor, permissions=values["permissions"], kept=kept)


@transaction.atomic
def ruleset_create(
    *,
    dataset: Dataset,
    target: User | Group,
    body: dict[str, Any],
    user: ActingUser,
    grantor: Caller | None = None,
) -> Ruleset:
    """A new ruleset for a user or a group; a 409 when the target already has one (update it instead).

    It grants only rights ``grantor`` (the request's caller; ``user`` by default) holds (``ruleset_grants``).
    """
    is_group = isinstance(target, Group)
    kind = Ruleset.Kind.GROUP if is_group else Ruleset.Kind.USER
    values = validated_ruleset(dataset, body, kind)
    check_granted(dataset, values, grantor_of(user, grantor))
    lookup = {"group": target} if is_group else {"user": target}
    # Lock the dataset row so two concurrent creations for the same target cannot both pass the check.
    Dataset.objects.select_for_update().filter(pk=dataset.pk).first()
    if Ruleset.objects.filter(dataset=dataset, kind=kind, **lookup).exists():
        name = target.name if isinstance(target, Group) else target.get_username()
        raise ConflictError(
            detail=f"{kind.capitalize()} '{name}' already has a ruleset on this dataset; PUT it to change it"
        )
    with recording_change(dataset=dataset, user=user, sections=SECTION):
        return Ruleset.objects.create(dataset=dataset, kind=kind, **lookup, **values)


@transaction.atomic
def ruleset_update(
    *, dataset: Dataset, ruleset: Ruleset, body: dict[str, Any], user: ActingUser, grantor: Caller | None = None
) -> Ruleset:
    """Rewrite a ruleset; rights it did not grant yet must be held by ``grantor`` (as in ``ruleset_create``)."""
    values = validated_ruleset(dataset, body, ruleset.kind)
    check_granted(dataset, values, grantor_of(user, grantor), kept=ruleset.permissions)
    with recording_change(dataset=dataset, user=user, sections=SECTION):
        for name, value in values.items():
            setattr(ruleset, name, value)
        ruleset.save()
    return ruleset


@transaction.atomic
def ruleset_delete(*, dataset: Dataset, ruleset: Ruleset, user: ActingUser) -> None:
    with recording_change(dataset=dataset, user=user, sections=SECTION):
        ruleset.delete()
