"""Published versions: what the public side serves for a dataset."""

from django.db import models
from django.utils import timezone


class PublishedVersion(models.Model):
    """One successful publish of a dataset: its records table and the configuration it was built from.

    The dataset's ``current_version`` points at the one the catalog and the Explore API serve;
    everything public reads through it, so edits made after a publish stay private until the
    next one. ``configuration`` is what the records were built with (resources, processors, field
    specifications, and the ETag / Last-Modified / SHA-256 of each fetched source): scheduled runs
    republish with it. ``record_errors`` keeps the first errors; ``record_error_count`` the true total.
    """

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    table_name = models.CharField(max_length=63)
    record_count = models.BigIntegerField(default=0)
    fields = models.JSONField(default=list)
    metadata = models.JSONField(default=dict, help_text="The dataset's metas as published.")
    configuration = models.JSONField(
        default=dict,
        blank=True,
        help_text="Resources, processors and field specifications as published, with the state of each fetched source.",
    )
    record_error_count = models.BigIntegerField(default=0)
    record_errors = models.JSONField(default=list)
    limit_reached = models.BooleanField(default=False)
    inference = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per resource: what inference decided and the key of its inputs, so that a republish of the"
        " same bytes with the same configuration skips the inference pass.",
    )
    published_at = models.DateTimeField(default=timezone.now)
    metadata_published_at = models.DateTimeField(
        default=timezone.now,
        help_text="When this metadata was first published: a scheduled run republishes data, not metadata.",
    )
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="version_unique_number")]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.number}"
