"""The configuration history of a dataset."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.identifiers import random_uid


def new_change_uid() -> str:
    return random_uid("ch")


class Change(models.Model):
    """One write on a dataset's configuration: who, when, which sections, and the diff.

    ``diff`` maps each section to a list of ``{path, old_value, new_value, operation_type}``;
    ``before`` keeps each touched section's whole state before the write, which is what
    restoring "to the state before this change" puts back.
    """

    change_uid = models.CharField(max_length=9, unique=True, default=new_change_uid, editable=False)
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    timestamp = models.DateTimeField(default=timezone.now)
    sections = models.JSONField(default=list)
    diff = models.JSONField(default=dict)
    before = models.JSONField(default=dict)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [
            # The history of one dataset, newest first (changes list, restore).
            models.Index(fields=["dataset", "-timestamp", "-id"], name="change_dataset_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.change_uid} on {self.dataset_id}: {', '.join(self.sections)}"
