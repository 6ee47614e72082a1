from django.contrib import admin

from datasets.models import ApiKey, Change, Dataset, MetadataValue
from datasets.services import dataset_delete


class MetadataValueInline(admin.TabularInline):
    model = MetadataValue
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["dataset_id", "dataset_uid", "visibility", "status", "is_published", "owner", "last_modified"]
    list_filter = ["visibility", "status", "is_published"]
    search_fields = ["dataset_id", "dataset_uid", "metadata_values__value"]
    readonly_fields = [
        "dataset_uid",
        "status",
        "status_since",
        "is_published",
        "published_at",
        "current_version",
        "created_at",
        "last_modified",
    ]
    inlines = [MetadataValueInline]

    def get_readonly_fields(self, request, obj=None):
        # The human identifier is frozen while published, as in the management API.
        if obj is not None and obj.is_published:
            return [*self.readonly_fields, "dataset_id"]
        return self.readonly_fields

    def delete_model(self, request, obj):
        """Through the service, so the records tables go too (and never while a job works on it)."""
        dataset_delete(dataset=obj)

    def delete_queryset(self, request, queryset):
        for dataset in queryset:
            dataset_delete(dataset=dataset)


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    """The configuration history, read-only: restoring goes through the API's restore_change."""

    list_display = ["change_uid", "dataset", "user", "timestamp", "sections"]
    list_filter = ["timestamp"]
    search_fields = ["change_uid", "dataset__dataset_id", "dataset__dataset_uid"]
    readonly_fields = ["change_uid", "dataset", "user", "timestamp", "sections", "diff", "before"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created by their owners through the API; administrators may review and delete them."""

    list_display = ["key_prefix", "label", "owner", "permissions", "created_at", "last_used_at"]
    search_fields = ["key_prefix", "label", "owner__username"]
    readonly_fields = ["apikey_uid", "owner", "label", "key_prefix", "permissions", "created_at", "last_used_at"]
    exclude = ["key_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
