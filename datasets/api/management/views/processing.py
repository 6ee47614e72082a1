"""A dataset's processor stack and field specifications: list, append, one, update, delete."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import InvalidFieldError, NotFoundError
from datasets.access.permissions import READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.read_only import sent_back
from datasets.api.management.representations import field_specification_repr, processor_repr
from datasets.services import processing
from datasets.services.preview import dataset_guess_processor_params


class StackView(ManagementAPIView):
    """Shared by both stacks, whose items are both identified by a ``processor_uid``."""

    related: str

    def item_for(self, dataset_uid: str, uid: str, permission: str) -> Any:
        dataset = self.dataset_for(dataset_uid, permission)
        item = getattr(dataset, self.related).filter(processor_uid=uid).first()
        if item is None:
            raise NotFoundError(path=self.request.path)
        return item


class ProcessorListView(StackView):
    @extend_schema(responses=doc.ProcessorSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return Response([processor_repr(item) for item in dataset.processors.all()])

    @extend_schema(request=doc.ProcessorRequest, responses={201: doc.ProcessorSerializer})
    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed={"name", "label", "args"}, required={"name"})
        item = processing.processor_add(dataset=dataset, body=body, user=request.user)
        return Response(processor_repr(item), status=status.HTTP_201_CREATED)


class ProcessorDetailView(StackView):
    related = "processors"

    @extend_schema(responses=doc.ProcessorSerializer)
    def get(self, request: Request, dataset_uid: str, uid: str) -> Response:
        return Response(processor_repr(self.item_for(dataset_uid, uid, READ)))

    @extend_schema(request=doc.ProcessorRequest, responses=doc.ProcessorSerializer)
    def put(self, request: Request, dataset_uid: str, uid: str) -> Response:
        item = self.item_for(dataset_uid, uid, "edit_dataset")
        body = sent_back(request, processor_repr(item), writable={"name", "label", "args"}, required={"name"})
        return Response(processor_repr(processing.processor_update(processor=item, body=body, user=request.user)))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dataset_uid: str, uid: str) -> Response:
        processing.processor_delete(processor=self.item_for(dataset_uid, uid, "edit_dataset"), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FieldSpecificationListView(StackView):
    @extend_schema(responses=doc.FieldSpecificationSerializer(many=True))
    def get(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, READ)
        return Response([field_specification_repr(item) for item in dataset.field_specifications.all()])

    @extend_schema(request=doc.FieldSpecificationRequest, responses={201: doc.FieldSpecificationSerializer})
    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        body = json_object(request, allowed={"name", "args"}, required={"name", "args"})
        item = processing.field_specification_add(dataset=dataset, body=body, user=request.user)
        return Response(field_specification_repr(item), status=status.HTTP_201_CREATED)


class FieldSpecificationDetailView(StackView):
    related = "field_specifications"

    @extend_schema(responses=doc.FieldSpecificationSerializer)
    def get(self, request: Request, dataset_uid: str, uid: str) -> Response:
        return Response(field_specification_repr(self.item_for(dataset_uid, uid, READ)))

    @extend_schema(request=doc.FieldSpecificationRequest, responses=doc.FieldSpecificationSerializer)
    def put(self, request: Request, dataset_uid: str, uid: str) -> Response:
        item = self.item_for(dataset_uid, uid, "edit_dataset")
        body = sent_back(request, field_specification_repr(item), writable={"name", "args"}, required={"name", "args"})
        updated = processing.field_specification_update(specification=item, body=body, user=request.user)
        return Response(field_specification_repr(updated))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dataset_uid: str, uid: str) -> Response:
        item = self.item_for(dataset_uid, uid, "edit_dataset")
        processing.field_specification_delete(specification=item, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GuessProcessorParamsView(ManagementAPIView):
    """``POST .../guess_processor_params`` ``{"name": ...}``: candidate fields for each argument."""

    @extend_schema(request=doc.GuessProcessorParamsRequest, responses=doc.FreeObjectSerializer)
    def post(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        name = json_object(request, allowed={"name"}, required={"name"})["name"]
        if not isinstance(name, str):
            raise InvalidFieldError(field="name", detail="expected a processor name")
        return Response(dataset_guess_processor_params(dataset=dataset, name=name))
