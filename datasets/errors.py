"""Errors of the dataset domain, in the management API's envelope."""

from core.errors import ManagementAPIError


class UnknownDatasetError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownDatasetException"
    raw_message = "Unknown dataset: {dataset_uid}"


class DatasetIdMandatoryError(ManagementAPIError):
    error_key = "ODSException"
    raw_message = "Dataset identifier (dataset_id) is mandatory"


class InvalidDatasetIdError(ManagementAPIError):
    error_key = "InvalidDatasetIdException"
    raw_message = (
        "Invalid dataset identifier '{dataset_id}': use 1 to 100 lowercase letters, digits, '-' or '_', "
        "starting with a letter or a digit"
    )


class DatasetIdAlreadyExistsError(ManagementAPIError):
    error_key = "DatasetIdAlreadyExistsException"
    raw_message = "Dataset identifier '{dataset_id}' is already used by another dataset"


class DatasetIdChangeForbiddenError(ManagementAPIError):
    error_key = "DatasetIdChangeForbiddenException"
    raw_message = "The identifier of dataset {dataset_uid} cannot change while it is published; unpublish it first"


class DatasetIsDraftError(ManagementAPIError):
    """A dataset whose ``internal.draft`` is true cannot be published (the Automation API's rule, API-DECISIONS)."""

    error_key = "DatasetIsDraftException"
    raw_message = (
        "Dataset {dataset_uid} is a draft (internal.draft) and cannot be published; unset internal.draft first"
    )


class UnknownChangeError(ManagementAPIError):
    error_key = "UnknownChangeException"
    raw_message = "Unknown change '{change_uid}' for dataset {dataset_uid}"


class UnknownMetadataError(ManagementAPIError):
    status_code = 404
    error_key = "UnknownMetadataException"
    raw_message = "Unknown metadata {template}.{name}"


class DatasetPermissionDeniedError(ManagementAPIError):
    status_code = 403
    error_key = "PermissionDeniedException"
    raw_message = "Permission '{permission}' is required on dataset {dataset_uid}"


class DomainPermissionDeniedError(ManagementAPIError):
    status_code = 403
    error_key = "PermissionDeniedException"
    raw_message = "Permission '{permission}' is required"
