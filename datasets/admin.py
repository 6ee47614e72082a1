from django.contrib import admin

from datasets.models import Dataset, MetadataValue


class MetadataValueInline(admin.TabularInline):
    model = MetadataValue
    extra = 0


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["dataset_id", "dataset_uid", "visibility", "status", "is_published", "owner", "last_modified"]
    list_filter = ["visibility", "status", "is_published"]
    search_fields = ["dataset_id", "dataset_uid", "metadata_values__value"]
    readonly_fields = ["dataset_uid", "status", "status_since", "is_published", "created_at", "last_modified"]
    inlines = [MetadataValueInline]
