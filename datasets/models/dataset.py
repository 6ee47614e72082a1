"""The dataset: identity, ownership, visibility and processing status."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.identifiers import new_dataset_uid


class DatasetQuerySet(models.QuerySet):
    def public(self) -> "DatasetQuerySet":
        """Datasets anyone may find in the catalog: published and open to the whole domain."""
        return self.filter(visibility=Dataset.Visibility.DOMAIN, current_version__isnull=False)


class Dataset(models.Model):
    """A dataset: data plus metadata plus configuration, edited by publishers.

    ``dataset_uid`` never changes; ``dataset_id`` is the human identifier used in URLs and may
    change while the dataset is unpublished. ``status`` follows the processing status machine of
    the management API.
    """

    class Visibility(models.TextChoices):
        DOMAIN = "domain", "Everyone"
        RESTRICTED = "restricted", "Restricted"

    class Status(models.TextChoices):
        IDLE = "idle"
        QUEUED = "queued"
        PROCESSING = "processing"
        DELETING = "deleting"
        ABORTING_PROCESSING = "aborting_processing"
        ERROR = "error"
        LIMIT_REACHED = "limit_reached"

    dataset_uid = models.CharField(max_length=9, unique=True, default=new_dataset_uid, editable=False)
    dataset_id = models.SlugField(max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="datasets"
    )
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.RESTRICTED)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.IDLE)
    status_since = models.DateTimeField(default=timezone.now)
    status_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_error = models.JSONField(
        null=True, blank=True, help_text="message, raw_message and raw_params while the status is 'error'."
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    current_version = models.ForeignKey(
        "datasets.PublishedVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_modified = models.DateTimeField(default=timezone.now)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["dataset_id"]
        # The domain permissions of the management API, granted to users and groups.
        permissions = [
            ("create_dataset", "Can create datasets"),
            ("edit_dataset", "Can edit every dataset"),
            ("publish_dataset", "Can publish every dataset"),
            ("manage_dataset", "Can manage the security of every dataset"),
            ("explore_restricted_dataset", "Can explore every restricted dataset"),
        ]

    def __str__(self) -> str:
        return self.dataset_id

    @property
    def has_unpublished_changes(self) -> bool:
        """Whether the configuration changed since the last publish (always, when never published)."""
        return self.published_at is None or self.last_modified > self.published_at

    @property
    def draft_title(self) -> str:
        """The title as edited (``title`` is the published one), else the ``dataset_id``.

        Reads ``metadata_values.all()``, so a list that prefetches its datasets' values costs one query.
        """
        for row in self.metadata_values.all():
            if row.template == "default" and row.name == "title" and row.value:
                return str(row.value)
        return self.dataset_id

    @property
    def public_metas(self) -> dict:
        """The metadata as of the last publish: what the public side shows (API decision 12)."""
        return self.current_version.metadata if self.current_version else {}

    def public_value(self, name: str, default=None):
        return self.public_metas.get("default", {}).get(name, default)

    @property
    def title(self) -> str:
        return self.public_value("title") or self.dataset_id

    @property
    def description(self) -> str:
        return self.public_value("description") or ""

    @property
    def keywords(self) -> list[str]:
        return self.public_value("keyword") or []
