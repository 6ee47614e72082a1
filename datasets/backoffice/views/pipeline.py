"""Processors and field specifications in the back-office: try one on the first resource, then add it.

"Preview" runs the processing services inside a transaction that is rolled back: the step is added
exactly as "Add" would add it (same validation), the first resource is previewed through the dataset's
whole pipeline, and nothing stays. "Add" keeps it (a recorded change). Removing a step goes through the
delete services too. All of it needs ``edit_dataset``, as in the management API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST

from core.errors import ManagementAPIError
from datasets.backoffice.forms import PROCESSOR, StepForm
from datasets.backoffice.views.page import change_url, dataset_or_404, render, require
from datasets.backoffice.views.preview import preview_rows
from datasets.models import Dataset
from datasets.services.preview import resource_preview
from datasets.services.processing import (
    field_specification_add,
    field_specification_delete,
    processor_add,
    processor_delete,
)

PURPOSE = "change the processing"


def add_step(dataset: Dataset, data: dict[str, Any], user) -> Any:
    """Add the form's step through its service (validated there, recorded as a change)."""
    kind, name = data["step"].split(":", 1)
    if kind == PROCESSOR:
        body = {"name": name, "label": data["label"], "args": data["args"]}
        return processor_add(dataset=dataset, body=body, user=user)
    return field_specification_add(dataset=dataset, body={"name": name, "args": data["args"]}, user=user)


def preview_with_step(dataset: Dataset, data: dict[str, Any], user) -> dict[str, Any]:
    """The first resource's preview as if the step were added; the addition is rolled back."""
    resource = dataset.resources.order_by("position", "id").first()
    if resource is None:
        raise Http404("The dataset has no resource to preview.")
    spec = {"url": resource.url, "type": resource.type, "params": resource.params}
    with transaction.atomic():
        add_step(dataset, data, user)
        shown = resource_preview(dataset=dataset, resource=spec, resource_uid=resource.resource_uid)
        transaction.set_rollback(True)
    return shown


def step_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/steps/add/``: a processor or field specification, previewed ("preview") or added ("save")."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    form = StepForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        try:
            if "save" in request.POST:
                step = add_step(dataset, form.cleaned_data, request.user)
                messages.success(request, f"Step {step.processor_uid} added to {dataset.dataset_id}.")
                return HttpResponseRedirect(change_url(dataset))
            preview = preview_with_step(dataset, form.cleaned_data, request.user)
        except ManagementAPIError as error:
            form.add_error(None, str(error))
    title = f"Add a processing step to {dataset.dataset_id}"
    extra = {"form": form, "preview": preview, "rows": preview_rows(preview) if preview else []}
    return render(request, model_admin, dataset, "step.html", title, **extra)


@require_POST
def step_delete_view(request: HttpRequest, model_admin, object_id: str, uid: str) -> HttpResponseRedirect:
    """``POST <id>/steps/<uid>/delete/``: remove a processor or a field specification."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    processor = dataset.processors.filter(processor_uid=uid).first()
    specification = dataset.field_specifications.filter(processor_uid=uid).first()
    if processor is not None:
        processor_delete(processor=processor, user=request.user)
    elif specification is not None:
        field_specification_delete(specification=specification, user=request.user)
    else:
        raise Http404("No such step.")
    messages.success(request, f"Step {uid} removed from {dataset.dataset_id}.")
    return HttpResponseRedirect(change_url(dataset))
