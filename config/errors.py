"""The Management API error envelope and the handlers that produce it.

Every error the management API answers has the shape
``{status_code, error_key, message, raw_message, raw_params}``. Domain code raises a
``ManagementAPIError`` subclass; the same ``as_dict()`` is what a job stores when it fails, so
the API, the dataset status and job errors share one formatter.
"""

from __future__ import annotations

import logging
import math
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


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


def flatten_validation_detail(detail: Any, prefix: str = "") -> list[ManagementAPIError]:
    """DRF's nested ValidationError detail -> one InvalidFieldError per leaf message."""
    if isinstance(detail, dict):
        return [
            error
            for key, value in detail.items()
            for error in flatten_validation_detail(value, f"{prefix}.{key}" if prefix else str(key))
        ]
    if isinstance(detail, list) and detail and all(not isinstance(item, dict | list) for item in detail):
        return [InvalidFieldError(field=prefix or "body", detail=str(item)) for item in detail]
    if isinstance(detail, list):
        return [
            error
            for index, item in enumerate(detail)
            for error in flatten_validation_detail(item, f"{prefix}[{index}]")
        ]
    return [InvalidFieldError(field=prefix or "body", detail=str(detail))]


def envelope(status_code: int, error_key: str, raw_message: str, raw_params: dict[str, Any]) -> dict[str, Any]:
    return {
        "status_code": status_code,
        "error_key": error_key,
        "message": raw_message.format(**raw_params),
        "raw_message": raw_message,
        "raw_params": raw_params,
    }


def from_drf_exception(exc: drf_exceptions.APIException, request: Any) -> ManagementAPIError:
    """Translate DRF's own exceptions into ours, keeping DRF's wording as the detail."""
    detail = str(exc.detail) if not isinstance(exc.detail, (list, dict)) else "Invalid request"
    if isinstance(exc, drf_exceptions.ValidationError):
        return combine(flatten_validation_detail(exc.detail))
    if isinstance(exc, drf_exceptions.ParseError):
        return InvalidJSONError(detail=detail.removeprefix("JSON parse error - "))
    if isinstance(exc, drf_exceptions.UnsupportedMediaType):
        return UnsupportedMediaTypeError(media_type=getattr(request, "content_type", "") or "(none)")
    if isinstance(exc, drf_exceptions.NotAcceptable):
        return NotAcceptableError()
    if isinstance(exc, drf_exceptions.NotAuthenticated | drf_exceptions.AuthenticationFailed):
        return AuthenticationRequiredError(detail=detail)
    if isinstance(exc, drf_exceptions.PermissionDenied):
        return PermissionDeniedError(detail=detail)
    if isinstance(exc, drf_exceptions.NotFound):
        return NotFoundError(path=request.path if request is not None else "")
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return MethodNotAllowedError(method=getattr(request, "method", "?"))
    if isinstance(exc, drf_exceptions.Throttled):
        return ThrottledError(wait=math.ceil(getattr(exc, "wait", None) or 1))
    error = ManagementAPIError(detail=detail)
    error.status_code = exc.status_code
    return error


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every known error becomes the envelope; the rest stays a 500."""
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = NotFoundError(path=request.path if request is not None else "")
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLargeError(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    elif isinstance(exc, IntegrityError | ProtectedError):
        # A constraint refused the write: another request changed the same object meanwhile.
        logger.warning("conflict on %s: %s", request.path if request is not None else "?", exc)
        exc = ConflictError(detail="The request conflicts with the current state of the resource; retry it")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDeniedError(detail=str(exc) or "You do not have permission to perform this action.")
    elif isinstance(exc, drf_exceptions.APIException):
        exc = from_drf_exception(exc, request)
    if not isinstance(exc, ManagementAPIError):
        return None  # Django's handler500 logs it and answers the JSON 500 below.
    headers = {}
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="api"'
    if isinstance(exc, ThrottledError):
        headers["Retry-After"] = str(exc.raw_params["wait"])
    return Response(exc.as_dict(), status=exc.status_code, headers=headers or None)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(NotFoundError(path=request.path).as_dict(), status=404)
    return defaults.page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse(ManagementAPIError(detail="Bad request").as_dict(), status=400)
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        detail = str(exception) or "You do not have permission to perform this action."
        return JsonResponse(PermissionDeniedError(detail=detail).as_dict(), status=403)
    return defaults.permission_denied(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    """The exception itself is already logged by Django with the request id (see RequestIdFilter)."""
    if request.path.startswith(API_PREFIX):
        request_id = getattr(request, "request_id", None) or uuid.uuid4().hex
        logger.error("internal error on %s %s, request id %s", request.method, request.path, request_id)
        return JsonResponse(InternalError(request_id=request_id).as_dict(), status=500)
    return defaults.server_error(request)
