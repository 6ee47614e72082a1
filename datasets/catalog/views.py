"""Public catalog pages: the home (search, facets, sort, pages) and one page per dataset with its tabs.

Both read through the one visibility predicate (``datasets.access.visibility``) and the read layer the Explore API
uses too (``datasets.selectors``, ``datasets.store.reading``): a dataset the visitor may not see does not exist
for them (404, like the Explore API); a dataset page shows only the fields and records the visitor's access
reads; without visible data only its information tab exists. The home's cards show the count of records the
visitor reads and the features of the fields it sees, as the Explore catalog answers them (``search.card``): with a
``filter_query`` the published total would tell how many records the visitor does not see. Unknown datasets and
tabs answer the friendly 404 page, rendered by the view (``not_found``) so it shows with ``DEBUG`` on too.

Tabs are path segments (``/explore/dataset/<id>/table/?sort=-year``) so every view is a shareable URL.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe

from datasets.access.caller import caller_of
from datasets.access.errors import ExploreError, QuotaExceeded, malformed_query
from datasets.access.quotas import enforce_quota
from datasets.access.visibility import visible_datasets
from datasets.catalog.failures import friendly_failures
from datasets.catalog.paging import table_page
from datasets.catalog.search import SORTS, HomeQuery, PageError, search_home
from datasets.catalog.table import PAGE_SIZE, TableQuery, facet_links, table_columns, table_facets
from datasets.formats.datapackage import schema_org_dataset
from datasets.formats.exports import FORMATS
from datasets.metadata_templates import TEMPLATES
from datasets.models import Dataset, PublishedVersion
from datasets.odsql import ODSQLError
from datasets.selectors.attachments import published_alternative_exports, published_attachments
from datasets.selectors.catalog import APP_TEMPLATES, features
from datasets.selectors.field_profile import TableProfile
from datasets.selectors.public import public_metas
from datasets.selectors.published import PublishedTable, published_table
from datasets.selectors.records import readable_count

TABS = {
    "information": "Information",
    "table": "Table",
    "map": "Map",
    "analyze": "Analyze",
    "export": "Export",
    "api": "API",
}
API_ROOT = "/api/explore/v2.1/catalog/datasets"
# Metadata the page shows above its templates' lists.
SHOWN_APART = {("default", "title"), ("default", "description")}
# What could end a <script> data block or start markup inside it, as JSON escapes.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@friendly_failures
def catalog_home(request: HttpRequest) -> HttpResponse:
    """The datasets the visitor may see, searched, refined, sorted and paged; facet counts over the selection."""
    context: dict[str, Any] = {"sorts": [(value, label) for value, (label, _) in SORTS.items()]}
    try:
        query = HomeQuery.of(request.GET)
        context["query"] = query
        result = search_home(query, caller_of(request))
    except (PageError, ExploreError, ODSQLError) as error:
        context.setdefault("query", HomeQuery())
        # The way out of a refused filter: the same search without any refinement or exclusion.
        context["clear_url"] = context["query"].url(refine=[], exclude=[])
        return render(request, "catalog/home.html", {**context, "error": message_of(error)}, status=400)
    page = result.page
    context.update(
        result=result,
        page=page,
        facets=result.facets,
        filters=result.filters,
        clear_url=query.url(refine=[], exclude=[]),
        previous_url=query.url(page=page.previous_page_number()) if page.has_previous() else None,
        next_url=query.url(page=page.next_page_number()) if page.has_next() else None,
    )
    return render(request, "catalog/home.html", context)


def message_of(error: Exception) -> str:
    if isinstance(error, PageError):
        return str(error)
    if isinstance(error, ODSQLError):
        return malformed_query(error).message
    return cast(ExploreError, error).message


def legacy_dataset(request: HttpRequest, dataset_id: str) -> HttpResponse:
    """The former address of a dataset page; says nothing about whether the dataset exists."""
    return HttpResponsePermanentRedirect(reverse("catalog-dataset", args=[dataset_id]))


@friendly_failures
def catalog_dataset(request: HttpRequest, dataset_id: str, tab: str = "information") -> HttpResponse:
    """One tab of a dataset page; 404 for unknown or hidden datasets and for tabs the dataset does not offer."""
    caller = caller_of(request)
    published = published_table(visible_datasets(caller), dataset_id, caller)
    if published is None:
        return not_found(request, f"There is no dataset “{dataset_id}” in this catalog, or it is not public.")
    dataset = Dataset.objects.select_related("current_version").get(pk=published.dataset.pk)
    visualization = cast(PublishedVersion, dataset.current_version).metadata.get("visualization", {})
    tabs = offered_tabs(published, visualization)
    if tab not in tabs:
        return not_found(
            request, f"The dataset “{dataset.title}” has no “{tab}” view.", tab_url(dataset_id, "information")
        )
    context = {
        "dataset": dataset,
        "published": published,
        "tab": tab,
        "tab_url": tab_url(dataset_id, tab),
        "tabs": [(name, TABS[name], tab_url(dataset_id, name)) for name in tabs],
        "api_root": f"{API_ROOT}/{quote(dataset_id)}",
        "json_ld": json_ld(request, dataset, published),
    }
    try:
        if tab != "information":
            # Data tabs read records: they count against the visitor's quota on the dataset, as /records does.
            enforce_quota(request, caller, published.dataset, published.access)
        context.update(TAB_CONTEXTS[tab](request, dataset, published, visualization))
    except QuotaExceeded as error:
        message = f"You have used this dataset's quota of {error.limit} views per {error.unit}; try again later."
        response = render(request, "explore/dataset.html", {**context, "error": message}, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except (PageError, ExploreError, ODSQLError) as error:
        status = error.status_code if isinstance(error, ExploreError) else 400
        links = error.links if isinstance(error, PageError) else []
        context |= {"error": message_of(error), "error_links": links}
        return render(request, "explore/dataset.html", context, status=status)
    return render(request, "explore/dataset.html", context)


def not_found(request: HttpRequest, message: str, way_back: str | None = None) -> HttpResponse:
    """The friendly 404 page, rendered here rather than raised: with ``DEBUG`` on, Django would answer a raised
    ``Http404`` with its technical page, which a visitor of a development server should not meet either."""
    context = {"message": message, "way_back": way_back}
    return render(request, "404.html", context, status=404)


def json_ld(request: HttpRequest, dataset: Dataset, published: PublishedTable) -> str:
    """The page's schema.org ``Dataset`` as JSON safe inside a ``<script>`` data block (no ``<``, ``>``, ``&``)."""
    root = request.build_absolute_uri(f"{API_ROOT}/{quote(dataset.dataset_id)}")
    downloads = [(name, f"{root}/exports/{name}") for name in FORMATS] if published.access.data_visible else []
    page = request.build_absolute_uri(reverse("catalog-dataset", args=[dataset.dataset_id]))
    described = schema_org_dataset(public_metas(cast(PublishedVersion, dataset.current_version)), page, downloads)
    text = json.dumps(described, ensure_ascii=False)
    return mark_safe(text.translate(SCRIPT_ESCAPES))  # noqa: S308 -- the only markup characters are escaped


