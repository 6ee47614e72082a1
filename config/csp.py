"""The Content-Security-Policy header of HTML pages (catalog, admin, Swagger UI).

Scripts load from our own origin only: no inline script, no ``eval``, no other host, so injected markup
cannot run code. Our templates keep their scripts in static files; Swagger UI is served by drf-spectacular's
split view, which loads its init script as a file. The one inline script of django-rq's admin pages (the
actions checkboxes) is allowed by its hash. Styles allow ``'unsafe-inline'``: Swagger UI and the admin set
style attributes from their scripts, and inline styles cannot run code.

JSON answers carry no policy: browsers apply it to documents, and the APIs' clients are not browsers.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def url_template_source(template: str) -> str:
    """The CSP source of the host an URL template such as ``https://{s}.tile.example.org/{z}/{x}/{y}.png``
    names: its scheme and host, a ``{s}`` subdomain placeholder becoming the ``*`` wildcard."""
    parts = urlsplit(template)
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def policy_text(directives: dict[str, list[str]]) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Sets ``settings.CONTENT_SECURITY_POLICY`` on HTML responses that do not set their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = policy_text(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response and response.get("Content-Type", "").startswith("text/html"):
            response[HEADER] = self.header
        return response
