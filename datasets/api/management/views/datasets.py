"""Datasets: list, create, retrieve, rename, delete, status."""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.http import QueryDict
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.api.expand import Expand
from core.api.params import PAGE, QueryParam, boolean, integer, rows, text
from core.errors import InvalidFieldError
from datasets.access.permissions import READ
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.read_only import sent_back
from datasets.api.management.representations import dataset_repr, status_repr
from datasets.models import Change, Dataset, DatasetQuerySet, MetadataValue
from datasets.odsql.dataset_where.compiler import dataset_where_q
from datasets.services import dataset_create, dataset_delete, dataset_rename

DATASET_EXPANDABLE = ("status", "status.user", "changes", "changes.user", "changes.dataset", "metadata.definition")
SORTS = {
    "dataset_id": "dataset_id",
    "dataset_uid": "dataset_uid",
    "last_modified": "last_modified",
    "title": "sort_title",
    "modified": "sort_modified",
}
# Sort keys read from the ``default`` metadata value of that name (annotated as ``SORTS[name]``).
METADATA_SORTS = ("title", "modified")
MAX_ROWS = 100
FULL = Expand(tuple(path.split(".")) for path in DATASET_EXPANDABLE)
ROWS = rows(10, MAX_ROWS, "Datasets")
START = QueryParam(
    "start",
    integer(0),
    schema_type=int,
    description="Index of the first dataset, from 0, instead of page (the parameter before 2020)",
)
SORT = QueryParam("sort", text, description=f"{', '.join(SORTS)}; '-' for descending")
WHERE = QueryParam("where", text, description='ODSQL filter on dataset_id and metadata, e.g. title = "Trees"')
STRICT = QueryParam(
    "strict",
    boolean,
    default=False,
    schema_type=bool,
    description="Refuse a missing or taken dataset_id instead of generating or altering it",
)
INCLUDE_APP_METAS = QueryParam(
    "include_app_metas",
    boolean,
    default=False,
    schema_type=bool,
    description="Show the application templates (visualization) in metas and metadata (default false)",
)


def with_related(queryset: DatasetQuerySet, expand: Expand) -> DatasetQuerySet:
    """Everything dataset_repr reads, fetched in a fixed number of queries."""
    changes = (
        Change.objects.select_related("user")
        if expand.has("changes")
        else Change.objects.only("change_uid", "dataset_id", "timestamp")
    )
    return queryset.select_related("owner", "status_user", "current_version").prefetch_related(
        "metadata_values", Prefetch("changes", queryset=changes)
    )


def sorted_by(queryset: DatasetQuerySet, sort: str | None) -> DatasetQuerySet:
    """Order by ``sort`` (``-`` for descending).

    ``title`` and ``modified`` sort by the ``default`` metadata value of that name (``modified`` by its ISO text,
    which orders the dates and times the metadata API stores); datasets without the value come last.
    """
    if not sort:
        return queryset.order_by("dataset_id")
    descending, name = sort.startswith("-"), sort.lstrip("-")
    if name not in SORTS:
        raise InvalidFieldError(field="sort", detail=f"cannot sort by '{name}'; sortable: {', '.join(SORTS)}")
    if name in METADATA_SORTS:
        values = MetadataValue.objects.filter(dataset=OuterRef("pk"), template="default", name=name)
        queryset = queryset.annotate(**{SORTS[name]: Subquery(values.values("value")[:1])})
    field = F(SORTS[name])
    ordering = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    return queryset.order_by(ordering, "dataset_uid")


def page_window(params: dict[str, Any], query: QueryDict) -> tuple[int, int]:
    """(offset, page) of the requested page: ``start`` is an offset, ``page`` counts pages of ``rows``."""
    if params["start"] is None:
        return (params["page"] - 1) * params["rows"], params["page"]
    if "page" in query:
        raise InvalidFieldError(field="start", detail="give start or page, not both")
    return params["start"], params["start"] // params["rows"] + 1


def create_arguments(body: dict[str, Any]) -> dict[str, Any]:
    """Service arguments from a create body holding ``metas`` (dict form) and/or ``metadata`` (array form)."""
    metas = body.get("metas") or {}
    if not isinstance(metas, dict):
        raise InvalidFieldError(field="metas", detail="expected an object of templates")
    metadata = body.get("metadata") or []
    if not isinstance(metadata, list):
        raise InvalidFieldError(field="metadata", detail="expected a list of metadata objects")
    merged = {template: dict(values) if isinstance(values, dict) else values for template, values in metas.items()}
    for index, item in enumerate(metadata):
        template, name = metadata_item_key(item, index)
        if not isinstance(merged.setdefault(template, {}), dict):
            raise InvalidFieldError(field=f"metas.{template}", detail="expected an object of values")
        merged[template][name] = item.get("value")
    visibility = body.get("visibility", Dataset.Visibility.RESTRICTED)
    if visibility not in Dataset.Visibility.values:
        raise InvalidFieldError(field="visibility", detail="must be 'domain' or 'restricted'")
    dataset_id = body.get("dataset_id")
    if dataset_id is not None and not isinstance(dataset_id, str):
        raise InvalidFieldError(field="dataset_id", detail="expected a string")
    return {"dataset_id": dataset_id, "metas": merged, "visibility": visibility}


