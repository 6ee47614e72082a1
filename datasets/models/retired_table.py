from django.db import models
from django.utils import timezone


class RetiredTable(models.Model):
    """A records table no dataset serves any more, waiting out its grace period before it is dropped.

    A swap, an unpublish or a deletion takes a table out of service in its own transaction by writing this
    row: nothing runs after their commit. Requests that resolved the old version just before keep reading it
    until they finish; the housekeeping pass (``datasets.services.retired_tables``) drops the table once
    ``RETIRED_TABLE_GRACE_SECONDS`` have passed, and tries again on its next pass when the DROP fails (a long
    export still holding the table). ``dataset_uid`` is plain text: a deleted dataset's tables retire too.
    """

    table_name = models.CharField(max_length=63, unique=True)
    dataset_uid = models.CharField(max_length=32, db_index=True)
    retired_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed DROP attempts so far.")
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["retired_at"]

    def __str__(self) -> str:
        return self.table_name
