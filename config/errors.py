"""The HTTP edge of the domain errors (``core.errors``): DRF's exception handler and Django's error views.

Known exceptions (the domain's, DRF's, Django's 404/403/413, constraint violations) become the error
envelope with their status code; anything else stays a 500, answered as the envelope under ``/api/``
and as the site's friendly page elsewhere (``templates/404.html``, ``500.html``; the admin keeps Django's pages).
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
from django.template import loader
from django.views import defaults
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

from core.errors import (
    AuthenticationRequiredError,
    ConflictError,
    InternalError,
    InvalidFieldError,
    InvalidJSONError,
    ManagementAPIError,
    MethodNotAllowedError,
    NotAcceptableError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ThrottledError,
    UnsupportedMediaTypeError,
    combine,
)
from datasets.access.errors import ExploreError

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# The Explore API answers its own error shape, ``{"error_code", "message"}``, even for a path no route matches.
EXPLORE_PREFIX = "/api/explore/"


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


def explore_error(status: int, error_code: str, message: str) -> JsonResponse:
    return JsonResponse(ExploreError(status, error_code, message).as_dict(), status=status)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(EXPLORE_PREFIX):
        return explore_error(404, "NotFound", f"Not found: {request.path}")
    if request.path.startswith(API_PREFIX):
        return JsonResponse(NotFoundError(path=request.path).as_dict(), status=404)
    return defaults.page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(EXPLORE_PREFIX):
        return explore_error(400, "BadRequest", "Bad request")
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
        if request.path.startswith(EXPLORE_PREFIX):
            return explore_error(500, "InternalError", f"Internal error; request id {request_id}")
        return JsonResponse(InternalError(request_id=request_id).as_dict(), status=500)
    return friendly_server_error(request)


def friendly_server_error(request: HttpRequest) -> HttpResponse:
    """``500.html`` rendered without the request: no context processor (nor the database) is needed to apologise.
    Should even that fail, Django's plain page answers."""
    context = {"catalog_title": settings.CATALOG_TITLE, "request_id": getattr(request, "request_id", None)}
    try:
        body = loader.render_to_string("500.html", context)
    except Exception:  # noqa: BLE001 -- the last resort must answer whatever broke
        logger.exception("the 500 page could not be rendered")
        return defaults.server_error(request)
    return HttpResponse(body, status=500)
