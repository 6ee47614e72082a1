"""Why a public read is refused, shared by the Explore API and the catalog pages.

These are the conditions, raised by the read layer (``datasets.store.reading``, ``datasets.selectors``) and by
the quota check. The Explore API answers them in its shapes (``datasets.api.explore.errors``: the reference's
``{"error_code", "message"}``, and its 429 body for a quota); the catalog pages show their message on the page
with the same status.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datasets.odsql import ODSQLError


class ExploreError(Exception):
    """A refused read: its HTTP status, the Explore ``error_code`` and the message shown to the caller."""

    def __init__(self, status_code: int, error_code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status_code, self.error_code, self.message = status_code, error_code, message
        self.retry_after = retry_after  # seconds, sent as ``Retry-After`` when set (a busy server's 503)

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


def bad_parameter(name: str, detail: str) -> ExploreError:
    return ExploreError(400, "InvalidRESTParameterError", f"Invalid value for {name}: {detail}")


def malformed_query(error: ODSQLError) -> ExploreError:
    """An ODSQL clause the parser or a compiler refused, as the caller is told about it."""
    return ExploreError(400, "ODSQLError", f"ODSQL query is malformed: {error.message}")
