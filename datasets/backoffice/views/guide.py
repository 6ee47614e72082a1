"""The guided new-dataset flow: source → fields → description → access → publish.

Each step is one page that writes through the services of the management API (``dataset_create``,
``resource_add``, the field specification, metadata and security services, ``dataset_publish_request``),
so the guide can do nothing the API refuses, every write is a recorded change, and a refusal comes back on
the page with its message while nothing stored changes. The fields step lives in ``guide_fields``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import CheckboxSelectMultiple
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.text import slugify

from core.errors import ManagementAPIError
from datasets.access.caller import Caller
from datasets.access.permissions import MANAGE_SECURITY
from datasets.backoffice.forms import metadata_form
from datasets.backoffice.guide_forms import AccessForm, SourceForm, described_template, extractor_label
from datasets.backoffice.views.actions import ACTION_PERMISSION
from datasets.backoffice.views.metadata import changed_items
from datasets.backoffice.views.page import dataset_or_404, render, require
from datasets.backoffice.views.resources import guessed_body, stored_upload, url_filename
from datasets.models import Dataset
from datasets.services.datasets import dataset_create
from datasets.services.history import metadata_snapshot
from datasets.services.metadata import metadata_bulk_set
from datasets.services.processing import resource_add
from datasets.services.publishing import dataset_publish_request
from datasets.services.security import access_policy_set

# (URL name suffix, label) of the steps, in order: the pages show where the publisher is.
STEPS = [
    ("source", "Source"),
    ("fields", "Fields"),
    ("describe", "Description"),
    ("access", "Access"),
    ("publish", "Publish"),
]
PURPOSE = "set up this dataset"
MAX_SUGGESTED_ID = 60


def step_url(step: str, dataset: Dataset) -> str:
    return reverse(f"admin:datasets_dataset_guide_{step}", args=[dataset.pk])


def guide_render(request: HttpRequest, model_admin, dataset: Dataset, step: str, title: str, /, **extra: Any):
    """A step's page (``guide/<step>.html``) in the back-office frame, with the steps bar."""
    return render(request, model_admin, dataset, f"guide/{step}.html", title, steps=steps_bar(step), **extra)


def steps_bar(current: str) -> list[dict[str, Any]]:
    return [{"name": name, "label": label, "current": name == current} for name, label in STEPS]


# --- 1. Source ---------------------------------------------------------------------------------


def suggested_id(name: str | None) -> str | None:
    """An identifier from a file or URL name (``Arbres remarquables.csv`` → ``arbres-remarquables``)."""
    stem = slugify(PurePosixPath(name or "").stem)[:MAX_SUGGESTED_ID].strip("-_")
    return stem or None


def create_with_source(request: HttpRequest, form: SourceForm) -> Dataset:
    """The new dataset and its first resource, in one transaction: a refused source leaves no dataset."""
    data, user = form.cleaned_data, cast(User, request.user)
    given = data["dataset_id"].strip()
    upload, url = data["file"], data["url"].strip()
    name = upload.name if upload else url_filename(url)
    with transaction.atomic():
        dataset = dataset_create(owner=user, dataset_id=given or suggested_id(name), strict=bool(given))
        with stored_upload(request, upload) as file:
            source, filename = (file.url, file.filename) if file is not None else (url, name)
            body = guessed_body(source, filename, "", (filename or "")[:255])
            resource_add(dataset=dataset, body=body, user=user)
    return dataset


def source_view(request: HttpRequest, model_admin) -> HttpResponse:
    """``new/``: step 1, a file or a URL; the dataset is created with it and the fields step follows."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied("create_dataset is needed to create a dataset.")
    posted = request.method == "POST"
    form = SourceForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            dataset = create_with_source(request, form)
        except ManagementAPIError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Dataset {dataset.dataset_id} created: check how its data is read.")
            return HttpResponseRedirect(step_url("fields", dataset))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "New dataset",
        "form": form,
        "steps": steps_bar("source"),
    }
    return TemplateResponse(request, "admin/datasets/dataset/guide/source.html", context)


# --- 3. Description ----------------------------------------------------------------------------


def describe_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/guide/describe/``: title (required here), description, keywords, themes and licence."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    template = described_template()
    current = metadata_snapshot(dataset).get(template.name, {})
    form = metadata_form(template, current, request.POST if request.method == "POST" else None)
    form.fields["title"].required = True
    # A dozen themes read better as boxes to tick than as a list to ctrl-click.
    themes = form.fields["theme"]
    themes.widget = CheckboxSelectMultiple(choices=getattr(themes, "choices", ()))
    if not current.get("title"):
        form.initial["title"] = dataset.dataset_id.replace("-", " ").replace("_", " ").capitalize()
    if request.method == "POST" and form.is_valid():
        try:
            items = changed_items(template, form, current)
            if items:
                metadata_bulk_set(dataset=dataset, items=items, user=request.user)
        except ManagementAPIError as error:
            form.add_error(None, str(error))
        else:
            return HttpResponseRedirect(step_url("access", dataset))
    title = f"Describe {dataset.dataset_id}"
    return guide_render(request, model_admin, dataset, "describe", title, form=form)


# --- 4. Access ---------------------------------------------------------------------------------


def access_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/guide/access/``: the access policy, for a publisher who may manage security (else shown)."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    may_manage = Caller(request.user).rights_on(dataset) >= set(MANAGE_SECURITY)
    form = AccessForm(request.POST if request.method == "POST" else None, initial={"visibility": dataset.visibility})
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("edit_dataset and manage_dataset are needed to change the access policy.")
        if form.is_valid():
            try:
                access_policy_set(dataset=dataset, policy=form.cleaned_data["visibility"], user=request.user)
            except ManagementAPIError as error:
                form.add_error(None, str(error))
            else:
                return HttpResponseRedirect(step_url("publish", dataset))
    title = f"Who may see {dataset.dataset_id}"
    return guide_render(request, model_admin, dataset, "access", title, form=form, may_manage=may_manage)


# --- 5. Publish --------------------------------------------------------------------------------


def publish_view(request: HttpRequest, model_admin, object_id: str) -> HttpResponse:
    """``<id>/guide/publish/``: a summary, then the publish job; its progress shows on the dataset page."""
    dataset = dataset_or_404(model_admin, request, object_id)
    require(request, dataset, "edit_dataset", PURPOSE)
    may_publish = ACTION_PERMISSION in Caller(request.user).rights_on(dataset)
    error = None
    if request.method == "POST":
        require(request, dataset, ACTION_PERMISSION, "publish this dataset")
        try:
            job = dataset_publish_request(dataset=dataset, user=request.user)
        except ManagementAPIError as failure:
            error = str(failure)
        else:
            messages.success(request, f"Publishing {dataset.dataset_id} queued as job {job.job_uid}.")
            return HttpResponseRedirect(reverse("admin:datasets_dataset_change", args=[dataset.pk]))
    metas = metadata_snapshot(dataset).get("default", {})
    extra = {
        "may_publish": may_publish,
        "error": error,
        "metas": metas,
        "resources": [
            (resource, extractor_label(resource.type)) for resource in dataset.resources.order_by("position")
        ],
        "specifications": dataset.field_specifications.count(),
        "processors": dataset.processors.count(),
    }
    return guide_render(request, model_admin, dataset, "publish", f"Publish {dataset.dataset_id}", **extra)
