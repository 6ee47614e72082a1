"""Public catalog pages: the list of datasets and one page per dataset.

Both ask the one visibility predicate (``datasets.security``): a dataset the visitor may not see does not
exist for them (404, like the Explore API), and a dataset page lists only the fields the visitor's ruleset
shows — none when its data is not visible. The page shows no record count: with a ``filter_query`` the
published total would tell how many records the visitor does not see.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from datasets.models import Dataset
from datasets.security import Caller, DataAccess, data_access, visible_datasets

PAGE_SIZE = 20


def catalog_home(request: HttpRequest) -> HttpResponse:
    """The catalog's first page: the datasets the visitor may see, a page at a time."""
    paginator = Paginator(visible_datasets(Caller(request.user)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "catalog/home.html", {"page": page, "total": paginator.count})


def catalog_dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """One dataset as the visitor may see it: metadata, and the fields their access shows."""
    caller = Caller(request.user)
    dataset = visible_datasets(caller).filter(dataset_id=dataset_id).prefetch_related("rulesets").first()
    access = data_access(caller, dataset) if dataset is not None else None
    if dataset is None or access is None:
        raise Http404("No such dataset")
    context = {"dataset": dataset, "data_visible": access.data_visible, "fields": shown_fields(dataset, access)}
    return render(request, "catalog/dataset.html", context)


def shown_fields(dataset: Dataset, access: DataAccess) -> list[dict[str, Any]]:
    """The published fields ``access`` shows, in publishing order."""
    if not access.data_visible:
        return []
    return [field for field in dataset.current_version.fields if access.shows_field(field["name"])]
