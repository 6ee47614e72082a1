"""HATEOAS ``_links`` (``include_links=true``): lists of ``{"rel", "href"}`` with absolute URLs.

Relations (reference §5.1): a page has ``self``, ``first``, ``last`` and, when more rows follow inside the
paging window, ``next``; a dataset object has ``self`` and ``catalog``; a records page also links its
``dataset``. Page links keep every parameter of the request and change only ``offset`` (and ``limit``), so
following ``next`` repeats the same query; ``last`` is the last page the window (offset + limit <= 10,000)
can reach.

Each record of a records page (not a group) has its own ``_links``: ``self``, its
``/records/{record_id}`` (when the caller may see record ids, ``datasets.odsql.records.access``), and ``dataset``. The
``self`` link keeps the request's ``select``, ``timezone`` and ``lang`` (what the record endpoint takes), so
following it answers the same object; no other parameter travels (an ``apikey`` never does).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from rest_framework.request import Request

from datasets.api.explore.catalog_params import flag

MAX_WINDOW = 10_000
RECORD_PARAMETERS = ("select", "timezone", "lang")  # what ``/records/{record_id}`` takes (reference §2)


def link(rel: str, href: str) -> dict[str, str]:
    return {"rel": rel, "href": href}


def page_href(request: Request, offset: int, limit: int) -> str:
    params = request.query_params.copy()
    params["offset"], params["limit"] = str(offset), str(limit)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def page_links(request: Request, total: int, limit: int, offset: int, max_window: int = MAX_WINDOW) -> list[dict]:
    """``self``, ``first``, ``last`` and ``next`` of a page of ``limit`` rows at ``offset`` among ``total``."""
    reachable = max(0, max_window - limit)
    last = min(max(0, (total - 1) // limit * limit), reachable)
    links = [
        link("self", request.build_absolute_uri()),
        link("first", page_href(request, 0, limit)),
        link("last", page_href(request, last, limit)),
    ]
    if offset + limit < total and offset + limit <= reachable:
        links.append(link("next", page_href(request, offset + limit, limit)))
    return links


def catalog_href(request: Request) -> str:
    return request.build_absolute_uri(reverse("explore:catalog-datasets"))


def dataset_href(request: Request, dataset_id: str) -> str:
    return request.build_absolute_uri(reverse("explore:catalog-dataset", kwargs={"dataset_id": dataset_id}))


def dataset_links(request: Request, dataset_id: str) -> list[dict]:
    return [link("self", dataset_href(request, dataset_id)), link("catalog", catalog_href(request))]


def records_links(request: Request, dataset_id: str, total: int, limit: int, offset: int) -> list[dict] | None:
    """The ``_links`` of a records page, or None without ``include_links=true``."""
    if not flag(request, "include_links"):
        return None
    return [*page_links(request, total, limit, offset), link("dataset", dataset_href(request, dataset_id))]


def record_href(request: Request, dataset_id: str, record_id: str) -> str:
    """``/records/{record_id}`` of ``dataset_id``, with the request's ``select``, ``timezone`` and ``lang``."""
    path = reverse("explore:record", kwargs={"dataset_id": dataset_id, "record_id": record_id})
    params = request.query_params
    given = {name: [value for value in params.getlist(name) if value.strip()] for name in RECORD_PARAMETERS}
    kept = [(name, values[-1]) for name, values in given.items() if values]  # the one the records query read
    return request.build_absolute_uri(f"{path}?{urlencode(kept)}" if kept else path)


def record_links(request: Request, dataset_id: str, record_id: str | None) -> list[dict]:
    """The ``_links`` of one record: ``self`` when its id may be shown (``record_id`` not None), ``dataset``."""
    links = [link("self", record_href(request, dataset_id, record_id))] if record_id is not None else []
    return [*links, link("dataset", dataset_href(request, dataset_id))]
