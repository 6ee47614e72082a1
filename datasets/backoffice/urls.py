"""The URL patterns of a dataset's back-office pages, under the dataset admin's URLs and behind its login.

The views take the dataset admin as a second argument (its scoped queryset finds the dataset, its site
frames the page); the names are those templates and tests reverse as ``admin:<name>``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import URLPattern, path

from datasets.backoffice.views import (
    actions,
    guide,
    guide_fields,
    history,
    live,
    metadata,
    pipeline,
    preview,
    resources,
    schedules,
)

# (route under the admin's ``datasets/dataset/``, view, URL name)
PAGES: list[tuple[str, Callable, str]] = [
    ("<str:object_id>/action/", actions.action_view, "datasets_dataset_action"),
    ("<str:object_id>/state/", live.state_view, "datasets_dataset_state"),
    ("<str:object_id>/resources/<str:resource_uid>/preview/", preview.preview_view, "datasets_dataset_preview"),
    ("<str:object_id>/resources/add/", resources.upload_view, "datasets_dataset_upload"),
    ("<str:object_id>/resources/add-url/", resources.url_add_view, "datasets_dataset_resource_add_url"),
    ("<str:object_id>/resources/<str:resource_uid>/edit/", resources.edit_view, "datasets_dataset_resource_edit"),
    ("<str:object_id>/resources/<str:resource_uid>/delete/", resources.delete_view, "datasets_dataset_resource_delete"),
    ("<str:object_id>/steps/add/", pipeline.step_view, "datasets_dataset_step"),
    ("<str:object_id>/steps/<str:uid>/delete/", pipeline.step_delete_view, "datasets_dataset_step_delete"),
    ("<str:object_id>/schedules/add/", schedules.schedule_view, "datasets_dataset_schedule_add"),
    ("<str:object_id>/schedules/<str:uid>/", schedules.schedule_view, "datasets_dataset_schedule"),
    ("<str:object_id>/schedules/<str:uid>/delete/", schedules.schedule_delete_view, "datasets_dataset_schedule_delete"),
    ("<str:object_id>/changes/", history.changes_view, "datasets_dataset_changes"),
    ("<str:object_id>/metadata/<str:template_name>/", metadata.metadata_view, "datasets_dataset_metadata"),
    ("<str:object_id>/changes/<str:change_uid>/restore/", history.restore_view, "datasets_dataset_restore"),
    # The guided new-dataset flow, step by step.
    ("new/", guide.source_view, "datasets_dataset_guide_source"),
    ("<str:object_id>/guide/fields/", guide_fields.fields_view, "datasets_dataset_guide_fields"),
    ("<str:object_id>/guide/describe/", guide.describe_view, "datasets_dataset_guide_describe"),
    ("<str:object_id>/guide/access/", guide.access_view, "datasets_dataset_guide_access"),
    ("<str:object_id>/guide/publish/", guide.publish_view, "datasets_dataset_guide_publish"),
]


def dataset_urls(model_admin) -> list[URLPattern]:
    """The pages' patterns for ``model_admin`` (the dataset admin), each view wrapped in its site's login."""

    def view(function: Callable) -> Callable:
        return model_admin.admin_site.admin_view(lambda request, **kwargs: function(request, model_admin, **kwargs))

    return [path(route, view(function), name=name) for route, function, name in PAGES]
