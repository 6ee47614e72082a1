"""Cross-origin reads of the public Explore API (``/api/explore/``: records, exports, catalog exports).

Browser applications on other sites call Opendatasoft portals directly; they need CORS headers to read
the answers. The Explore API is read-only, so every origin may read it (``Access-Control-Allow-Origin: *``),
errors included so those applications can show them. Preflights are answered here, before the views, so
they cost no throttle and no authentication.

Never with ambient credentials: no ``Access-Control-Allow-Credentials``, so a browser neither sends nor
exposes cookies or cached HTTP logins across origins; a request made with them fails in the browser. An
``Authorization: Apikey …`` header is allowed: the calling script must hold the key itself (it could put it
in ``?apikey=`` without any preflight), and a header keeps the key out of URLs and logs.

The management API, the admin and the catalog pages get nothing: they change data or hold sessions.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PUBLIC_READ_PREFIXES = ("/api/explore/",)
READ_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type"
# Headers a script may read beyond the CORS-safelisted ones: the export's file name, caching, throttling, support.
EXPOSED_HEADERS = "Content-Disposition, ETag, Retry-After, X-Request-ID"
PREFLIGHT_MAX_AGE = str(24 * 60 * 60)


def is_public_read_path(path: str) -> bool:
    return path.startswith(PUBLIC_READ_PREFIXES)


def is_preflight(request: HttpRequest) -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


class PublicReadCorsMiddleware:
    """``Access-Control-Allow-Origin: *`` on reads of the Explore API; its preflights answered with 204."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_public_read_path(request.path_info):
            return self.get_response(request)
        if is_preflight(request):
            return self.preflight()
        response = self.get_response(request)
        if request.method in READ_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    @staticmethod
    def preflight() -> HttpResponse:
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response
