"""The dataset side of the management API's base view: the actor as a dataset permission holder, lookups."""

from __future__ import annotations

from rest_framework.request import Request

from core.api.base import BaseAPIView
from datasets.access.permissions import Actor
from datasets.errors import UnknownDatasetError
from datasets.models import ApiKey, Dataset


def actor_of(request: Request) -> Actor:
    """The caller of a management request (``settings.API_ACTOR``): its user and, if one was used, its API key."""
    api_key = request.auth if isinstance(request.auth, ApiKey) else None
    return Actor(user=request.user, api_key=api_key)


class ManagementAPIView(BaseAPIView):
    # No docstring: operations of views that have none are described by BaseAPIView's (see there).

    def dataset_for(self, dataset_uid: str, permission: str | tuple[str, ...], *, queryset=None) -> Dataset:
        """The dataset ``dataset_uid`` if the actor holds ``permission`` on it (404 if unseen, 403 if not allowed)."""
        queryset = queryset if queryset is not None else Dataset.objects.all()
        related = queryset.select_related("owner", "status_user", "current_version")
        dataset = related.filter(dataset_uid=dataset_uid).first()
        if dataset is None:
            raise UnknownDatasetError(dataset_uid=dataset_uid)
        self.actor.require(permission, dataset)
        return dataset
