from django.contrib import admin

from jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are written by services and workers only; the admin reads them."""

    list_display = ["job_uid", "function", "state", "dataset", "user", "created_at", "finished_at"]
    list_filter = ["state", "function"]
    search_fields = ["job_uid", "dataset__dataset_id", "dataset__dataset_uid"]
    readonly_fields = [field.name for field in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
