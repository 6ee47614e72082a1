"""What a worker does for a scheduled run: republish the data when a source changed, else nothing.

The run takes the configuration and the metadata stored on the published version, so it
refreshes data only (edits made since the last publish stay private). Each remote resource is
asked for conditionally, with the ``ETag`` / ``Last-Modified`` recorded at the last publish; a
source that answers with a body counts as changed only if the body's SHA-256 differs. When no
source changed the job ends ``done`` with ``skipped: true`` and no version is created. A source
that cannot be fetched fails the job; the published version stays served.
"""

from __future__ import annotations

from typing import Any, cast

from core.errors import ManagementAPIError
from datasets.models import Dataset, PublishedVersion
from datasets.services.configuration import PublishConfiguration, SourceFiles, source_files
from datasets.status import status_move
from datasets.tasks.outcome import with_dataset_outcome
from datasets.tasks.publish import PublishRun
from jobs.models import Job

S = Dataset.Status


class ScheduledRunError(ManagementAPIError):
    error_key = "ScheduledRunException"
    raw_message = "Cannot republish dataset {dataset_uid} on schedule: {reason}"


def changed_sources(configuration: PublishConfiguration, sources: SourceFiles) -> list[str]:
    """Fetch every remote resource, conditionally; the uids of those whose bytes changed."""
    changed = []
    for resource in configuration.resources:
        if not resource.is_remote:
            continue
        known = configuration.sources.get(resource.resource_uid)
        if not sources.fetch(resource, known):
            continue  # 304 Not Modified
        if known is None or sources.states[resource.resource_uid].sha256 != known.sha256:
            changed.append(resource.resource_uid)
    return changed


def skipped(dataset: Dataset, version: PublishedVersion | None, reason: str) -> dict[str, Any]:
    """End the run without a new version; the status goes back to what the served version says."""
    target = S.LIMIT_REACHED if version is not None and version.limit_reached else S.IDLE
    status_move(dataset, target, origins=(S.PROCESSING, S.ABORTING_PROCESSING))
    return {"skipped": True, "reason": reason, "version": version.number if version else None}


def republish_if_changed(job: Job, dataset: Dataset) -> dict[str, Any]:
    version = Dataset.objects.select_related("current_version").get(pk=dataset.pk).current_version
    if version is None:
        return skipped(dataset, None, "the dataset is not published")
    if not version.configuration:
        raise ScheduledRunError(
            dataset_uid=dataset.dataset_uid,
            reason="its last publish recorded no configuration to republish with; publish it once by hand",
        )
    configuration = PublishConfiguration.from_snapshot(version.configuration)
    if not any(resource.is_remote for resource in configuration.resources):
        return skipped(dataset, version, "the dataset has no URL resource to refresh")
    with source_files() as sources:
        changed = changed_sources(configuration, sources)
        if not changed:
            return skipped(dataset, version, "no source changed since the last publish")
        result = PublishRun(job, configuration, sources, metadata=version.metadata).run()
    return {**result, "skipped": False, "changed_resources": changed, "previous_version": version.number}


def scheduled_publish_body(job: Job) -> dict[str, Any]:
    """The scheduled run: queued -> processing -> idle (or limit_reached / error), like a publish."""
    dataset = Dataset.objects.get(pk=cast(int, job.dataset_id))
    status_move(dataset, S.PROCESSING, origins=(S.QUEUED,))
    return with_dataset_outcome(job, lambda: republish_if_changed(job, dataset))
