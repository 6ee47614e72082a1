"""Running the pipeline for previews and guesses: the dataset's configuration applied to one resource."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from core.errors import InvalidFieldError
from datasets.models import Dataset, File
from datasets.pipeline.core import Field
from datasets.pipeline.guess import guess_extractor_params, guess_extractors
from datasets.pipeline.processors import build_processor, guess_processor_params
from datasets.pipeline.readers import open_source, settled_params
from datasets.pipeline.runner import preview
from datasets.pipeline.specifications import FieldSpecifications
from datasets.services.configuration import read_options
from datasets.services.fetch import fetched
from datasets.services.files import file_path
from datasets.services.read_limits import configured_limits

PREVIEW_RECORDS = 20
GUESS_BYTES = 64 * 1024


@contextmanager
def resource_stream(url: str) -> Iterator[BinaryIO]:
    """The bytes behind a resource URL: an uploaded file, or an http(s) body fetched now."""
    if url.startswith("odsfile://"):
        file = File.objects.filter(file_id=url.removeprefix("odsfile://")).first()
        if file is None:
            raise InvalidFieldError(field="url", detail=f"no uploaded file {url}")
        with open(file_path(file), "rb") as stream:
            yield stream
    else:
        with fetched(url) as stream:
            yield stream


def dataset_steps(dataset: Dataset) -> list[Any]:
    return [build_processor(p.name, p.args, p.processor_uid) for p in dataset.processors.order_by("position", "id")]


def dataset_specifications(dataset: Dataset) -> FieldSpecifications:
    specs = dataset.field_specifications.order_by("position", "id")
    return FieldSpecifications([(spec.processor_uid, spec.name, spec.args) for spec in specs])


def resource_preview(
    *, dataset: Dataset, resource: dict[str, Any], resource_uid: str | None = None, specifications: bool = True
) -> dict[str, Any]:
    """``{fields, records, record_errors, sampled}`` of the first records of ``resource`` after the dataset's
    processors and specs, read as a publish would: plus ``encoding`` (the decision) when the declared
    encoding does not decode the whole file. ``specifications=False`` stops after the processors: what a
    processor added now would see."""
    steps = dataset_steps(dataset)
    specs = dataset_specifications(dataset) if specifications else FieldSpecifications([])
    with resource_stream(resource["url"]) as stream:
        params, decision = settled_params(resource["type"], resource["params"], stream)
        with open_source(resource["type"], params, stream, limits=configured_limits()) as source:
            options = read_options(resource["params"])
            shown = preview(source, steps, specs, limit=PREVIEW_RECORDS, resource_uid=resource_uid, options=options)
    if decision is not None and decision.changed:
        shown["encoding"] = decision.as_dict()
    return shown


def resource_check_readable(resource: dict[str, Any]) -> None:
    """Read the header and first rows, so a resource that cannot be read is refused when saved."""
    with resource_stream(resource["url"]) as stream:
        params, _decision = settled_params(resource["type"], resource["params"], stream)
        with open_source(resource["type"], params, stream, limits=configured_limits()) as source:
            for index, _ in enumerate(source.rows()):
                if index >= PREVIEW_RECORDS:
                    break


def url_guess_extractors(url: str, filename: str | None = None) -> dict[str, Any]:
    with resource_stream(url) as stream:
        head = stream.read(GUESS_BYTES)
    mimetype = None
    if url.startswith("odsfile://"):
        file = File.objects.filter(file_id=url.removeprefix("odsfile://")).first()
        filename, mimetype = (file.filename, file.mimetype) if file else (filename, None)
    return guess_extractors(head, filename, mimetype)


def url_guess_extractor_params(url: str, extractor: str) -> dict[str, Any]:
    with resource_stream(url) as stream:
        head = stream.read(GUESS_BYTES)
        stream.seek(0)
        # The whole stream too: an XLSX's sheets are only known from its archive.
        params = guess_extractor_params(extractor, head, stream, limits=configured_limits())
        return {"extractor": extractor, "params": params}


def dataset_guess_processor_params(*, dataset: Dataset, name: str) -> dict[str, Any]:
    """Candidate fields for each argument of processor ``name``, from the first resource's preview."""
    resource = dataset.resources.order_by("position", "id").first()
    if resource is None:
        return {}
    shown = resource_preview(
        dataset=dataset, resource={"url": resource.url, "type": resource.type, "params": resource.params}
    )
    fields = [Field.from_dict(field) for field in shown["fields"]]
    return guess_processor_params(name, fields, shown["records"])
