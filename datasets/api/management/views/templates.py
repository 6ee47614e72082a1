"""The metadata templates and their field definitions, for clients building forms."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.errors import ManagementAPIError
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.metadata_templates import TEMPLATES, Template, get_template


class UnknownTemplateError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownMetadataTemplateException"
    raw_message = "Unknown metadata template '{template}'; known templates: {known}"


def template_repr(template: Template) -> dict[str, Any]:
    return {**template.as_dict(), "fields": [field.as_dict() for field in template.fields]}


class MetadataTemplateListView(ManagementAPIView):
    """``GET /metadata_templates/``: every template with the definitions of its fields."""

    @extend_schema(responses=doc.MetadataTemplateSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([template_repr(template) for template in TEMPLATES.values()])


class MetadataTemplateDetailView(ManagementAPIView):
    """``GET /metadata_templates/{name}/``: one template."""

    @extend_schema(responses=doc.MetadataTemplateSerializer)
    def get(self, request: Request, template_name: str) -> Response:
        template = get_template(template_name)
        if template is None:
            raise UnknownTemplateError(template=template_name, known=", ".join(TEMPLATES))
        return Response(template_repr(template))
