"""The processing configuration of a dataset: its processor stack and field specifications."""

from django.db import models

from core.identifiers import random_uid


def new_processor_uid() -> str:
    return random_uid("pr")


class Processor(models.Model):
    """One step of the processor stack, applied to every record in ``position`` order."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="processors")
    processor_uid = models.CharField(max_length=9, unique=True, default=new_processor_uid, editable=False)
    name = models.CharField(max_length=50)
    label = models.CharField(max_length=255, blank=True, default="")
    args = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.processor_uid} {self.name}"


class FieldSpecification(models.Model):
    """One field configuration (rename, type, annotate, description, order, delete), applied in order.

    Identified by a ``processor_uid`` as in the reference: field specifications are processor-like.
    """

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="field_specifications")
    processor_uid = models.CharField(max_length=9, unique=True, default=new_processor_uid, editable=False)
    name = models.CharField(max_length=20)
    args = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.processor_uid} {self.name}"
