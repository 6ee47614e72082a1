"""Step 2 of the guided flow: how the first resource is read, and what each field becomes.

The page shows the extractor and its parameters as the platform guessed them (a form: changing one goes
through ``resource_update``), then one row per field with what inference saw (type, decimal mark, date
order, null markers, counter-examples, the values the field would lose) and inputs for its name, label
and type. Changes become field specifications (``rename``, ``type``) through the API's services, all in
one transaction: one refused change (a name already taken, say) leaves every specification as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from core.errors import ManagementAPIError
from datasets.backoffice.guide_forms import FieldRowForm, FormatForm, extractor_label, field_forms
from datasets.backoffice.views.guide import PURPOSE, guide_render, step_url
from datasets.backoffice.views.page import dataset_or_404, require
from datasets.backoffice.views.preview import preview_rows
from datasets.models import Dataset, FieldSpecification, Resource
from datasets.pipeline.core import Field
from datasets.pipeline.processors import guess_processor_params
from datasets.pipeline.processors.guess import best_first
from datasets.services.preview import resource_preview
from datasets.services.processing import field_specification_add, field_specification_update, resource_update

# The step form's query choosing the processor that makes a map point (``views.pipeline``).
GEOPOINT_STEP = "step=processor:create_geopoint&next=guide"


class FieldChangeRefused(Exception):
    """A service refused one field's change; the refusal is already on that field's row form."""


def type_specification(dataset: Dataset, field: str) -> FieldSpecification | None:
    """The dataset's last ``type`` specification of ``field``, if any (changed in place rather than stacked)."""
    specs = dataset.field_specifications.filter(name="type").order_by("-position", "-id")
    return next((spec for spec in specs if isinstance(spec.args, dict) and spec.args.get("field") == field), None)


def field_changes(dataset: Dataset, field: dict[str, Any], form: FieldRowForm, user: User) -> int:
    """Write what ``form`` changes about ``field`` (a previewed field); the number of changes written."""
    wanted, written = form.cleaned_data, 0
    if wanted["type"] != field["type"]:
        body = {"name": "type", "args": {"field": field["name"], "type": wanted["type"]}}
        existing = type_specification(dataset, field["name"])
        if existing is not None:
            field_specification_update(specification=existing, body=body, user=user)
        else:
            field_specification_add(dataset=dataset, body=body, user=user)
        written += 1
    label = wanted["label"] or field["label"]
    if wanted["name"] != field["name"] or label != field["label"]:
        args = {"from_name": field["name"], "to_name": wanted["name"], "label": label}
        field_specification_add(dataset=dataset, body={"name": "rename", "args": args}, user=user)
        written += 1
    return written


@transaction.atomic
def apply_field_changes(dataset: Dataset, fields: list[dict[str, Any]], forms: list[FieldRowForm], user: User) -> int:
    """Every row's changes, or none of them: a refusal is put on its row and rolls the others back."""
    written = 0
    for field, form in zip(fields, forms, strict=True):
        try:
            written += field_changes(dataset, field, form, user)
        except ManagementAPIError as error:
            form.add_error(None, f"{field['name']}: {error}")
            raise FieldChangeRefused from error
    return written


def apply_format(resource: Resource, form: FormatForm, user: User) -> bool:
    """Save the resource with the form's parameters; False (the refusal on the form) when refused."""
    body = {"url": resource.url, "type": resource.type, "title": resource.title, "params": form.params(resource.params)}
    try:
        resource_update(resource=resource, body=body, user=user)
    except ManagementAPIError as error:
        resource.refresh_from_db()
        form.add_error(None, str(error))
        return False
    return True


def previewed(dataset: Dataset, resource: Resource) -> tuple[dict[str, Any] | None, str | None]:
    """The resource's preview through the dataset's pipeline, or why it cannot be read."""
    spec = {"url": resource.url, "type": resource.type, "params": resource.params}
    try:
        return resource_preview(dataset=dataset, resource=spec, resource_uid=resource.resource_uid), None
    except ManagementAPIError as error:
        return None, str(error)


def samples(preview: dict[str, Any], limit: int = 3) -> dict[str, list[Any]]:
    """The first few non-empty values of each field in the preview, to show next to its inputs."""
    found: dict[str, list[Any]] = {field["name"]: [] for field in preview["fields"]}
    for record in preview["records"]:
        for name, values in found.items():
            if record.get(name) not in (None, "") and len(values) < limit:
                values.append(record[name])
    return found


