"""Files a dataset publishes beside its records: attachments and alternative exports (reference §13).

Both point at an uploaded file (``odsfile://<file_id>``) and carry an optional title. An attachment is a
document about the dataset (a methodology, a data dictionary); an alternative export is a static copy of
the data shown in the export menu, e.g. a prepared archive of a very large dataset. Like resources they are
configuration: edits record changes and go public with the next publish.
"""

from django.db import models

from core.identifiers import random_uid


def new_attachment_uid() -> str:
    return random_uid("at")


def new_alternative_export_uid() -> str:
    return random_uid("ae")


class DatasetFileLink(models.Model):
    """What attachments and alternative exports share: a dataset, a file URL, a title, a position."""

    url = models.CharField(max_length=2000)
    title = models.CharField(max_length=255, blank=True, default="")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def file_id(self) -> str:
        return self.url.removeprefix("odsfile://")


class Attachment(DatasetFileLink):
    """A document published with the dataset, listed by the Explore API's ``/attachments``."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="attachments")
    attachment_uid = models.CharField(max_length=9, unique=True, default=new_attachment_uid, editable=False)

    def __str__(self) -> str:
        return f"{self.attachment_uid} {self.url}"


class AlternativeExport(DatasetFileLink):
    """A static export of the dataset's data, offered in the public export menu."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="alternative_exports")
    export_uid = models.CharField(max_length=9, unique=True, default=new_alternative_export_uid, editable=False)

    def __str__(self) -> str:
        return f"{self.export_uid} {self.url}"
