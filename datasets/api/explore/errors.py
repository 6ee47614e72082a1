"""The Explore API's error body: ``{"error_code", "message"}`` (API decision 16)."""

from __future__ import annotations

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


def unknown_dataset(dataset_id: str) -> ExploreError:
    return ExploreError(404, "DatasetNotFound", f"Unknown dataset: {dataset_id}")


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
    error = as_explore_error(exc)
    if error is None:
        return None
    return Response(error.as_dict(), status=error.status_code)