def tab_url(dataset_id: str, tab: str) -> str:
    if tab == "information":
        return reverse("catalog-dataset", args=[dataset_id])
    return reverse("catalog-dataset-tab", args=[dataset_id, tab])


def offered_tabs(published: PublishedTable, visualization: dict[str, Any]) -> list[str]:
    """Information always; data tabs with visible data; the map with a visible geometry; minus the views the
    dataset's ``visualization`` metadata disables."""
    if not published.access.data_visible:
        return ["information"]
    geo = "geo" in features([{"type": item.type} for item in published.fields])
    disabled = {"map"} if visualization.get("map_disabled") or not geo else set()
    if visualization.get("analyze_disabled"):
        disabled.add("analyze")
    return [name for name in TABS if name not in disabled]


def information(request, dataset: Dataset, published: PublishedTable, visualization) -> dict[str, Any]:
    """Metadata by template (as published, in the templates' field order), schema, count, attachments."""
    version = cast(PublishedVersion, dataset.current_version)
    visible = published.access.data_visible
    counted = readable_count(dataset, published.access)  # None: every published record
    count = version.record_count if counted is None else counted
    metas = public_metas(version, records_count=count)
    return {
        "templates": metadata_sections(metas),
        "fields": list(published.fields) if visible else [],
        "records_count": count,
        "last_processed": version.published_at,
        "attachments": published_attachments(request, dataset.dataset_id, version),
    }


