"""Dataset metadata: list, one, set, reset, bulk set."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.api.params import QueryParam
from core.errors import InvalidFieldError
from datasets.access.permissions import READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import metadata_repr
from datasets.errors import UnknownMetadataError
from datasets.metadata_templates import TEMPLATES, FieldDefinition, Template, get_template
from datasets.models import Dataset, MetadataValue
from datasets.services import metadata_bulk_set, metadata_reset, metadata_set


def known_template(name: str, raw: str) -> str:
    if raw not in TEMPLATES:
        raise InvalidFieldError(field=name, detail=f"unknown template; known: {', '.join(TEMPLATES)}")
    return raw


TEMPLATE = QueryParam("template", known_template, description="Only the metadata of this template")


def rows_by_key(dataset: Dataset) -> dict[tuple[str, str], MetadataValue]:
    return {(row.template, row.name): row for row in MetadataValue.objects.filter(dataset=dataset)}


def template_and_field(template_name: str, name: str) -> tuple[Template, FieldDefinition]:
    """The definition named in the URL; an unknown one is a 404."""
    template = get_template(template_name)
    field = template.field(name) if template else None
    if template is None or field is None:
        raise UnknownMetadataError(template=template_name, name=name)
    return template, field


class MetadataListView(ManagementAPIView):
    """``GET .../metadata``: every metadata of every template, set or not; ``PUT``: bulk update."""

    expandable = ("definition",)
    declared_params = {"GET": (TEMPLATE,)}

    @extend_schema(operation_id="datasets_metadata_list", responses=doc.MetadataSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, READ)
        only = self.params["template"]
        rows = rows_by_key(dataset)
        body = [
            metadata_repr(
                template, field, rows.get((template.name, field.name)), expand_definition=expand.has("definition")
            )
            for template in TEMPLATES.values()
            if only in (None, template.name)
            for field in template.fields
        ]
        return Response(body)

    @extend_schema(
        operation_id="datasets_metadata_bulk_update",
        request=doc.BulkMetadataRequest,
        responses=doc.MetadataSerializer(many=True),
    )
    def put(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        items = json_object(request, allowed={"metas"}, required={"metas"})["metas"]
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise InvalidFieldError(field="metas", detail="expected a list of metadata objects")
        written = metadata_bulk_set(dataset=dataset, items=items, user=request.user)
        rows = rows_by_key(dataset)
        body = []
        for template_name, name in written:
            template, field = template_and_field(template_name, name)
            row = rows.get((template_name, name))
            body.append(metadata_repr(template, field, row, expand_definition=expand.has("definition")))
        return Response(body)


class MetadataDetailView(ManagementAPIView):
    """One metadata: read, set (``{"value": ...[, "override_remote_value": bool]}``), reset."""

    expandable = ("definition",)

    def respond(self, request: Request, dataset: Dataset, template: Template, field: FieldDefinition) -> Response:
        row = MetadataValue.objects.filter(dataset=dataset, template=template.name, name=field.name).first()
        expand = self.expand(request)
        return Response(metadata_repr(template, field, row, expand_definition=expand.has("definition")))

    @extend_schema(responses=doc.MetadataSerializer)
    def get(self, request: Request, dataset_uid: str, template_name: str, name: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return self.respond(request, dataset, *template_and_field(template_name, name))

    @extend_schema(request=doc.MetadataValueRequest, responses=doc.MetadataSerializer)
    def put(self, request: Request, dataset_uid: str, template_name: str, name: str) -> Response:
        self.expand(request)
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        template, field = template_and_field(template_name, name)
        body = json_object(request, allowed={"value", "override_remote_value"}, required={"value"})
        override = body.get("override_remote_value")
        if override is not None and not isinstance(override, bool):
            raise InvalidFieldError(field="override_remote_value", detail="expected true or false")
        metadata_set(
            dataset=dataset,
            template=template.name,
            name=field.name,
            value=body["value"],
            override_remote_value=override,
            user=request.user,
        )
        return self.respond(request, dataset, template, field)

    @extend_schema(responses=doc.MetadataSerializer)
    def delete(self, request: Request, dataset_uid: str, template_name: str, name: str) -> Response:
        self.expand(request)
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        template, field = template_and_field(template_name, name)
        metadata_reset(dataset=dataset, template=template.name, name=field.name, user=request.user)
        return self.respond(request, dataset, template, field)
