"""Domain-level catalogues of the pipeline (extractors, processors, field specifications) and guesses."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import InvalidFieldError
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.errors import DomainPermissionDeniedError
from datasets.pipeline.extractors import EXTRACTORS
from datasets.pipeline.processors import processor_catalogue
from datasets.pipeline.specifications import SPECIFICATIONS
from datasets.services.preview import url_guess_extractor_params, url_guess_extractors
from datasets.services.processing import checked_url

CATALOGUE_PERMISSIONS = frozenset({"create_dataset", "edit_dataset"})


class CatalogueView(ManagementAPIView):
    """Open to anyone who may create or edit datasets."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.actor.domain_rights() & CATALOGUE_PERMISSIONS:
            raise DomainPermissionDeniedError(permission="create_dataset")


class ExtractorListView(CatalogueView):
    @extend_schema(responses=doc.CatalogueEntrySerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(EXTRACTORS)


class ProcessorCatalogueView(CatalogueView):
    @extend_schema(responses=doc.CatalogueEntrySerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(processor_catalogue())


class FieldSpecificationCatalogueView(CatalogueView):
    @extend_schema(responses=doc.CatalogueEntrySerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(SPECIFICATIONS)


def url_from(view: ManagementAPIView, request: Request, *, extra: set[str] | frozenset[str] = frozenset()) -> dict:
    """The body's ``url``: an http(s) URL or a file the caller may read (``file_for_user``)."""
    body = json_object(request, allowed={"url", *extra}, required={"url", *extra})
    body["url"] = checked_url(body["url"], view.actor)
    return body


class GuessExtractorsView(CatalogueView):
    """``POST /guess_extractors/`` ``{"url"}``: which extractors can read it, best first."""

    @extend_schema(request=doc.GuessExtractorsRequest, responses=doc.GuessExtractorsSerializer)
    def post(self, request: Request) -> Response:
        return Response(url_guess_extractors(url_from(self, request)["url"]))


class GuessExtractorParamsView(CatalogueView):
    """``POST /guess_extractor_params/`` ``{"url", "extractor"}``: encoding, separator, header row…"""

    @extend_schema(request=doc.GuessExtractorParamsRequest, responses=doc.GuessExtractorParamsSerializer)
    def post(self, request: Request) -> Response:
        body = url_from(self, request, extra={"extractor"})
        if not isinstance(body["extractor"], str):
            raise InvalidFieldError(field="extractor", detail="expected an extractor name such as csvfile")
        return Response(url_guess_extractor_params(body["url"], body["extractor"]))
