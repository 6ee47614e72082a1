"""Editing a dataset's metadata in the back-office, one template at a time, through the metadata service.

The form is built from the template's field definitions (the same ones the management API validates
against); saving sends only the values that changed to ``metadata_bulk_set``, so the whole form is one
recorded change, and a value the service refuses comes back as an error on the page with nothing written.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from core.errors import ManagementAPIError
from datasets.access.permissions import Actor
from datasets.backoffice.pages import change_url, dataset_or_404
from datasets.metadata_templates.definitions import FieldDefinition, get_template
from datasets.services.history import metadata_snapshot
from datasets.services.metadata import metadata_bulk_set

BOOLEAN_CHOICES = [("", "—"), ("true", "Yes"), ("false", "No")]


def choice_list(field: FieldDefinition) -> list[tuple[str, str]]:
    return [(choice, choice) if isinstance(choice, str) else choice for choice in field.choices or ()]


def form_field(field: FieldDefinition) -> forms.Field:
    """The Django form field for one metadata definition; every one is optional (empty means no value)."""
    common = {"label": field.label, "help_text": field.help_text, "required": False}
    if field.type == "boolean":
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, **common)
    if field.type == "int":
        return forms.IntegerField(**common)
    if field.type == "double":
        return forms.FloatField(**common)
    if field.type == "multitext":
        if field.choices:
            return forms.MultipleChoiceField(choices=choice_list(field), **common)
        common["help_text"] = (field.help_text + " One value per line.").strip()
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if field.choices:
        return forms.ChoiceField(choices=[("", "—"), *choice_list(field)], **common)
    if field.type == "html":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), **common)
    return forms.CharField(**common)


def to_value(field: FieldDefinition, cleaned: Any) -> Any:
    """A form value as the service expects it: ``None`` when empty, lists for multitext, booleans."""
    if cleaned in (None, "", []):
        return None
    if field.type == "boolean":
        return cleaned == "true"
    if field.type == "multitext" and isinstance(cleaned, str):
        return [line.strip() for line in cleaned.splitlines() if line.strip()] or None
    return cleaned


def to_initial(field: FieldDefinition, value: Any) -> Any:
    if value is None:
        return None
    if field.type == "boolean":
        return "true" if value else "false"
    if field.type == "multitext" and not field.choices and isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return value


def metadata_form(template, current: dict[str, Any], data=None) -> forms.Form:
    form = forms.Form(data=data, initial={f.name: to_initial(f, current.get(f.name)) for f in template.fields})
    for field in template.fields:
        form.fields[field.name] = form_field(field)
    return form


def metadata_view(request: HttpRequest, model_admin, object_id: str, template_name: str) -> HttpResponse:
    """``<id>/metadata/<template>/``: the template's values as a form; saving needs ``edit_dataset``."""
    dataset = dataset_or_404(model_admin, request, object_id)
    template = get_template(template_name)
    if template is None:
        raise Http404("No such metadata template.")
    may_edit = "edit_dataset" in Actor(request.user).dataset_permissions(dataset)
    current = metadata_snapshot(dataset).get(template.name, {})
    form = metadata_form(template, current, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("edit_dataset is needed to change the metadata.")
        if form.is_valid():
            items = [
                {"template_name": template.name, "metadata_name": field.name, "value": value}
                for field in template.fields
                if (value := to_value(field, form.cleaned_data.get(field.name))) != current.get(field.name)
            ]
            try:
                if items:
                    metadata_bulk_set(dataset=dataset, items=items, user=request.user)
            except ManagementAPIError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{len(items)} {template.label} value(s) of {dataset.dataset_id} saved.")
                return HttpResponseRedirect(change_url(dataset))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": dataset,
        "title": f"{template.label} of {dataset.dataset_id}",
        "dataset": dataset,
        "template": template,
        "form": form,
        "may_edit": may_edit,
    }
    return TemplateResponse(request, "admin/datasets/dataset/metadata.html", context)
