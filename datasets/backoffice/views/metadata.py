"""Editing a dataset's metadata in the back-office, one template at a time, through the metadata service.

The form is built from the template's field definitions (``datasets.backoffice.forms.metadata_form``);
saving sends only the values that changed to ``metadata_bulk_set``, so the whole form is one recorded
change, and a value the service refuses comes back as an error on the page with nothing written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from core.errors import ManagementAPIError
from datasets.access.caller import Caller
from datasets.backoffice.forms import metadata_form, metadata_value
from datasets.backoffice.views.page import change_url, dataset_or_404, render
from datasets.metadata_templates.definitions import get_template
from datasets.services.history import metadata_snapshot
from datasets.services.metadata import metadata_bulk_set


def changed_items(template, form: Form, current: dict[str, Any]) -> list[dict[str, Any]]:
    """The service's items for the values of the (valid) form that differ from ``current``."""
    return [
        {"template_name": template.name, "metadata_name": field.name, "value": value}
        for field in template.fields
        if (value := metadata_value(field, form.cleaned_data.get(field.name))) != current.get(field.name)
    ]


def save(request: HttpRequest, dataset, template, form: Form, current: dict[str, Any]) -> bool:
    """Write the changed values; False (with the service's refusal on the form) when nothing was written."""
    items = changed_items(template, form, current)
    try:
        if items:
            metadata_bulk_set(dataset=dataset, items=items, user=request.user)
    except ManagementAPIError as error:
        form.add_error(None, str(error))
        return False
    count = f"{len(items)} value" if len(items) == 1 else f"{len(items)} values"
    messages.success(request, f"{template.label} of {dataset.dataset_id} saved ({count} changed).")
    return True


def metadata_view(request: HttpRequest, model_admin, object_id: str, template_name: str) -> HttpResponse:
    """``<id>/metadata/<template>/``: the template's values as a form; saving needs ``edit_dataset``."""
    dataset = dataset_or_404(model_admin, request, object_id)
    template = get_template(template_name)
    if template is None:
        raise Http404("No such metadata template.")
    may_edit = "edit_dataset" in Caller(request.user).rights_on(dataset)
    current = metadata_snapshot(dataset).get(template.name, {})
    form = metadata_form(template, current, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("edit_dataset is needed to change the metadata.")
        if form.is_valid() and save(request, dataset, template, form, current):
            return HttpResponseRedirect(change_url(dataset))
    title = f"{template.label} of {dataset.dataset_id}"
    extra = {"template": template, "form": form, "may_edit": may_edit}
    return render(request, model_admin, dataset, "metadata.html", title, **extra)
