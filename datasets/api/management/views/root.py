"""The management API's entry point."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.base import AnonThrottle, DeclaredParamsMixin, UserThrottle
from datasets.api.management import openapi as doc


class ManagementRootView(DeclaredParamsMixin, APIView):
    """Entry point of the management API: its version and where to go next."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle, UserThrottle]

    @extend_schema(responses=doc.RootSerializer, auth=[])
    def get(self, request: Request) -> Response:
        def link(rel: str, path: str) -> dict[str, str]:
            return {"rel": rel, "href": request.build_absolute_uri(path)}

        return Response(
            {
                "api": "management",
                "version": "v2",
                "links": [
                    link("self", "/api/management/v2/"),
                    link("datasets", "/api/management/v2/datasets/"),
                    link("metadata_templates", "/api/management/v2/metadata_templates/"),
                    link("apikeys", "/api/management/v2/apikeys/"),
                    link("openapi", "/api/management/v2/openapi.json"),
                    link("docs", "/api/management/v2/docs/"),
                    link("health", "/health"),
                ],
            }
        )
