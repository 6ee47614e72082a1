"""Public catalog pages."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from datasets.selectors import datasets_in_catalog

PAGE_SIZE = 20


def catalog_home(request: HttpRequest) -> HttpResponse:
    """The catalog's first page: the datasets the visitor may see, a page at a time."""
    paginator = Paginator(datasets_in_catalog(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "catalog/home.html", {"page": page, "total": paginator.count})
