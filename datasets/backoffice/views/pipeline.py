"""Processors and field specifications in the back-office: pick one, fill its arguments, try it, add it.

The page is generated from the catalogues (``datasets.backoffice.step_forms``): the step select is sent by
GET (``?step=processor:create_geopoint``), which shows one input per argument of the chosen step, filled
where the data allow a guess. "Preview" runs the processing services inside a transaction that is rolled
back: the step is added exactly as "Add" would add it (same validation), the first resource is previewed
through the dataset's whole pipeline, and nothing stays. "Add" keeps it (a recorded change). Removing a step
goes through the delete services too. All of it needs ``edit_dataset``, as in the management API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ManagementAPIError
from datasets.backoffice.step_forms import PROCESSOR, STEPS, ArgumentsForm, Step, StepChoiceForm
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
from datasets.services.step_inputs import step_inputs

PURPOSE = "change the processing"
NO_RESOURCE = "The dataset has no resource to preview: add one first, or add the step without a preview."


def add_step(dataset: Dataset, step: Step, form: ArgumentsForm, user) -> Any:
    """Add the form's step through its service (validated there, recorded as a change)."""
    if step.kind == PROCESSOR:
        body = {"name": step.name, "label": form.cleaned_data["label"], "args": form.args()}
        return processor_add(dataset=dataset, body=body, user=user)
    return field_specification_add(dataset=dataset, body={"name": step.name, "args": form.args()}, user=user)


def preview_with_step(dataset: Dataset, step: Step, form: ArgumentsForm, user) -> dict[str, Any] | None:
    """The first resource's preview as if the step were added (None without a resource); the addition is
    rolled back."""
    resource = dataset.resources.order_by("position", "id").first()
    if resource is None:
        return None
    spec = {"url": resource.url, "type": resource.type, "params": resource.params}
    with transaction.atomic():
        add_step(dataset, step, form, user)
        shown = resource_preview(dataset=dataset, resource=spec, resource_uid=resource.resource_uid)
        transaction.set_rollback(True)
    return shown


def chosen_step(request: HttpRequest) -> tuple[StepChoiceForm, Step | None]:
    """The step select, bound to the request's ``step`` when it has one, and the step it names if known."""
    data = request.POST if request.method == "POST" else request.GET
    chooser = StepChoiceForm(data if "step" in data else None)
    return chooser, chooser.chosen() if chooser.is_bound else None


def back_url(request: HttpRequest, dataset: Dataset) -> str:
    """Where "Add" leads: back to the guided flow's fields step when it sent the publisher here
    (``?next=guide``), else the dataset's page. A fixed choice, never a URL from the request."""
    if request.GET.get("next") == "guide":
        return reverse("admin:datasets_dataset_guide_fields", args=[dataset.pk])
    return change_url(dataset)


def step_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/steps/add/``: choose a step (GET ``?step=``), then preview it ("preview") or add it ("save")."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    chooser, step = chosen_step(request)
    form, inputs, preview = None, None, None
    if step is not None:
        inputs = step_inputs(dataset, processor=step.name if step.kind == PROCESSOR else None)
        form = ArgumentsForm(step, inputs, request.POST if request.method == "POST" else None)
    if form is not None and step is not None and form.is_bound and form.is_valid():
        try:
            if "save" in request.POST:
                added = add_step(dataset, step, form, request.user)
                messages.success(request, f"Step {added.processor_uid} added to {dataset.dataset_id}.")
                return HttpResponseRedirect(back_url(request, dataset))
            preview = preview_with_step(dataset, step, form, request.user)
            if preview is None:
                form.add_error(None, NO_RESOURCE)
        except ManagementAPIError as error:
            form.attach(error)
    title = f"Add a processing step to {dataset.dataset_id}"
    extra = {
        "chooser": chooser,
        "step": step,
        "steps": list(STEPS.values()),
        "form": form,
        "inputs": inputs,
        "preview": preview,
        "rows": preview_rows(preview) if preview else [],
        "from_guide": request.GET.get("next") == "guide",
    }
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