@dataclass
class FieldRow:
    """One line of the table of fields: the previewed field, its inputs, and what to show beside them."""

    field: dict[str, Any]
    form: FieldRowForm
    first_values: list[Any]
    # Values that kept a narrower type away, once each; values the field's type cannot read (lost).
    counter_examples: list[dict[str, Any]]
    lost: list[dict[str, Any]]


def distinct_examples(examples: list[dict[str, Any]], limit: int = 3) -> list[dict[str, Any]]:
    """Counter-examples once per (row, value): inference keeps them per rejected type, so they repeat."""
    seen: dict[tuple[Any, Any], dict[str, Any]] = {}
    for example in examples:
        seen.setdefault((example["row"], example["value"]), example)
    return list(seen.values())[:limit]


def lost_values(preview: dict[str, Any], name: str, limit: int = 3) -> list[dict[str, Any]]:
    """The first raw values of ``name`` the preview could not convert, with their rows."""
    lost = [
        {"row": error["row"], "value": error["raw_params"]["value"]}
        for error in preview.get("record_errors", ())
        if error.get("field_uid") == name and "value" in (error.get("raw_params") or {})
    ]
    return lost[:limit]


def field_rows(preview: dict[str, Any] | None, forms: list[FieldRowForm]) -> list[FieldRow]:
    """The table of fields: one row per previewed field with its form."""
    if preview is None:
        return []
    first = samples(preview)
    return [
        FieldRow(
            field=field,
            form=form,
            first_values=first[field["name"]],
            counter_examples=distinct_examples(field["inference"]["counter_examples"]),
            lost=lost_values(preview, field["name"]),
        )
        for field, form in zip(preview["fields"], forms, strict=True)
    ]


def coordinates_suggestion(dataset: Dataset, preview: dict[str, Any] | None) -> dict[str, str] | None:
    """A latitude and a longitude field found in the preview, while no processor makes a map point yet:
    the page offers the ``create_geopoint`` processor, its form filled with them."""
    if preview is None or dataset.processors.filter(name="create_geopoint").exists():
        return None
    fields = [Field.from_dict(field) for field in preview["fields"]]
    guesses = guess_processor_params("create_geopoint", fields, preview["records"])
    latitude, longitude = guesses.get("latitude_field"), guesses.get("longitude_field")
    if not latitude or not longitude:
        return None
    url = reverse("admin:datasets_dataset_step", args=[dataset.pk])
    found = {
        "latitude": best_first("latitude_field", list(latitude)),
        "longitude": best_first("longitude_field", list(longitude)),
    }
    return {"latitude": found["latitude"][0], "longitude": found["longitude"][0], "url": f"{url}?{GEOPOINT_STEP}"}


def fields_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/guide/fields/``: the format (``apply_format``), then the fields (``apply_fields`` or ``next``)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    user = cast(User, request.user)
    resource = dataset.resources.order_by("position", "id").first()
    if resource is None:
        messages.warning(request, "The dataset has no resource yet: add one to see its fields.")
        return HttpResponseRedirect(reverse("admin:datasets_dataset_upload", args=[dataset.pk]))
    posted = request.POST if request.method == "POST" else None
    format_form = FormatForm(resource.type, resource.params, posted if "apply_format" in request.POST else None)
    if format_form.is_bound and format_form.is_valid() and apply_format(resource, format_form, user):
        messages.success(request, "The format is saved; the preview below reads the file with it.")
        return HttpResponseRedirect(step_url("fields", dataset))
    preview, error = previewed(dataset, resource)
    fields = preview["fields"] if preview else []
    wants_fields = "apply_fields" in request.POST or "next" in request.POST
    forms = field_forms(fields, posted if wants_fields else None)
    if wants_fields and all(form.is_valid() for form in forms):
        try:
            written = apply_field_changes(dataset, fields, forms, user)
        except FieldChangeRefused:
            pass
        else:
            if "next" in request.POST:
                return HttpResponseRedirect(step_url("describe", dataset))
            applied = f"{written} change applied" if written == 1 else f"{written} changes applied"
            messages.success(request, f"{applied}: the preview shows the effect.")
            return HttpResponseRedirect(step_url("fields", dataset))
    extra = {
        "resource": resource,
        "extractor_label": extractor_label(resource.type),
        "format_form": format_form,
        "preview": preview,
        "error": error,
        "rows": preview_rows(preview) if preview else [],
        "field_rows": field_rows(preview, forms),
        "coordinates": coordinates_suggestion(dataset, preview),
    }
    return guide_render(request, model_admin, dataset, "fields", f"The fields of {dataset.dataset_id}", **extra)