def metadata_sections(metas: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"label", "items": [(label, value, type)]}]`` per public template holding values."""
    sections = []
    for name, template in TEMPLATES.items():
        values = metas.get(name)
        if not values or name in APP_TEMPLATES:
            continue
        items = []
        for definition in template.fields:
            value = values.get(definition.name)
            if (name, definition.name) in SHOWN_APART or value in (None, "", []):
                continue
            if definition.type == "datetime":
                value = shown_moment(value)
            items.append({"label": definition.label, "value": value, "type": definition.type})
        if items:
            sections.append({"name": name, "label": template.label, "items": items})
    return sections


def shown_moment(value: Any) -> Any:
    """An ISO 8601 datetime (as ``public_metas`` renders it, UTC) as ``YYYY-MM-DD HH:MM UTC``."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def table_query(request, published: PublishedTable, visualization) -> tuple[list, TableQuery]:
    """The table's columns and the view its query string describes (shared by the data tabs)."""
    columns = table_columns(published, visualization.get("table_fields"))
    names = [column.name for column in columns]
    return columns, TableQuery.of(request.GET, names, visualization.get("table_default_sort_field"))


def table(request, dataset: Dataset, published: PublishedTable, visualization) -> dict[str, Any]:
    columns, query = table_query(request, published, visualization)
    links = view_links(request, dataset, query)
    csv_export = dict(links["exports"])["csv"]
    result = table_page(query, published, columns, csv_export)
    labels = {item.name: item.label for item in published.fields}
    headers = [
        {
            "name": column.name,
            "label": column.label,
            "type": column.type,
            "sort": sort_state(query.sort, column.name),
            "href": query.url(sort="-" + column.name if query.sort == column.name else column.name),
        }
        for column in columns
    ]
    return {
        "query": query,
        "result": result,
        "headers": headers,
        "rows": result.rows,
        "facets": facet_links(table_facets(query, published), query, labels),
        "pager": result.links,
        "csv_export": csv_export,
    } | links


def sort_state(sort: str, name: str) -> str:
    """The ``aria-sort`` of a column header."""
    if sort == name:
        return "ascending"
    if sort == "-" + name:
        return "descending"
    return "none"


def with_query(url: str, params) -> str:
    """``url`` with ``params`` (a QueryDict) as its query string, if any."""
    encoded = params.urlencode()
    return f"{url}?{encoded}" if encoded else url


def view_links(request, dataset: Dataset, query: TableQuery) -> dict[str, Any]:
    """Export and API URLs of the current view (search, refinements and sort applied)."""
    params = query.explore_params()
    root = f"{API_ROOT}/{quote(dataset.dataset_id)}"
    page = params.copy()
    page["limit"] = str(PAGE_SIZE)
    page["offset"] = str((query.page - 1) * PAGE_SIZE)
    facets = query.explore_params()
    facets.pop("order_by", None)
    absolute = request.build_absolute_uri
    return {
        "view_query": query.url(sort=query.sort),
        "exports": [(name, with_query(f"{root}/exports/{name}", params)) for name in FORMATS],
        "api_calls": [
            ("Records of this page", absolute(with_query(f"{root}/records", page))),
            ("Facets", absolute(with_query(f"{root}/facets", facets))),
            ("Dataset", absolute(root)),
            ("Export as CSV", absolute(with_query(f"{root}/exports/csv", params))),
        ],
    }


def filtered_view(request, dataset: Dataset, published: PublishedTable, visualization) -> dict[str, Any]:
    """Export and API tabs: the links of the view the table's query string describes (no rows are read)."""
    _, query = table_query(request, published, visualization)
    alternatives = published_alternative_exports(dataset, published.access)
    return {"query": query, "alternative_exports": alternatives} | view_links(request, dataset, query)


def viz(request, dataset: Dataset, published: PublishedTable, visualization) -> dict[str, Any]:
    """Map and analyze tabs draw in the browser from the Explore API; they get the fields and the view's query."""
    return {"fields": list(published.fields), "visualization": visualization} | filtered_view(
        request, dataset, published, visualization
    )


def analyze(request, dataset: Dataset, published: PublishedTable, visualization) -> dict[str, Any]:
    """The analyze tab, with what its default chart is chosen from: the values the visitor reads (read only when
    the ``visualization`` metadata names no default, and cached)."""
    return viz(request, dataset, published, visualization) | {"profile": TableProfile(published)}


TAB_CONTEXTS = {
    "information": information,
    "table": table,
    "map": viz,
    "analyze": analyze,
    "export": filtered_view,
    "api": filtered_view,
}
