"""A dataset's configuration history in the back-office: each change's diff as a table, and restoring the
state before a change (a new change, through the same service and with the same rights as the API's)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.errors import ManagementAPIError
from datasets.access.caller import Caller
from datasets.access.permissions import MANAGE_SECURITY
from datasets.backoffice.views.page import dataset_or_404, render
from datasets.models import Change, Dataset
from datasets.services import change_restore
from datasets.services.history import states_before


def diff_rows(change: Change) -> list[dict[str, str]]:
    """One row per changed leaf: section, path (``a › b``), operation, old and new values as readable text."""
    rows = []
    for section, entries in sorted(change.diff.items()):
        for entry in entries:
            rows.append(
                {
                    "section": section,
                    "path": " › ".join(str(part) for part in entry["path"]) or "(whole section)",
                    "operation": entry["operation_type"],
                    "old": readable(entry.get("old_value")),
                    "new": readable(entry.get("new_value")),
                }
            )
    return rows


def readable(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def may_restore(actor: Caller, dataset: Dataset, change: Change) -> bool:
    """As the API's restore_change: ``edit_dataset``, and the security rights when rulesets come back."""
    held = actor.rights_on(dataset)
    if "edit_dataset" not in held:
        return False
    return "security" not in states_before(change) or held >= set(MANAGE_SECURITY)


def changes_view(request: HttpRequest, model_admin, object_id: str) -> TemplateResponse:
    """``<id>/changes/``: the configuration history, newest first, each diff as a table, with restore buttons."""
    dataset = dataset_or_404(model_admin, request, object_id)
    actor = Caller(request.user)
    changes = [
        {"change": change, "rows": diff_rows(change), "may_restore": may_restore(actor, dataset, change)}
        for change in Change.objects.filter(dataset=dataset).select_related("user")
    ]
    return render(request, model_admin, dataset, "changes.html", f"Changes of {dataset.dataset_id}", changes=changes)


@require_POST
def restore_view(request: HttpRequest, model_admin, object_id: str, change_uid: str) -> HttpResponseRedirect:
    """``POST <id>/changes/<change_uid>/restore/``: back to the state before that change (a new change)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    change = Change.objects.filter(dataset=dataset, change_uid=change_uid).first()
    if change is None:
        raise Http404("No such change.")
    if not may_restore(Caller(request.user), dataset, change):
        raise PermissionDenied("You may not restore this change.")
    try:
        change_restore(dataset=dataset, change=change, user=request.user)
    except ManagementAPIError as error:
        messages.error(request, f"Could not restore {change_uid}: {error}")
    else:
        messages.success(request, f"{dataset.dataset_id} is back to its state before {change_uid}.")
    return HttpResponseRedirect(reverse("admin:datasets_dataset_changes", args=[dataset.pk]))
