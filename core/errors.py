"""The domain errors every layer raises, and the envelope they are reported in; no Django, no DRF.

Every error the management API answers has the shape
``{status_code, error_key, message, raw_message, raw_params}``. Domain code raises a
``ManagementAPIError`` subclass; the same ``as_dict()`` is what a job stores when it fails, so
the API, the dataset status and job errors share one formatter. Mapping exceptions to HTTP
responses is the edge's business (``config.errors``).
"""

from __future__ import annotations

from typing import Any


class ManagementAPIError(Exception):
    """Root of the errors the management API reports; subclasses set the three class fields."""

    status_code = 400
    error_key = "ODSException"
    raw_message = "{detail}"

    def __init__(self, **raw_params: Any) -> None:
        self.raw_params = raw_params
        super().__init__(self.raw_message.format(**raw_params))

    def as_dict(self) -> dict[str, Any]:
        return envelope(self.status_code, self.error_key, self.raw_message, self.raw_params)


class NotFoundError(ManagementAPIError):
    status_code = 404
    error_key = "NotFoundException"
    raw_message = "Not found: {path}"


class AuthenticationRequiredError(ManagementAPIError):
    status_code = 401
    error_key = "AuthenticationRequiredException"
    raw_message = "{detail}"


class PermissionDeniedError(ManagementAPIError):
    status_code = 403
    error_key = "PermissionDeniedException"
    raw_message = "{detail}"


class MethodNotAllowedError(ManagementAPIError):
    status_code = 405
    error_key = "MethodNotAllowedException"
    raw_message = "Method {method} is not allowed on this endpoint"


class ThrottledError(ManagementAPIError):
    status_code = 429
    error_key = "ThrottledException"
    raw_message = "Too many requests; retry in {wait} seconds"


class InternalError(ManagementAPIError):
    status_code = 500
    error_key = "InternalErrorException"
    raw_message = "Internal error; quote request id {request_id} when reporting it"


class InvalidJSONError(ManagementAPIError):
    error_key = "InvalidJSONException"
    raw_message = "Malformed JSON body: {detail}"


class UnsupportedMediaTypeError(ManagementAPIError):
    status_code = 415
    error_key = "UnsupportedMediaTypeException"
    raw_message = "Unsupported media type {media_type}; send application/json"


class NotAcceptableError(ManagementAPIError):
    status_code = 406
    error_key = "NotAcceptableException"
    raw_message = "This API answers application/json only"


class PayloadTooLargeError(ManagementAPIError):
    status_code = 413
    error_key = "PayloadTooLargeException"
    raw_message = "Request body larger than the {limit} bytes allowed"


class InvalidFieldError(ManagementAPIError):
    """One invalid attribute of a request body or query string."""

    error_key = "InvalidRequestParameterException"
    raw_message = "Invalid value for '{field}': {detail}"


class ConflictError(ManagementAPIError):
    status_code = 409
    error_key = "ConflictException"
    raw_message = "{detail}"


class InvalidManagementAPIRequestError(ManagementAPIError):
    """Several problems at once: the envelope carries each one in ``errors``."""

    error_key = "InvalidManagementAPIRequestException"
    raw_message = "Invalid management API request"

    def __init__(self, errors: list[ManagementAPIError]) -> None:
        super().__init__()
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": [error.as_dict() for error in self.errors]}


def combine(errors: list[ManagementAPIError]) -> ManagementAPIError:
    """One error as it is; several wrapped in InvalidManagementAPIRequestError."""
    return errors[0] if len(errors) == 1 else InvalidManagementAPIRequestError(errors)


def envelope(status_code: int, error_key: str, raw_message: str, raw_params: dict[str, Any]) -> dict[str, Any]:
    return {
        "status_code": status_code,
        "error_key": error_key,
        "message": raw_message.format(**raw_params),
        "raw_message": raw_message,
        "raw_params": raw_params,
    }
