"""Publishing actions in the back-office: publish, unpublish and abort, from a dataset's page or in bulk.

Each goes through the publishing services (as the management API's actions do) and needs
``publish_dataset``; a refused precondition (a dataset already queued, nothing to abort) comes back as an
error message on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.views.decorators.http import require_POST

from core.errors import ManagementAPIError
from datasets.access.caller import Caller
from datasets.backoffice.views.page import change_url, dataset_or_404, require
from datasets.models import Dataset
from datasets.services.publishing import dataset_abort_request, dataset_publish_request, dataset_unpublish_request


def publish(dataset: Dataset, user) -> str:
    job = dataset_publish_request(dataset=dataset, user=user)
    return f"Publishing {dataset.dataset_id} queued as job {job.job_uid}."


def unpublish(dataset: Dataset, user) -> str:
    job = dataset_unpublish_request(dataset=dataset, user=user)
    return f"Unpublishing {dataset.dataset_id} queued as job {job.job_uid}."


def abort(dataset: Dataset, user) -> str:
    dataset_abort_request(dataset=dataset, user=user)
    return f"Processing of {dataset.dataset_id} is being aborted."


# The buttons' values (``name="action"``) and the service each one calls; all need ``publish_dataset``.
ACTIONS: dict[str, Callable[[Dataset, Any], str]] = {"publish": publish, "unpublish": unpublish, "abort": abort}
ACTION_PERMISSION = "publish_dataset"


def run_action(request: HttpRequest, dataset: Dataset, action: str) -> bool:
    """Run one action through its service, reporting the outcome as a message; True when it was done."""
    if ACTION_PERMISSION not in Caller(request.user).rights_on(dataset):
        messages.error(request, f"{dataset.dataset_id}: you may not {action} this dataset.")
        return False
    try:
        text = ACTIONS[action](dataset, request.user)
    except ManagementAPIError as error:
        messages.error(request, f"{dataset.dataset_id}: {error}")
        return False
    messages.success(request, text)
    return True


def run_bulk(request: HttpRequest, datasets: Iterable[Dataset], action: str) -> None:
    """A bulk action: each dataset on its own, so one refusal does not stop the others."""
    for dataset in datasets:
        run_action(request, dataset, action)


@require_POST
def action_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponseRedirect:
    """``POST <id>/action/`` with ``action`` = publish, unpublish or abort (the change page's buttons)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, f"Unknown action {action!r}.")
    else:
        require(request, dataset, ACTION_PERMISSION, f"{action} this dataset")
        run_action(request, dataset, action)
    return HttpResponseRedirect(change_url(dataset))