def metadata_item_key(item: Any, index: int) -> tuple[str, str]:
    """(template, name) of one metadata object of a create body; template may be a name or an object."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise InvalidFieldError(field=f"metadata[{index}]", detail="expected an object with a 'name'")
    template = item.get("template", "default")
    if isinstance(template, dict):
        template = template.get("name")
    if not isinstance(template, str):
        raise InvalidFieldError(field=f"metadata[{index}].template", detail="expected a template name")
    return template, item["name"]


class DatasetListView(ManagementAPIView):
    """``GET /datasets/``: the datasets the caller may edit; ``POST /datasets/``: create one."""

    expandable = DATASET_EXPANDABLE
    declared_params = {
        "GET": (ROWS, PAGE, START, SORT, WHERE, INCLUDE_APP_METAS),
        "POST": (STRICT, INCLUDE_APP_METAS),
    }

    @extend_schema(operation_id="datasets_list", responses=doc.DatasetPageSerializer)
    def get(self, request: Request) -> Response:
        expand, rows = self.expand(request), self.params["rows"]
        offset, page = page_window(self.params, request.query_params)
        queryset = self.actor.manageable_datasets()
        if self.params["where"]:
            queryset = queryset.filter(dataset_where_q(self.params["where"]))
        queryset = sorted_by(queryset, self.params["sort"])
        total = queryset.count()
        window = with_related(queryset, expand)[offset : offset + rows]
        app_metas = self.params["include_app_metas"]
        datasets = [dataset_repr(dataset, expand, app_metas=app_metas) for dataset in window]
        return Response({"nhits": total, "rows": rows, "page": page, "start": offset, "datasets": datasets})

    @extend_schema(request=doc.DatasetCreateRequest, responses={201: doc.DatasetSerializer})
    def post(self, request: Request) -> Response:
        self.actor.require_domain("create_dataset")
        expand = self.expand(request)
        body = json_object(request, allowed={"dataset_id", "metas", "metadata", "visibility"})
        dataset = dataset_create(owner=request.user, strict=self.params["strict"], **create_arguments(body))
        dataset = with_related(Dataset.objects.all(), expand).get(pk=dataset.pk)
        body = dataset_repr(dataset, expand, app_metas=self.params["include_app_metas"])
        return Response(body, status=status.HTTP_201_CREATED)


class DatasetDetailView(ManagementAPIView):
    """One dataset: read, rename (``PUT``/``PATCH`` with ``dataset_id``), delete.

    A ``PUT`` may send back the whole dataset object as fetched; its read-only keys must be unchanged.
    """

    expandable = DATASET_EXPANDABLE
    declared_params = {"GET": (INCLUDE_APP_METAS,), "PUT": (INCLUDE_APP_METAS,), "PATCH": (INCLUDE_APP_METAS,)}

    @extend_schema(responses=doc.DatasetSerializer)
    def get(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, READ, queryset=with_related(Dataset.objects.all(), expand))
        return Response(dataset_repr(dataset, expand, app_metas=self.params["include_app_metas"]))

    @extend_schema(request=doc.DatasetRenameRequest, responses=doc.DatasetSerializer)
    def put(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, "edit_dataset", queryset=with_related(Dataset.objects.all(), FULL))
        # The dataset as fetched (every expandable attribute in full): what a client may send back.
        shown = dataset_repr(dataset, FULL, app_metas=self.params["include_app_metas"])
        body = sent_back(request, shown, writable={"dataset_id"}, required={"dataset_id"})
        if not isinstance(body["dataset_id"], str):
            raise InvalidFieldError(field="dataset_id", detail="expected a string")
        dataset_rename(dataset=dataset, dataset_id=body["dataset_id"], user=request.user)
        dataset = with_related(Dataset.objects.all(), expand).get(pk=dataset.pk)
        return Response(dataset_repr(dataset, expand, app_metas=self.params["include_app_metas"]))

    @extend_schema(request=doc.DatasetRenameRequest, responses=doc.DatasetSerializer)
    def patch(self, request: Request, dataset_uid: str) -> Response:
        return self.put(request, dataset_uid)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dataset_uid: str) -> Response:
        dataset = self.dataset_for(dataset_uid, "edit_dataset")
        dataset_delete(dataset=dataset)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DatasetStatusView(ManagementAPIView):
    """``GET /datasets/{uid}/status``: where the dataset stands in its processing status machine."""

    expandable = ("user", "records_errors")

    @extend_schema(responses=doc.StatusSerializer)
    def get(self, request: Request, dataset_uid: str) -> Response:
        expand = self.expand(request)
        dataset = self.dataset_for(dataset_uid, READ)
        return Response(status_repr(dataset, expand, with_progress=True))
