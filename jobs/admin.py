"""The back-office's jobs: a list and a page with a live progress bar, the record errors and their CSV.

Jobs are written by services and workers only; the admin reads them, scoped as the management API
(``jobs.selectors.jobs_visible_to_user``: the predicate the datasets app registers): a staff user without a
domain-wide dataset right sees the jobs of the datasets they may manage (as in the dataset admin) and their
own jobs without a dataset.
The progress bar (``static/backoffice/job-progress.js``) polls ``<id>/progress/``, a staff-only JSON view
under the same scoping.
"""

from __future__ import annotations

import csv

from django.contrib import admin
from django.http import Http404, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from jobs.admin_progress import job_progress
from jobs.models import Job
from jobs.redaction import redact_text, redacted
from jobs.selectors import jobs_visible_to_user

RECORD_ERRORS_SHOWN = 100
CSV_COLUMNS = ["row", "record_id", "resource_uid", "processor_uid", "field", "message", "raw_message"]
MASKED_FIELDS = ("params", "result", "error")


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "job_uid",
        "function",
        "state_badge",
        "progress_bar",
        "dataset_title",
        "user",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "function"]
    list_select_related = ["dataset", "user"]
    search_fields = ["job_uid", "dataset__dataset_id", "dataset__dataset_uid"]
    # params, result and error show masked (jobs.redaction): rows stored before masking may hold URL secrets.
    readonly_fields = [
        f"masked_{field.name}" if field.name in MASKED_FIELDS else field.name for field in Job._meta.fields
    ]
    fields = list(readonly_fields)  # only these: the model's own params/result/error would show unmasked
    change_form_template = "admin/jobs/job/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request) & jobs_visible_to_user(request.user)

    def may_see(self, request) -> bool:
        return request.user.is_staff and self.get_queryset(request).exists()

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.may_see(request)

    def has_view_permission(self, request, obj=None):
        if not request.user.is_staff:
            return False
        if obj is not None:
            return self.get_queryset(request).filter(pk=obj.pk).exists()
        return super().has_view_permission(request) or self.may_see(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="params")
    def masked_params(self, obj):
        return redacted(obj.params)

    @admin.display(description="result")
    def masked_result(self, obj):
        return redacted(obj.result)

    @admin.display(description="error")
    def masked_error(self, obj):
        return redacted(obj.error)

    @admin.display(description="state", ordering="state")
    def state_badge(self, obj):
        return format_html(
            '<span class="badge badge-job-{}" data-job-state>{}</span>', obj.state, obj.get_state_display()
        )

    @admin.display(description="dataset", ordering="dataset__dataset_id")
    def dataset_title(self, obj):
        """The dataset by its title as edited (the app's model says which: ``draft_title``), and its id."""
        if obj.dataset is None:
            return "—"
        return f"{obj.dataset.draft_title} ({obj.dataset.dataset_id})"

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The page's datasets' metadata in one query, for their titles (jobs knows no metadata model to filter).
        changelist.result_list = changelist.result_list.prefetch_related("dataset__metadata_values")
        return changelist

    @admin.display(description="progress")
    def progress_bar(self, obj):
        """Active jobs get a bar the script keeps up to date; ended ones their final percentage."""
        progress = job_progress(obj)
        percent = progress["percent"]
        text = f"{percent} %" if percent is not None else progress["phase"]
        if obj.state not in Job.ACTIVE_STATES:
            return text
        url = reverse("admin:jobs_job_progress", args=[obj.pk])
        return format_html(
            '<progress class="job-progress-small" data-progress-url="{}" max="100" value="{}" '
            'aria-label="Progress of {}">{}</progress> <span data-progress-text>{}</span>',
            url,
            percent or 0,
            obj.job_uid,
            text,
            text,
        )

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path("<str:object_id>/progress/", view(self.progress_view), name="jobs_job_progress"),
            path("<str:object_id>/record_errors.csv", view(self.record_errors_csv), name="jobs_job_record_errors_csv"),
            *super().get_urls(),
        ]

    def job_or_404(self, request, object_id: str) -> Job:
        if not request.user.is_staff or not object_id.isdigit():
            raise Http404("No such job.")
        job = self.get_queryset(request).select_related("dataset").filter(pk=object_id).first()
        if job is None:
            raise Http404("No such job.")
        return job

    def progress_view(self, request, object_id: str) -> JsonResponse:
        """``GET <id>/progress/``: the job's progress as JSON (see ``jobs.admin_progress.job_progress``).

        Never cached: ``admin_view`` marks every admin answer ``no-store``."""
        return JsonResponse(job_progress(self.job_or_404(request, object_id)))

    def record_errors_csv(self, request, object_id: str) -> HttpResponse:
        """``GET <id>/record_errors.csv``: every record error kept for the job, one per line."""
        job = self.job_or_404(request, object_id)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{job.job_uid}-record-errors.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for error in job.record_errors.all():
            writer.writerow(
                [error.row, error.record_id or "", error.resource_uid, error.processor_uid, error.field]
                + [redact_text(error.message), redact_text(error.raw_message)]
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self.get_queryset(request).filter(pk=object_id).first() if str(object_id).isdigit() else None
        if job is not None:
            extra_context = {
                **(extra_context or {}),
                "progress": job_progress(job),
                "progress_url": reverse("admin:jobs_job_progress", args=[job.pk]),
                "errors_csv_url": reverse("admin:jobs_job_record_errors_csv", args=[job.pk]),
                "record_errors": job.record_errors.all()[:RECORD_ERRORS_SHOWN],
                "record_errors_count": job.record_errors.count(),
            }
        return super().change_view(request, object_id, form_url, extra_context)
