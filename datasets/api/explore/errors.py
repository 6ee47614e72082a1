"""The Explore API's error body: ``{"error_code", "message"}`` (API decision 16)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from datasets.odsql import ODSQLError


class ExploreError(Exception):
    """An error answered as ``{"error_code": ..., "message": ...}``."""

    def __init__(self, status_code: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.error_code, self.message = status_code, error_code, message

    def as_dict(self) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message}


class QuotaExceeded(Exception):
    """A ruleset's ``api_calls_quota`` is spent: the reference's 429 body (``errorcode``, not ``error_code``).

    ``reset_time`` is the end of the quota window (UTC); ``retry_after`` the seconds until then.
    """

    def __init__(self, limit: int, unit: str, reset_time: datetime, retry_after: int) -> None:
        super().__init__(f"quota of {limit} calls per {unit} exceeded")
        self.limit, self.unit, self.reset_time, self.retry_after = limit, unit, reset_time, retry_after

    def as_dict(self) -> dict[str, Any]:
        return {
            "errorcode": 10002,
            "reset_time": self.reset_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "limit_time_unit": self.unit,
            "call_limit": self.limit,
            "error": "Too many requests on the domain. Please contact the domain administrator.",
        }


def unknown_dataset(dataset_id: str) -> ExploreError:
    return ExploreError(404, "DatasetNotFound", f"Unknown dataset: {dataset_id}")


def unknown_record(dataset_id: str, record_id: str) -> ExploreError:
    """The 404 of a record the caller cannot read: unknown, outside its filters, or ids not shown to it."""
    return ExploreError(404, "RecordNotFound", f"Unknown record {record_id} in dataset {dataset_id}")


def bad_parameter(name: str, detail: str) -> ExploreError:
    return ExploreError(400, "InvalidRESTParameterError", f"Invalid value for {name}: {detail}")


def as_explore_error(exc: Exception) -> ExploreError | None:
    if isinstance(exc, ExploreError):
        return exc
    if isinstance(exc, ODSQLError):
        return ExploreError(400, "ODSQLError", f"ODSQL query is malformed: {exc.message}")
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
    return Response(error.as_dict(), status=error.status_code)
