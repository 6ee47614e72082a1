"""Security rulesets: who sees which records and fields of a dataset, how often, and with which rights."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q

QUOTA_UNITS = ("second", "minute", "hour", "day", "month")
RULESET_PERMISSIONS = ("edit_dataset", "publish_dataset", "manage_dataset", "explore_restricted_dataset")


class Ruleset(models.Model):
    """One ruleset of a dataset: its default one (``kind`` default), or one for a user or a group.

    ``visible_fields`` is None for every field, else the list of field names shown (``[]``: none);
    ``filter_query`` is an ODSQL ``where`` ANDed with every query (empty: every record);
    ``is_data_visible`` false leaves the metadata only; ``api_calls_quota`` is ``{"limit", "unit"}`` or None;
    ``permissions`` (user and group rulesets only) grant rights on this dataset alone.
    How rulesets combine is decided in ``datasets.access.visibility``.
    """

    class Kind(models.TextChoices):
        DEFAULT = "default"
        USER = "user"
        GROUP = "group"

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="rulesets")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="rulesets"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="rulesets")
    is_data_visible = models.BooleanField(default=True)
    visible_fields = models.JSONField(null=True, blank=True)
    filter_query = models.TextField(blank=True, default="")
    api_calls_quota = models.JSONField(null=True, blank=True)
    permissions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["dataset_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset"], condition=Q(kind="default"), name="ruleset_one_default_per_dataset"
            ),
            models.UniqueConstraint(fields=["dataset", "user"], condition=Q(kind="user"), name="ruleset_one_per_user"),
            models.UniqueConstraint(
                fields=["dataset", "group"], condition=Q(kind="group"), name="ruleset_one_per_group"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="default", user__isnull=True, group__isnull=True)
                    | Q(kind="user", user__isnull=False, group__isnull=True)
                    | Q(kind="group", user__isnull=True, group__isnull=False)
                ),
                name="ruleset_target_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        target = self.user or self.group or "default"
        return f"{self.dataset} / {target}"
