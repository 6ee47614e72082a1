"""``/catalog/datasets/{id}/records`` and ``/records/{record_id}``: ODSQL compiled to SQL, run bounded
(``datasets.store.reading.run_bounded``), totals cached (``datasets.selectors.records``)."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from rest_framework.request import Request
from rest_framework.response import Response

from core.input_guard import MAX_QUERY_INTEGER
from datasets.access.errors import ExploreError, bad_parameter
from datasets.access.quotas import enforce_quota
from datasets.api.explore.catalog_params import flag, lang_of
from datasets.api.explore.errors import unknown_dataset, unknown_record
from datasets.api.explore.links import record_links, records_links
from datasets.api.explore.views import ExploreView
from datasets.odsql.records.facets import refine_exclude_text
from datasets.odsql.records.query import CompiledQuery, RecordsQuery, compile_records_query
from datasets.pipeline.core import Field
from datasets.selectors.published import PublishedTable, published_table
from datasets.selectors.records import cached_count, json_value
from datasets.store.reading import run_bounded


def published_or_404(view: ExploreView, dataset_id: str) -> PublishedTable:
    """The published table of ``dataset_id`` and the caller's access if the caller may see it; the Explore 404
    otherwise. Counts one call of the caller's quota on the dataset."""
    caller = view.caller()
    table = published_table(view.visible(), dataset_id, caller)
    if table is None:
        raise unknown_dataset(dataset_id)
    enforce_quota(view.request, caller, table.dataset, table.access)
    return table


def clause(request: Request, name: str, joiner: str | None = None) -> str | None:
    """One ODSQL clause; several ``where`` parameters are ANDed (reference §4)."""
    values = [value for value in request.query_params.getlist(name) if value.strip()]
    if not values:
        return None
    if joiner is None:
        return values[-1]
    if len(values) == 1:  # as written, so error positions point into the caller's text
        return values[0]
    return joiner.join(f"({value})" for value in values)


def refine_exclude_where(request: Request, fields: list[Field]) -> str | None:
    """The ODSQL condition of the ``refine`` / ``exclude`` parameters (values only as escaped literals)."""
    params = request.query_params
    return refine_exclude_text(params.getlist("refine"), params.getlist("exclude"), fields)


def records_where(request: Request, fields: list[Field]) -> str | None:
    """``where`` parameters ANDed with the refine / exclude filters (``refine`` is not a ``where``, §4)."""
    parts = [text for text in (clause(request, "where", " AND "), refine_exclude_where(request, fields)) if text]
    if len(parts) < 2:  # unchanged without refine / exclude (error positions included)
        return parts[0] if parts else None
    return " AND ".join(f"({text})" for text in parts)


def integer(request: Request, name: str, default: int) -> int:
    """An integer query parameter (``limit``, ``offset``) that PostgreSQL can take (API decision 27)."""
    raw = request.query_params.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise bad_parameter(name, f"expected an integer, got '{raw}'") from None
    if abs(value) > MAX_QUERY_INTEGER:
        raise bad_parameter(name, f"{value} is out of range (at most {MAX_QUERY_INTEGER} either side of 0)")
    return value


def etag_of(request: Request, published: PublishedTable) -> str | None:
    """Answers depend on the published version, the caller's access (its digest) and the query: all three go
    into the ETag, so a caller never gets a 304 for what another caller (or a former ruleset) was shown.

    Except when the query reads the clock (``now()``): its answer changes with time, so it gets no ETag.
    """
    if any("now(" in cast(str, value).lower().replace(" ", "") for value in request.query_params.values()):
        return None
    key = f"{published.version_id}:{published.readable.digest}:{request.get_full_path()}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f'"{digest}"'


def not_modified(request: Request, etag: str | None) -> bool:
    if etag is None:
        return False
    return etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]


def etag_headers(etag: str | None) -> dict[str, str]:
    return {"ETag": etag} if etag else {}


def result_objects(compiled: CompiledQuery, rows: list[tuple]) -> list[dict[str, Any]]:
    """One JSON object per row, keyed by the result columns (a trailing record id is not a column)."""
    names, width = compiled.columns, len(compiled.columns)
    return [{name: json_value(value) for name, value in zip(names, row[:width], strict=True)} for row in rows]


def with_record_links(
    request: Request, dataset_id: str, compiled: CompiledQuery, rows: list[tuple], results: list[dict]
) -> None:
    """Give each record its ``_links`` (``links.record_links``); groups get none."""
    if compiled.grouped:
        return
    for row, result in zip(rows, results, strict=True):
        result["_links"] = record_links(request, dataset_id, row[-1] if compiled.record_ids else None)


def check_links_key(compiled: CompiledQuery) -> None:
    """With ``include_links``, ``_links`` is the records' own key: a result column may not take it (groups have
    no ``_links`` of their own)."""
    if not compiled.grouped and "_links" in compiled.columns:
        raise bad_parameter("include_links", "a result column is named _links; give it another label with AS")


class DatasetRecordsView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/records``: select, where, group_by, order_by, limit, offset."""

    def get(self, request: Request, dataset_id: str) -> Response:
        published = published_or_404(self, dataset_id)
        fields = list(published.fields)
        query = RecordsQuery(
            select=clause(request, "select"),
            where=records_where(request, fields),
            group_by=clause(request, "group_by"),
            order_by=clause(request, "order_by"),
            limit=integer(request, "limit", 10),
            offset=integer(request, "offset", 0),
            timezone=request.query_params.get("timezone"),
            lang=lang_of(request) if "lang" in request.query_params else None,
        )
        etag = etag_of(request, published)
        if not_modified(request, etag):
            return Response(status=304, headers={"ETag": cast(str, etag)})
        table = published.table_name
        linked = flag(request, "include_links")
        compiled = compile_records_query(query, table, fields, access=published.readable, record_ids=linked)
        if linked:
            check_links_key(compiled)
        total = cached_count(table, compiled.count_sql, compiled.count_params)
        rows = compiled.localized(run_bounded(compiled.sql, compiled.params))
        results = result_objects(compiled, rows)
        body = {"total_count": total, "results": results}
        if linked:
            with_record_links(request, dataset_id, compiled, rows, results)
            body["_links"] = records_links(request, dataset_id, total, query.limit, query.offset)
        return Response(body, headers=etag_headers(etag))


class DatasetRecordView(ExploreView):
    """``GET /catalog/datasets/{dataset_id}/records/{record_id}``: ``select``, ``timezone``, ``lang`` (reference §2).

    The record is read by the records compiler (``record_id``, a bound parameter, ANDed with the caller's
    filters), so ``select`` works as on ``/records`` and hidden fields stay unknown. A record outside the caller's
    filters, and any record when the caller may not see ids (``datasets.odsql.records.access``), is a 404.
    """

    def get(self, request: Request, dataset_id: str, record_id: str) -> Response:
        published = published_or_404(self, dataset_id)
        if not published.readable.record_ids:
            raise unknown_record(dataset_id, record_id)
        query = RecordsQuery(
            select=clause(request, "select"),
            limit=1,
            timezone=request.query_params.get("timezone"),
            lang=lang_of(request) if "lang" in request.query_params else None,
        )
        fields = list(published.fields)
        compiled = compile_records_query(
            query, published.table_name, fields, access=published.readable, record_id=record_id
        )
        if compiled.grouped:
            raise ExploreError(400, "ODSQLError", "ODSQL query is malformed: a record's select takes no aggregate")
        rows = compiled.localized(run_bounded(compiled.sql, compiled.params))
        if not rows:
            raise unknown_record(dataset_id, record_id)
        return Response(result_objects(compiled, rows)[0])
