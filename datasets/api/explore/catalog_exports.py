"""``/catalog/exports`` and ``/catalog/exports/{format}``: the catalog as a file, one row per published dataset.

Decisions:

* The rows are the datasets ``/catalog/datasets`` would list for the same caller, ``where``, ``refine``,
  ``exclude`` and ``order_by`` (see ``datasets.selectors.catalog``); ``limit`` defaults to -1 (every dataset)
  and ``offset`` to 0, without the list's 10,000 window.
* Columns, in this order: ``EXPORT_COLUMNS``. ``select`` keeps some of them, by name and in the order given
  (``default.`` optional), ``*`` all of them. Lists (keyword, theme, features) stay lists in json and jsonl and
  are joined with ``list_separator`` in csv and xlsx. Datetimes are ISO 8601 in the request's ``timezone``
  (xlsx stores them in UTC: spreadsheets have no time zones).
* Formats csv, json, jsonl and xlsx, written by the dataset exports' writers (``datasets.formats.writers``):
  the same csv options (``delimiter``, ``list_separator``, ``quote_all``, ``with_bom``) and the same
  neutralisation of cells a spreadsheet would run as formulas. Other formats of the reference (dcat, rdf,
  rss, atom...) answer 400, as unknown dataset export formats do, and so does any parameter this export ignores.
* Standard catalog documents of every visible published dataset (no catalog query parameters): ``dcat``
  (DCAT-AP, RDF/XML by default, ``?format=turtle`` or ``?format=jsonld``; the same as files ``dcat.rdf``,
  ``dcat.ttl`` and ``dcat.jsonld``; see ``datasets.formats.dcat``),
  ``data.json`` (Project Open Data 1.1), ``rss`` (RSS 2.0) and ``atom`` (Atom 1.0), the feeds of the 20 latest
  publications (see ``datasets.formats.feeds``).
  Their distributions are the dataset export URLs, one per dataset export format.
* Datasets are read through a server-side cursor, batch by batch, and streamed; the first batch is read before
  the response starts, so a failing query is an error answer rather than a cut file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.access.caller import Caller
from datasets.access.errors import bad_parameter
from datasets.api.explore.catalog_params import lang_of
from datasets.api.explore.links import link
from datasets.api.explore.records import integer
from datasets.api.explore.views import ExploreView
from datasets.formats import dcat, feeds
from datasets.formats.exports import FORMATS as DATASET_FORMATS
from datasets.formats.exports import ExportFormat
from datasets.models import Dataset, PublishedVersion
from datasets.odsql import ast, parse_select
from datasets.selectors.catalog import (
    catalog_ordering,
    clause_error,
    features,
    item_text,
    parse_catalog_clause,
    published_modified,
)
from datasets.selectors.catalog_access import dataset_access
from datasets.selectors.catalog_query import timezone_of
from datasets.selectors.public import visible_field_specs
from datasets.selectors.records import readable_count

FORMATS = {name: DATASET_FORMATS[name] for name in ("csv", "json", "jsonl", "xlsx")}
QUERY_PARAMETERS = frozenset(
    {"select", "where", "order_by", "limit", "offset", "refine", "exclude", "lang", "timezone"}
)
BATCH_SIZE = 500
DEFAULT_TEXTS = ("title", "description", "keyword", "theme", "publisher", "license", "language")


@dataclass(frozen=True)
class ExportColumn:
    name: str
    type: str


EXPORT_COLUMNS = (
    ExportColumn("dataset_id", "text"),
    ExportColumn("dataset_uid", "text"),
    *(ExportColumn(name, "text") for name in DEFAULT_TEXTS),
    ExportColumn("modified", "datetime"),
    ExportColumn("records_count", "int"),
    ExportColumn("features", "text"),
    ExportColumn("data_processed", "datetime"),
)
COLUMNS = {column.name: column for column in EXPORT_COLUMNS}


def export_values(dataset: Dataset, tz: ZoneInfo, caller: Caller) -> dict[str, Any]:
    """Every column's value for one dataset, from its published version, as the caller may see it: features of
    the visible fields, the count of the records the caller reads (see ``representations``)."""
    version = cast(PublishedVersion, dataset.current_version)
    default = version.metadata.get("default", {})
    access = dataset_access(caller, dataset)
    count = readable_count(dataset, access)
    return {
        "dataset_id": dataset.dataset_id,
        "dataset_uid": dataset.dataset_uid,
        **{name: default.get(name) for name in DEFAULT_TEXTS},
        "modified": published_modified(version).astimezone(tz),
        "records_count": version.record_count if count is None else count,
        "features": features(visible_field_specs(version, access)),
        "data_processed": version.published_at.astimezone(tz),
    }


def selected_columns(text: str | None) -> list[ExportColumn]:
    """``select``: column names (``default.`` optional) or ``*``; ``ODSQLError`` naming ``select`` otherwise."""
    if not text or not text.strip():
        return list(EXPORT_COLUMNS)
    columns: list[ExportColumn] = []
    for item in parse_catalog_clause(parse_select, text, "select"):
        if isinstance(item, ast.Star):
            columns.extend(EXPORT_COLUMNS)
            continue
        path = item.expression.path if isinstance(item.expression, ast.Field) and item.label is None else ()
        name = path[1] if len(path) == 2 and path[0] == "default" else ".".join(path)
        if name not in COLUMNS:
            known = ", ".join(COLUMNS)
            raise clause_error(f"'{item_text(text, item)}': catalog exports select columns among {known}", "select")
        columns.append(COLUMNS[name])
    return columns


def export_options(request: Request, spec: ExportFormat) -> dict[str, Any]:
    """The writer's keyword arguments; a parameter neither the catalog query nor the format knows is refused."""
    options = {}
    for name in request.query_params:
        if name in spec.options:
            options[name] = spec.options[name](name, request.query_params[name])
        elif name not in QUERY_PARAMETERS:
            known = ", ".join(sorted(QUERY_PARAMETERS | set(spec.options)))
            raise bad_parameter(name, f"not supported by this export; supported parameters are {known}")
    return options


