"""A resource's preview in the back-office: the management API's preview (first records after processors and
field specifications) as a table; a resource that cannot be read shows the error instead."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse

from core.errors import ManagementAPIError
from datasets.backoffice.views.page import dataset_or_404, render
from datasets.services.preview import resource_preview


def preview_view(request: HttpRequest, model_admin, object_id: str, resource_uid: str) -> TemplateResponse:
    """``<id>/resources/<uid>/preview/``: the resource's first records, or why they cannot be read."""
    dataset = dataset_or_404(model_admin, request, object_id)
    resource = dataset.resources.filter(resource_uid=resource_uid).first()
    if resource is None:
        raise Http404("No such resource.")
    spec = {"url": resource.url, "type": resource.type, "params": resource.params}
    preview, error = None, None
    try:
        preview = resource_preview(dataset=dataset, resource=spec, resource_uid=resource.resource_uid)
    except ManagementAPIError as failure:
        error = str(failure)
    title = f"Preview of {resource.title or resource.resource_uid}"
    rows = preview_rows(preview) if preview else []
    extra = {"resource": resource, "preview": preview, "rows": rows, "error": error}
    return render(request, model_admin, dataset, "preview.html", title, **extra)


def preview_rows(preview: dict[str, Any]) -> list[list[str]]:
    """The preview's records as cells in field order, values shown as text (JSON for lists and objects)."""
    names = [field["name"] for field in preview["fields"]]
    return [[cell_text(record.get(name)) for name in names] for record in preview["records"]]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
