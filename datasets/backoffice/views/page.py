"""What every back-office page of a dataset shares: the scoped lookup, the rights check, the page's frame."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from datasets.access.caller import Caller
from datasets.models import Dataset


def dataset_or_404(model_admin, request: HttpRequest, object_id: str) -> Dataset:
    """The dataset if the staff user may see it in the back-office (the admin's scoped queryset)."""
    dataset = model_admin.get_queryset(request).filter(pk=object_id).first() if object_id.isdigit() else None
    if dataset is None:
        raise Http404("No such dataset.")
    return dataset


def require(request: HttpRequest, dataset: Dataset, permission: str, purpose: str) -> None:
    """A 403 unless the user holds ``permission`` on ``dataset``; ``purpose`` ends the message."""
    if permission not in Caller(request.user).rights_on(dataset):
        raise PermissionDenied(f"{permission} is needed to {purpose}.")


def change_url(dataset: Dataset) -> str:
    return reverse("admin:datasets_dataset_change", args=[dataset.pk])


def render(request: HttpRequest, model_admin, dataset: Dataset, page: str, title: str, /, **extra: Any):
    """``admin/datasets/dataset/<page>`` in the admin's frame (site header, breadcrumbs to ``dataset``) with
    ``extra`` in its context (positional parameters: a page's context may hold a ``template``)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": dataset,
        "title": title,
        "dataset": dataset,
        **extra,
    }
    return TemplateResponse(request, f"admin/datasets/dataset/{page}", context)
