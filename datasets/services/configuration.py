"""The configuration a publish runs with, and the bytes of its resources for the length of the run.

A manual publish takes the dataset's configuration as it stands (resources, processors, field
specifications) and stores a copy of it, with the state of every fetched source, on the version
it creates. A scheduled run republishes only the data: it takes that stored copy, never the
configuration edited since, so unpublished edits stay private until someone publishes them.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, BinaryIO, cast

from django.conf import settings

from core.errors import InvalidFieldError
from datasets.models import Dataset, File
from datasets.pipeline.formats import ReadOptions
from datasets.pipeline.processors import build_processor
from datasets.pipeline.specifications import FieldSpecifications
from datasets.services.fetch import SourceState, fetch_to
from datasets.services.files import file_path


@dataclass(frozen=True)
class ResourceConfig:
    """One resource as a publish reads it."""

    resource_uid: str
    url: str
    type: str
    params: dict[str, Any]
    title: str = ""

    @property
    def is_remote(self) -> bool:
        return not self.url.startswith("odsfile://")

    @property
    def read_options(self) -> ReadOptions:
        return read_options(self.params)


def read_options(params: dict[str, Any] | None) -> ReadOptions:
    """A resource's reading conventions (null markers, decimal mark, date order, zone) from its params."""
    return ReadOptions.from_params(params, settings.DATA_TIME_ZONE)


@dataclass(frozen=True)
class StepConfig:
    """One processor or field specification: its uid, name and arguments."""

    processor_uid: str
    name: str
    args: dict[str, Any] | list[Any]  # a list for the ``order`` specification (reference §12)


@dataclass
class PublishConfiguration:
    """Resources, processors and field specifications, in order; the files published beside the records.

    ``attachments`` and ``alternative_exports`` do not shape the records: they are carried so that the
    version shows the lists as of its publish (a scheduled run keeps the ones last published).
    """

    resources: list[ResourceConfig]
    processors: list[StepConfig]
    specifications: list[StepConfig]
    sources: dict[str, SourceState] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    alternative_exports: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of_dataset(cls, dataset: Dataset) -> PublishConfiguration:
        """The dataset's configuration as it stands now."""
        return cls(
            resources=[
                ResourceConfig(r.resource_uid, r.url, r.type, dict(r.params), r.title)
                for r in dataset.resources.order_by("position", "id")
            ],
            processors=[StepConfig(p.processor_uid, p.name, copy.deepcopy(p.args)) for p in dataset.processors.all()],
            specifications=[
                StepConfig(s.processor_uid, s.name, copy.deepcopy(s.args)) for s in dataset.field_specifications.all()
            ],
            **published_links(dataset),
        )

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> PublishConfiguration:
        return cls(
            resources=[ResourceConfig(**item) for item in snapshot.get("resources", [])],
            processors=[StepConfig(**item) for item in snapshot.get("processors", [])],
            specifications=[StepConfig(**item) for item in snapshot.get("fields_specifications", [])],
            sources={uid: SourceState.from_dict(state) for uid, state in snapshot.get("sources", {}).items()},
            attachments=list(snapshot.get("attachments", [])),
            alternative_exports=list(snapshot.get("alternative_exports", [])),
        )

    def snapshot(self) -> dict[str, Any]:
        """What a version stores, and what ``from_snapshot`` reads back."""
        return {
            "resources": [asdict(resource) for resource in self.resources],
            "processors": [asdict(step) for step in self.processors],
            "fields_specifications": [asdict(step) for step in self.specifications],
            "sources": {uid: state.as_dict() for uid, state in self.sources.items()},
            "attachments": self.attachments,
            "alternative_exports": self.alternative_exports,
        }

    def steps(self) -> list[Any]:
        return [
            build_processor(step.name, cast(dict[str, Any], step.args), step.processor_uid) for step in self.processors
        ]

    def field_specifications(self) -> FieldSpecifications:
        return FieldSpecifications([(step.processor_uid, step.name, step.args) for step in self.specifications])


def published_links(dataset: Dataset) -> dict[str, Any]:
    """The dataset's attachments and alternative exports as a version stores them, in order."""
    attachments = dataset.attachments.order_by("position", "id").values("attachment_uid", "url", "title")
    exports = dataset.alternative_exports.order_by("position", "id").values("export_uid", "url", "title")
    return {"attachments": list(attachments), "alternative_exports": list(exports)}


class SourceFiles:
    """The bytes of every resource of one run: remote ones fetched once into temporary files.

    Publishing reads each resource twice (inference, then loading); both passes must see the same
    bytes, and the source's state recorded on the version must describe them. Remote resources
    are therefore fetched once, at the start, and read from disk afterwards.
    """

    def __init__(self, stack: ExitStack) -> None:
        self.stack = stack
        self.files: dict[str, BinaryIO] = {}
        self.states: dict[str, SourceState] = {}

    def fetch(self, resource: ResourceConfig, known: SourceState | None = None) -> bool:
        """Fetch a remote resource (conditionally with ``known``); False when the server says it did not change."""
        target = self.stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - the stack closes it
        outcome = fetch_to(resource.url, target, known)
        self.states[resource.resource_uid] = outcome.state
        if outcome.not_modified:
            return False
        self.files[resource.resource_uid] = target
        return True

    def fetch_all(self, resources: list[ResourceConfig]) -> None:
        for resource in resources:
            if resource.is_remote and resource.resource_uid not in self.files:
                self.fetch(resource)

    def size(self, resource: ResourceConfig) -> int:
        """The size of a fetched remote resource, in bytes."""
        stream = self.files[resource.resource_uid]
        stream.flush()  # written through a buffer: the file's size counts once it is flushed
        return os.fstat(stream.fileno()).st_size

    @contextmanager
    def open(self, resource: ResourceConfig) -> Iterator[BinaryIO]:
        """The resource's bytes from the start: its fetched copy, or the uploaded file."""
        if resource.is_remote:
            stream = self.files[resource.resource_uid]
            stream.seek(0)
            yield stream
            return
        file = File.objects.filter(file_id=resource.url.removeprefix("odsfile://")).first()
        if file is None:
            raise InvalidFieldError(field="url", detail=f"no uploaded file {resource.url}")
        with open(file_path(file), "rb") as stream:
            yield stream


@contextmanager
def source_files() -> Iterator[SourceFiles]:
    """A ``SourceFiles`` whose temporary files are removed when the block ends."""
    with ExitStack() as stack:
        yield SourceFiles(stack)


def total_bytes(resources: list[ResourceConfig], sources: SourceFiles) -> int:
    """The bytes a run reads: uploaded files' sizes, and remote resources as fetched for this run."""
    file_ids = [resource.url.removeprefix("odsfile://") for resource in resources if not resource.is_remote]
    uploaded = sum(File.objects.filter(file_id__in=file_ids).values_list("size", flat=True))
    return uploaded + sum(sources.size(resource) for resource in resources if resource.is_remote)
