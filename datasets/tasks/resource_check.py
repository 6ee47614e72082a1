"""What a worker does for a resource check job: the check of ``datasets.services.resource_check``, run on
a resource too large to check within the request, with its progress written to the job."""

from __future__ import annotations

from typing import Any

from core.errors import NotFoundError
from datasets.errors import UnknownDatasetError
from datasets.models import Dataset
from datasets.services.configuration import PublishConfiguration, source_files, total_bytes
from datasets.services.resource_check import CheckProgress, ResourceCheck, resource_config
from jobs.models import Job


def resource_check_body(job: Job) -> dict[str, Any]:
    """The check job: the same check, with the dataset's configuration as it stands when the job runs."""
    dataset_uid, resource_uid = job.params["dataset_uid"], job.params["resource_uid"]
    dataset = Dataset.objects.filter(dataset_uid=dataset_uid).first()
    if dataset is None:
        raise UnknownDatasetError(dataset_uid=dataset_uid)
    configuration = PublishConfiguration.of_dataset(dataset)
    target = resource_config(configuration, resource_uid)
    if target is None:
        raise NotFoundError(path=f"/api/management/v2/datasets/{dataset_uid}/resources/{resource_uid}")
    with source_files() as sources:
        sources.fetch_all([target])
        size = total_bytes([target], sources)
        return ResourceCheck(configuration, target, sources, size, CheckProgress(job, size)).run()
