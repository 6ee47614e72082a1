"""Refuse, before any view runs, a URL path or query string holding characters PostgreSQL cannot store.

One check for every surface, each answering in its own shape: the management API's error envelope
(``InvalidRequestParameterException`` naming the parameter), the Explore API's ``{"error_code", "message"}``
and, for the catalog pages and the admin, a plain 400 page. Bodies are checked by the API's parsers
(``core.api.parsers``); only the characters are checked here, not whether a parameter is known. A cookie
holding such a character is dropped rather than refused: the site never sets one, so it can only be tampered with.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.html import escape

from core.errors import InvalidFieldError
from core.input_guard import Refusal, every_pair, pairs_problem, path_problem, text_problem
from datasets.access.errors import bad_parameter

MANAGEMENT_PREFIX = "/api/management/"
EXPLORE_PREFIX = "/api/explore/"


def request_problem(request: HttpRequest) -> Refusal | None:
    """The first unstorable character of the path or of a query parameter's name or value."""
    return path_problem(request.path) or pairs_problem(every_pair(request.GET))


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The 400 in the shape of the surface ``request`` addresses."""
    if request.path.startswith(MANAGEMENT_PREFIX):
        invalid = InvalidFieldError(field=refusal.field, detail=refusal.detail)
        return JsonResponse(invalid.as_dict(), status=invalid.status_code)
    if request.path.startswith(EXPLORE_PREFIX):
        error = bad_parameter(refusal.field, refusal.detail)
        return JsonResponse(error.as_dict(), status=error.status_code)
    return HttpResponseBadRequest(
        f"<!doctype html><title>Bad request</title><h1>Bad request (400)</h1>"
        f"<p>Invalid value for {escape(refusal.field)}: {escape(refusal.detail)}.</p>"
    )


def storable_cookies(cookies: dict[str, str]) -> dict[str, str]:
    """The cookies PostgreSQL could look up: one holding a NUL or a lone surrogate was not set by this site."""
    return {name: value for name, value in cookies.items() if not text_problem(name) and not text_problem(value)}


class InputGuardMiddleware:
    """Answer 400 to a request whose path or query string cannot be stored, whatever view it addresses; drop
    cookies that cannot be stored (a tampered session cookie is no session, as an unknown one is)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = request_problem(request)
        if refusal is not None:
            return refusal_response(request, refusal)
        request.COOKIES = storable_cookies(request.COOKIES)
        return self.get_response(request)
