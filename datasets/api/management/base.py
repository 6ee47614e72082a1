"""The dataset side of the management API's base view: dataset lookups checked against the actor's rights.

The actor is ``datasets.access.caller.Caller`` (``settings.API_ACTOR`` builds it from the request).
"""

from __future__ import annotations

from core.api.base import BaseAPIView
from datasets.errors import UnknownDatasetError
from datasets.models import Dataset


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
