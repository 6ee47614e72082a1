"""Metadata values of a dataset, one row per (template, field)."""

from django.db import models


class MetadataValue(models.Model):
    """The value of one metadata field of one template for a dataset.

    Templates and their field definitions live in code; only values are stored. ``value`` is
    JSON so lists (keywords) and numbers keep their type; ``remote_value`` is what a harvested
    source said, used unless ``override_remote_value`` is set.
    """

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="metadata_values")
    template = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    value = models.JSONField(null=True, blank=True)
    remote_value = models.JSONField(null=True, blank=True)
    override_remote_value = models.BooleanField(default=False)

    class Meta:
        ordering = ["template", "name"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "template", "name"], name="metadata_value_unique_field"),
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id}:{self.template}.{self.name}"
