"""Writes on a dataset's resources, processor stack and field specifications.

Each write validates what it stores against the pipeline's own catalogue (extractors,
processors, specifications), so a dataset never holds a configuration the pipeline refuses,
and records a change of the matching section.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db import transaction
from django.db.models import Max, Model

from core.errors import InvalidFieldError
from datasets.access.caller import Caller
from datasets.models import Dataset, FieldSpecification, File, Processor, Resource
from datasets.pipeline.extractors import validate_params
from datasets.pipeline.processors import validate_processor
from datasets.pipeline.specifications import validate_specification
from datasets.services.files import FILE_URL_PREFIX, file_for_user
from datasets.services.history import recording_change
from datasets.services.preview import resource_check_readable
from datasets.services.stack_fields import check_processor_fields, check_specification_fields

User = AuthUser | AnonymousUser | None


def next_position(model: type[Model], dataset: Dataset) -> int:
    last = model._default_manager.filter(dataset=dataset).aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def checked_url(url: Any, user: User | Caller, *, kept: str | None = None) -> str:
    """An ``odsfile://`` URL of a file ``user`` may use (``file_for_user``), or an http(s) URL.

    ``kept`` is the URL the resource already has: keeping it needs no right on its file (a co-editor
    changes the title of a resource whose file someone else uploaded), but the file must still exist.
    """
    if not isinstance(url, str) or not url:
        raise InvalidFieldError(field="url", detail="expected odsfile://<file_id> or an http(s) URL")
    if url.startswith(FILE_URL_PREFIX):
        if url == kept and File.objects.filter(file_id=url.removeprefix(FILE_URL_PREFIX)).exists():
            return url
        return file_for_user(user, url).url
    if url.startswith(("http://", "https://")) and len(url) <= 2000:
        return url
    raise InvalidFieldError(field="url", detail="expected odsfile://<file_id> or an http(s) URL")


def checked_resource(body: dict[str, Any], user: User | Caller, *, kept_url: str | None = None) -> dict[str, Any]:
    """Validated resource attributes from a request body (a resource object without uid), for ``user``."""
    title = body.get("title") or ""
    if not isinstance(title, str) or len(title) > 255:
        raise InvalidFieldError(field="title", detail="expected a string of at most 255 characters")
    extractor = body.get("type")
    if not isinstance(extractor, str):
        raise InvalidFieldError(field="type", detail="expected an extractor name such as csvfile")
    params = validate_params(extractor, body.get("params") or {})
    values = {
        "url": checked_url(body.get("url"), user, kept=kept_url),
        "title": title,
        "type": extractor,
        "params": params,
    }
    resource_check_readable(values)
    return values


def stack_add(model: type[Model], section: str, dataset: Dataset, values: dict[str, Any], user: User) -> Any:
    """Append a row at the end of one of the dataset's stacks, recording the change."""
    with recording_change(dataset=dataset, user=user, sections=(section,)):
        return model._default_manager.create(dataset=dataset, position=next_position(model, dataset), **values)


def stack_update(row: Any, section: str, values: dict[str, Any], user: User) -> Any:
    """Update a row in place (its position stays), recording the change."""
    with recording_change(dataset=row.dataset, user=user, sections=(section,)):
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
    return row


def stack_delete(row: Any, section: str, user: User) -> None:
    with recording_change(dataset=row.dataset, user=user, sections=(section,)):
        row.delete()


@transaction.atomic
def resource_add(*, dataset: Dataset, body: dict[str, Any], user: User) -> Resource:
    return stack_add(Resource, "resources", dataset, checked_resource(body, user), user)


@transaction.atomic
def resource_update(*, resource: Resource, body: dict[str, Any], user: User) -> Resource:
    return stack_update(resource, "resources", checked_resource(body, user, kept_url=resource.url), user)


@transaction.atomic
def resource_delete(*, resource: Resource, user: User) -> None:
    stack_delete(resource, "resources", user)


def checked_processor(body: dict[str, Any]) -> dict[str, Any]:
    name, label = body.get("name"), body.get("label") or ""
    if not isinstance(name, str):
        raise InvalidFieldError(field="name", detail="expected a processor name such as string_replace")
    if not isinstance(label, str) or len(label) > 255:
        raise InvalidFieldError(field="label", detail="expected a string of at most 255 characters")
    return {"name": name, "label": label, "args": validate_processor(name, body.get("args") or {})}


@transaction.atomic
def processor_add(*, dataset: Dataset, body: dict[str, Any], user: User) -> Processor:
    values = checked_processor(body)
    check_processor_fields(dataset, values, position=None, uid=None)
    return stack_add(Processor, "processors", dataset, values, user)


@transaction.atomic
def processor_update(*, processor: Processor, body: dict[str, Any], user: User) -> Processor:
    values = checked_processor(body)
    check_processor_fields(processor.dataset, values, position=processor.position, uid=processor.processor_uid)
    return stack_update(processor, "processors", values, user)


@transaction.atomic
def processor_delete(*, processor: Processor, user: User) -> None:
    stack_delete(processor, "processors", user)


def checked_specification(body: dict[str, Any]) -> dict[str, Any]:
    name = body.get("name")
    if not isinstance(name, str):
        raise InvalidFieldError(field="name", detail="expected rename, type, annotate, description, order or delete")
    return {"name": name, "args": validate_specification(name, body.get("args"))}


@transaction.atomic
def field_specification_add(*, dataset: Dataset, body: dict[str, Any], user: User) -> FieldSpecification:
    values = checked_specification(body)
    check_specification_fields(dataset, values, position=None, uid=None)
    return stack_add(FieldSpecification, "fields_specifications", dataset, values, user)


@transaction.atomic
def field_specification_update(
    *, specification: FieldSpecification, body: dict[str, Any], user: User
) -> FieldSpecification:
    values = checked_specification(body)
    position, uid = specification.position, specification.processor_uid
    check_specification_fields(specification.dataset, values, position=position, uid=uid)
    return stack_update(specification, "fields_specifications", values, user)


@transaction.atomic
def field_specification_delete(*, specification: FieldSpecification, user: User) -> None:
    stack_delete(specification, "fields_specifications", user)
