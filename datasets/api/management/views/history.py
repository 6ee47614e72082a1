"""Dataset changes: the history, and restoring the state before one change."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import InvalidFieldError
from datasets.access.permissions import MANAGE_SECURITY, READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import change_repr
from datasets.errors import UnknownChangeError
from datasets.models import Change
from datasets.services import change_restore
from datasets.services.history import states_before


class ChangeListView(ManagementAPIView):
    """``GET .../changes``: every configuration change of the dataset, newest first."""

    expandable = ("user", "dataset")

    @extend_schema(responses=doc.ChangeSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, READ)
        changes = Change.objects.filter(dataset=dataset).select_related("user", "dataset")
        if expand.has("dataset"):
            changes = changes.prefetch_related("dataset__metadata_values")
        return Response([change_repr(change, expand) for change in changes])


class RestoreChangeView(ManagementAPIView):
    """``PUT .../restore_change`` ``{"change_uid": ...}``: back to the state before that change."""

    expandable = ("user", "dataset")

    @extend_schema(request=doc.RestoreChangeRequest, responses=doc.ChangeSerializer)
    def put(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        change_uid = json_object(request, allowed={"change_uid"}, required={"change_uid"})["change_uid"]
        if not isinstance(change_uid, str):
            raise InvalidFieldError(field="change_uid", detail="expected a string such as 'ch_x7k2p9'")
        change = Change.objects.filter(dataset=dataset, change_uid=change_uid).first()
        if change is None:
            raise UnknownChangeError(change_uid=change_uid, dataset_uid=dataset.dataset_uid)
        if "security" in states_before(change):
            # Restoring puts rulesets back: only who may manage the dataset's security may do that.
            self.actor.require(MANAGE_SECURITY, dataset)
        change_restore(dataset=dataset, change=change, user=request.user)
        restoration = Change.objects.filter(dataset=dataset).select_related("user", "dataset").first()
        return Response(change_repr(cast(Change, restoration), expand))