def export_page(request: Request, datasets: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """``limit`` (-1 for all, the default, or at least 1) and ``offset`` (at least 0)."""
    limit, offset = integer(request, "limit", -1), integer(request, "offset", 0)
    if limit == 0 or limit < -1:
        raise bad_parameter("limit", "expected -1 (every dataset) or a positive number")
    if offset < 0:
        raise bad_parameter("offset", "must be >= 0")
    return datasets[offset:] if limit == -1 else datasets[offset : offset + limit]


def row_batches(
    datasets: QuerySet[Dataset], columns: list[ExportColumn], tz: ZoneInfo, caller: Caller
) -> Iterator[list[tuple]]:
    """Rows in batches, read through a server-side cursor; the first batch is read at once (see decisions)."""
    found = datasets.prefetch_related("rulesets").iterator(chunk_size=BATCH_SIZE)

    def row(dataset: Dataset) -> tuple:
        values = export_values(dataset, tz, caller)
        return tuple(values[column.name] for column in columns)

    def rows() -> Iterator[list[tuple]]:
        while batch := list(islice(found, BATCH_SIZE)):
            yield [row(dataset) for dataset in batch]

    batches = rows()
    first = next(batches, None)
    return chain([first] if first else [], batches)


EXPORTS_PATH = "/api/explore/v2.1/catalog/exports"
DCAT_FILES = {"dcat.rdf": "xml", "dcat.ttl": "turtle", "dcat.jsonld": "jsonld"}
STANDARDS = ("dcat", "data.json", "rss", "atom")


def catalog_entry(request: Request, dataset: Dataset) -> dcat.CatalogEntry:
    """What the standard documents say of one dataset, its URLs absolute for this request's host."""
    version = cast(PublishedVersion, dataset.current_version)
    exports = request.build_absolute_uri(f"/api/explore/v2.1/catalog/datasets/{dataset.dataset_id}/exports")
    page = reverse("catalog-dataset", kwargs={"dataset_id": dataset.dataset_id})
    return dcat.CatalogEntry(
        dataset_id=dataset.dataset_id,
        metadata=version.metadata,
        issued=version.published_at,
        modified=published_modified(version),
        landing_page=request.build_absolute_uri(page),
        distributions=tuple(
            # The bare media type: DCAT and POD want ``text/csv``, not the response header's parameters.
            dcat.Distribution(name, spec.content_type.split(";")[0].strip(), f"{exports}/{name}")
            for name, spec in DATASET_FORMATS.items()
        ),
    )


def dcat_serialization(request: Request, export: str) -> str:
    """``dcat`` takes ``?format=`` (RDF/XML by default); ``dcat.rdf``, ``dcat.ttl`` and ``dcat.jsonld`` fix it."""
    if export in DCAT_FILES:
        return DCAT_FILES[export]
    serialization = request.query_params.get("format", "xml")
    if serialization not in dcat.SERIALIZATIONS:
        raise bad_parameter("format", f"'{serialization}'; dcat formats are {', '.join(dcat.SERIALIZATIONS)}")
    return serialization


def standard_export(request: Request, export: str, datasets: QuerySet[Dataset]) -> HttpResponse:
    """``dcat`` (and its files), ``data.json``, ``rss`` or ``atom`` of ``datasets``; parameters other than dcat's
    ``format`` are refused."""
    allowed = {"format"} if export == "dcat" else set()
    for name in request.query_params:
        if name not in allowed:
            raise bad_parameter(name, f"not supported by the {export} export")
    found = datasets.select_related("current_version").order_by("dataset_id")
    entries = [catalog_entry(request, dataset) for dataset in found]
    content: str | bytes
    if export == "data.json":
        document = feeds.data_json(request.build_absolute_uri(f"{EXPORTS_PATH}/data.json"), entries)
        content, content_type = json.dumps(document), "application/json"
    elif export == "rss":
        content = feeds.rss(settings.CATALOG_TITLE, request.build_absolute_uri("/"), entries)
        content_type = "application/rss+xml"
    elif export == "atom":
        self_url = request.build_absolute_uri(f"{EXPORTS_PATH}/atom")
        content = feeds.atom(settings.CATALOG_TITLE, self_url, request.build_absolute_uri("/"), entries, timezone.now())
        content_type = "application/atom+xml"
    else:
        rdf_format, content_type = dcat.SERIALIZATIONS[dcat_serialization(request, export)]
        # One catalog URI whichever serialization is asked for.
        graph = dcat.catalog_graph(
            request.build_absolute_uri(f"{EXPORTS_PATH}/dcat"),
            settings.CATALOG_TITLE,
            entries,
            publisher=settings.CATALOG_PUBLISHER,
            homepage=request.build_absolute_uri("/"),
        )
        content = graph.serialize(format=rdf_format)
    return HttpResponse(content, content_type=f"{content_type}; charset=utf-8")


class CatalogExportsView(ExploreView):
    """``GET /catalog/exports``: one link per format."""

    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri(request.path.rstrip("/"))
        names = [*FORMATS, *STANDARDS]
        return Response({"_links": [link("self", base)] + [link(name, f"{base}/{name}") for name in names]})


class CatalogExportView(ExploreView):
    """``GET /catalog/exports/{format}``: the selected datasets as a streamed file."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file's type comes from the URL: an ``Accept: text/csv`` must not be refused with a 406.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request, export: str) -> StreamingHttpResponse | HttpResponse:
        if export in STANDARDS or export in DCAT_FILES:
            return standard_export(request, export, self.visible())
        if export not in FORMATS:
            known = ", ".join([*FORMATS, *STANDARDS])
            raise bad_parameter("format", f"'{export}'; catalog exports are {known}")
        spec = FORMATS[export]
        options = export_options(request, spec)
        columns = selected_columns(request.query_params.get("select"))
        tz = timezone_of(request)
        lang_of(request)
        datasets = self.catalog(request).order_by(*catalog_ordering(request.query_params.get("order_by")))
        batches = row_batches(export_page(request, datasets), columns, tz, self.caller())
        chunks = spec.writer(
            [column.name for column in columns], [column.type for column in columns], batches, **options
        )
        response = StreamingHttpResponse(chunks, content_type=spec.content_type)
        response["Content-Disposition"] = f'attachment; filename="catalog.{spec.extension}"'
        return response
