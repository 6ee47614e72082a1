"""Uploaded files and the resources that feed a dataset."""

from django.conf import settings
from django.db import models

from core.identifiers import random_uid


def new_file_id() -> str:
    return random_uid("fi", 12)


def new_resource_uid() -> str:
    return random_uid("re")


class File(models.Model):
    """An uploaded blob, referenced by resources as ``odsfile://<file_id>``.

    The blob lives under ``MEDIA_ROOT/files/`` with a generated name: nothing the client sent
    reaches the filesystem. ``filename`` is the client's name, cleaned, used only for downloads;
    ``mimetype`` is sniffed from the content.
    """

    file_id = models.CharField(max_length=15, unique=True, default=new_file_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=120)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_id} ({self.filename})"

    @property
    def url(self) -> str:
        return f"odsfile://{self.file_id}"

    @property
    def storage_name(self) -> str:
        """Path relative to MEDIA_ROOT; two levels of fan-out keep directories small."""
        return f"files/{self.file_id[3:5]}/{self.file_id}"


class Resource(models.Model):
    """Where a dataset's records come from: a URL (uploaded file or http(s)) read by an extractor."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="resources")
    resource_uid = models.CharField(max_length=9, unique=True, default=new_resource_uid, editable=False)
    url = models.CharField(max_length=2000)
    title = models.CharField(max_length=255, blank=True, default="")
    type = models.CharField(max_length=50)
    params = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.resource_uid} {self.url}"
