"""The Explore API's error body: ``{"error_code", "message"}`` (API decision 16).

The refusals the read layer shares with the catalog pages (``ExploreError``, ``QuotaExceeded``) are in
``datasets.access.errors``; this module names the API's own 404s and answers every error in the API's shape.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from datasets.access.errors import ExploreError, QuotaExceeded, malformed_query
from datasets.odsql import ODSQLError


def unknown_dataset(dataset_id: str) -> ExploreError:
    return ExploreError(404, "DatasetNotFound", f"Unknown dataset: {dataset_id}")


def unknown_record(dataset_id: str, record_id: str) -> ExploreError:
    """The 404 of a record the caller cannot read: unknown, outside its filters, or ids not shown to it."""
    return ExploreError(404, "RecordNotFound", f"Unknown record {record_id} in dataset {dataset_id}")


def as_explore_error(exc: Exception) -> ExploreError | None:
    if isinstance(exc, ExploreError):
        return exc
    if isinstance(exc, ODSQLError):
        return malformed_query(exc)
    if isinstance(exc, Http404 | drf_exceptions.NotFound):
        return ExploreError(404, "NotFound", "Not found")
    if isinstance(exc, drf_exceptions.Throttled):
        return ExploreError(429, "TooManyRequests", "Too many requests; retry later")
    if isinstance(exc, drf_exceptions.APIException):
        return ExploreError(exc.status_code, type(exc).__name__, str(exc.detail))
    return None


def explore_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Known errors in the Explore shape; anything else stays a 500 (logged by Django)."""
    if isinstance(exc, QuotaExceeded):
        return Response(exc.as_dict(), status=429, headers={"Retry-After": str(exc.retry_after)})
    error = as_explore_error(exc)
    if error is None:
        return None
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after is not None else None
    return Response(error.as_dict(), status=error.status_code, headers=headers)
