"""The Explore API's root, its OpenAPI description and its console (Swagger UI served from this site).

The console is an HTML page of the site: Swagger UI's files come from drf-spectacular-sidecar's static
files (no CDN) and its start-up script is a static file too (``static/explore/console.js``), so the page
runs under the site's Content-Security-Policy, which allows no inline script. ``?dataset=<id>`` opens the
records operation with that dataset filled in (the catalog's API tab links there).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework.request import Request
from rest_framework.response import Response

from datasets.api.explore.links import link
from datasets.api.explore.openapi import explore_openapi
from datasets.api.explore.views import ExploreView


class ExploreRootView(ExploreView):
    """``GET /api/explore/v2.1/``: the API's version and where to go next."""

    def get(self, request: Request) -> Response:
        def absolute(rel: str, name: str) -> dict[str, str]:
            return link(rel, request.build_absolute_uri(reverse(f"explore:{name}")))

        return Response(
            {
                "api": "explore",
                "version": "v2.1",
                "links": [
                    absolute("self", "root"),
                    absolute("catalog_datasets", "catalog-datasets"),
                    absolute("catalog_facets", "catalog-facets"),
                    absolute("catalog_exports", "catalog-exports"),
                    absolute("openapi", "openapi"),
                    absolute("console", "console"),
                ],
            }
        )


class ExploreOpenAPIView(ExploreView):
    """``GET /api/explore/v2.1/openapi.json``: the OpenAPI 3 description (``datasets.api.explore.openapi``)."""

    def get(self, request: Request) -> Response:
        return Response(explore_openapi())


@require_safe
def console(request: HttpRequest) -> HttpResponse:
    """``GET /api/explore/v2.1/console/``: Swagger UI on the description, to try queries from the browser."""
    return render(request, "explore/console.html", {"openapi_url": reverse("explore:openapi")})
