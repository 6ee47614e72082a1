"""Dataset security (reference §14): the access policy and the default, user and group rulesets.

Every endpoint needs ``edit_dataset`` and ``manage_dataset`` on the dataset (domain-wide or from a ruleset
of the dataset): a dataset the caller cannot see in the management API is a 404, a visible one without
both rights a 403. Writes replace the whole ruleset (attributes left out take their reset value); creating
a second ruleset for the same user or group is a 409.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import InvalidFieldError
from datasets.access.permissions import MANAGE_SECURITY
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import ruleset_repr
from datasets.models import Dataset, Ruleset
from datasets.services.security import (
    access_policy_set,
    default_ruleset_reset,
    default_ruleset_set,
    group_named,
    ruleset_create,
    ruleset_delete,
    ruleset_update,
    target_ruleset,
    user_named,
)
from datasets.services.security_state import RULESET_ATTRIBUTES

ATTRIBUTES = set(RULESET_ATTRIBUTES)


class SecurityView(ManagementAPIView):
    """Shared lookups: the dataset with the security rights, and the ruleset response."""

    def secured_dataset(self, dataset_uid: str) -> Dataset:
        return self.dataset_for(dataset_uid, MANAGE_SECURITY)

    def respond(self, request: Request, ruleset: Ruleset | None, code: int = status.HTTP_200_OK) -> Response:
        return Response(ruleset_repr(ruleset, self.expand(request)), status=code)


class AccessPolicyView(SecurityView):
    """``GET/PUT .../security/access_policy``: ``"domain"`` or ``"restricted"``, as a bare JSON string."""

    @extend_schema(responses={200: doc.ACCESS_POLICY_RESPONSE})
    def get(self, request: Request, dataset_uid: str) -> Response:
        return Response(self.secured_dataset(dataset_uid).visibility)

    @extend_schema(request={"application/json": doc.ACCESS_POLICY}, responses={200: doc.ACCESS_POLICY_RESPONSE})
    def put(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.secured_dataset(dataset_uid)
        dataset = access_policy_set(dataset=dataset, policy=request.data, user=request.user)
        return Response(dataset.visibility)


class DefaultRulesetView(SecurityView):
    """``.../security/default``: read, replace, reset (no default ruleset: a domain dataset shows everything)."""

    @extend_schema(responses=doc.RulesetSerializer)
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.secured_dataset(dataset_uid)
        return self.respond(request, default_of(dataset))

    @extend_schema(request=doc.RulesetRequest, responses=doc.RulesetSerializer)
    def put(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.secured_dataset(dataset_uid)
        body = json_object(request, allowed=ATTRIBUTES)
        return self.respond(request, default_ruleset_set(dataset=dataset, body=body, user=request.user))

    @extend_schema(responses=doc.RulesetSerializer)
    def delete(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.secured_dataset(dataset_uid)
        default_ruleset_reset(dataset=dataset, user=request.user)
        return self.respond(request, None)


def default_of(dataset: Dataset) -> Ruleset | None:
    return Ruleset.objects.filter(dataset=dataset, kind=Ruleset.Kind.DEFAULT).first()


class TargetRulesets:
    """What differs between user and group rulesets: the body key, its natural key, the lookup."""

    def __init__(self, kind: str, key: str, natural_key: str, find, order_by: str) -> None:
        self.kind, self.key, self.natural_key, self.find, self.order_by = kind, key, natural_key, find, order_by

    def target_in(self, body: dict[str, Any]):
        """The user or group a body names as ``{"user": {"username": ...}}`` (or ``group``/``group_id``)."""
        stub = body.get(self.key)
        if not isinstance(stub, dict) or self.natural_key not in stub:
            raise InvalidFieldError(field=self.key, detail=f'expected {{"{self.natural_key}": ...}}')
        return self.find(stub.get(self.natural_key), field=f"{self.key}.{self.natural_key}")

    def listed(self, dataset: Dataset):
        return (
            Ruleset.objects.filter(dataset=dataset, kind=self.kind)
            .select_related(self.key)
            .order_by(self.order_by, "id")
        )


USERS = TargetRulesets(Ruleset.Kind.USER, "user", "username", user_named, "user__username")
GROUPS = TargetRulesets(Ruleset.Kind.GROUP, "group", "group_id", group_named, "group__name")


class RulesetListView(SecurityView):
    """``GET`` the user (or group) rulesets, ordered by username (group id); ``POST`` a new one."""

    targets: TargetRulesets

    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.secured_dataset(dataset_uid)
        expand = self.expand(request)
        return Response([ruleset_repr(ruleset, expand) for ruleset in self.targets.listed(dataset)])

    def post(self, request: Request, dataset_uid: str) -> Response:
        self.expand(request)
        dataset = self.secured_dataset(dataset_uid)
        body = json_object(request, allowed=ATTRIBUTES | {self.targets.key}, required={self.targets.key})
        target = self.targets.target_in(body)
        ruleset = ruleset_create(dataset=dataset, target=target, body=body, user=request.user, grantor=self.actor)
        return self.respond(request, ruleset, status.HTTP_201_CREATED)


class RulesetDetailView(SecurityView):
    """One user (group) ruleset: read, replace, delete; a 404 when the target has none."""

    targets: TargetRulesets

    def ruleset(self, dataset: Dataset, name: str) -> Ruleset:
        return target_ruleset(dataset, self.targets.find(name))

    def get(self, request: Request, dataset_uid: str, **target: str) -> Response:
        self.expand(request)
        dataset = self.secured_dataset(dataset_uid)
        return self.respond(request, self.ruleset(dataset, target[self.targets.natural_key]))

    def put(self, request: Request, dataset_uid: str, **target: str) -> Response:
        name = target[self.targets.natural_key]
        self.expand(request)
        dataset = self.secured_dataset(dataset_uid)
        ruleset = self.ruleset(dataset, name)
        body = json_object(request, allowed=ATTRIBUTES | {self.targets.key})
        if self.targets.key in body and self.targets.target_in(body).pk != getattr(ruleset, f"{self.targets.key}_id"):
            raise InvalidFieldError(
                field=f"{self.targets.key}.{self.targets.natural_key}", detail=f"must be '{name}', as in the URL"
            )
        updated = ruleset_update(dataset=dataset, ruleset=ruleset, body=body, user=request.user, grantor=self.actor)
        return self.respond(request, updated)

    def delete(self, request: Request, dataset_uid: str, **target: str) -> Response:
        dataset = self.secured_dataset(dataset_uid)
        ruleset = self.ruleset(dataset, target[self.targets.natural_key])
        ruleset_delete(dataset=dataset, ruleset=ruleset, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def list_schema(key: str, request_body):
    return extend_schema_view(
        get=extend_schema(responses=doc.RulesetSerializer(many=True)),
        post=extend_schema(request=request_body, responses={201: doc.RulesetSerializer}),
    )


def detail_schema(key: str, request_body):
    return extend_schema_view(
        get=extend_schema(responses=doc.RulesetSerializer),
        put=extend_schema(request=request_body, responses=doc.RulesetSerializer),
        delete=extend_schema(responses={204: None}),
    )


@list_schema("user", doc.UserRulesetRequest)
class UserRulesetListView(RulesetListView):
    targets = USERS
    expandable = ("user",)


@detail_schema("user", doc.UserRulesetRequest)
class UserRulesetDetailView(RulesetDetailView):
    targets = USERS
    expandable = ("user",)


@list_schema("group", doc.GroupRulesetRequest)
class GroupRulesetListView(RulesetListView):
    targets = GROUPS
    expandable = ("group",)


@detail_schema("group", doc.GroupRulesetRequest)
class GroupRulesetDetailView(RulesetDetailView):
    targets = GROUPS
    expandable = ("group",)
