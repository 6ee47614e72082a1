"""Metadata templates (``default``, ``internal``, ``visualization``, ``dcat``, ``asset_content_configuration``) and
the validation of their values."""

from datasets.metadata_templates.definitions import (
    TEMPLATES,
    FieldDefinition,
    Template,
    UnknownMetadataFieldError,
    UnknownMetadataTemplateError,
    get_field,
    get_template,
    resolve_field,
)
from datasets.metadata_templates.validation import InvalidMetadataValueError, validate_value

__all__ = [
    "TEMPLATES",
    "FieldDefinition",
    "InvalidMetadataValueError",
    "Template",
    "UnknownMetadataFieldError",
    "UnknownMetadataTemplateError",
    "get_field",
    "get_template",
    "resolve_field",
    "validate_value",
]
