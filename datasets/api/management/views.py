"""Management API v2 views."""

from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class ManagementRootView(APIView):
    """Entry point of the management API: its version and where to go next."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        base = request.build_absolute_uri("/api/management/v2/")
        return Response(
            {
                "api": "management",
                "version": "v2",
                "links": [
                    {"rel": "self", "href": base},
                    {"rel": "health", "href": request.build_absolute_uri("/health")},
                ],
            }
        )
