"""The OpenAPI description of the management API: object shapes, auth schemes, error responses.

The views render plain dicts (``representations.py``); the serializers below only *describe*
them. A drift between the two is caught by the schemathesis run in the test suite, which
validates every response against this description, and by the committed schema test.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.api.openapi import UserSerializer
from datasets.access.permissions import DOMAIN_PERMISSIONS
from datasets.models import Dataset
from datasets.models.security import QUOTA_UNITS, RULESET_PERMISSIONS

API_PREFIX = "/api/management/v2/"


class StatusSerializer(serializers.Serializer):
    """The dataset status: ``{"name"}`` inside a dataset unless expanded, the whole object at ``/status``."""

    name = serializers.ChoiceField(choices=Dataset.Status.values)
    published = serializers.BooleanField(required=False)
    since = serializers.DateTimeField(required=False)
    user = UserSerializer(required=False, allow_null=True)
    message = serializers.CharField(required=False, allow_null=True)
    raw_message = serializers.CharField(required=False, allow_null=True)
    raw_params = serializers.DictField(required=False, allow_null=True)
    records_errors = serializers.JSONField(
        required=False, help_text="Published only: the count of record errors, their list with expand=records_errors"
    )
    progresses = serializers.ListField(child=serializers.DictField(), required=False)


class TemplateRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a DRF Field attribute
    purpose = serializers.CharField()


class DefinitionSerializer(serializers.Serializer):
    """A metadata definition: ``{"name"}`` unless expanded."""

    name = serializers.CharField()
    type = serializers.CharField(required=False)
    label = serializers.CharField(required=False)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    widget = serializers.DictField(required=False)
    help_text = serializers.CharField(required=False)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    choices = serializers.ListField(child=serializers.JSONField(), required=False)


class MetadataTemplateSerializer(TemplateRefSerializer):
    fields = DefinitionSerializer(many=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute


class MetadataSerializer(serializers.Serializer):
    name = serializers.CharField()
    template = TemplateRefSerializer()
    definition = DefinitionSerializer()
    value = serializers.JSONField(allow_null=True)
    remote_value = serializers.JSONField(allow_null=True)
    override_remote_value = serializers.BooleanField()


class DatasetRefSerializer(serializers.Serializer):
    """A dataset: ``{"dataset_uid", "dataset_id"}`` unless expanded (then the whole dataset)."""

    dataset_uid = serializers.CharField()
    dataset_id = serializers.CharField()


class DiffEntrySerializer(serializers.Serializer):
    path = serializers.ListField(child=serializers.CharField())
    old_value = serializers.JSONField(allow_null=True)
    new_value = serializers.JSONField(allow_null=True)
    operation_type = serializers.ChoiceField(choices=["create", "update", "delete"])


class ChangeSerializer(serializers.Serializer):
    """A change: ``{"change_uid"}`` inside a dataset unless expanded."""

    change_uid = serializers.CharField()
    dataset = DatasetRefSerializer(required=False)
    user = UserSerializer(required=False, allow_null=True)
    timestamp = serializers.DateTimeField(required=False)
    diff = serializers.DictField(child=DiffEntrySerializer(many=True), required=False)
    sections = serializers.ListField(child=serializers.CharField(), required=False)


class DatasetSerializer(serializers.Serializer):
    dataset_uid = serializers.CharField()
    dataset_id = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Dataset.Visibility.values)
    last_modified = serializers.DateTimeField()
    has_unpublished_changes = serializers.BooleanField()
    status = StatusSerializer()
    metas = serializers.DictField(child=serializers.DictField())
    metadata = MetadataSerializer(many=True)
    changes = ChangeSerializer(many=True)


class DatasetPageSerializer(serializers.Serializer):
    nhits = serializers.IntegerField()
    rows = serializers.IntegerField()
    page = serializers.IntegerField()
    start = serializers.IntegerField(help_text="Index of the first dataset of the page, from 0")
    datasets = DatasetSerializer(many=True)


class ApiKeySerializer(serializers.Serializer):
    apikey_uid = serializers.CharField()
    key = serializers.CharField(required=False, help_text="The clear key: in the creation response only.")
    key_prefix = serializers.CharField()
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=DOMAIN_PERMISSIONS))
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)


class RootSerializer(serializers.Serializer):
    api = serializers.CharField()
    version = serializers.CharField()
    links = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class FileSerializer(serializers.Serializer):
    file_id = serializers.CharField()
    url = serializers.CharField()
    filename = serializers.CharField()
    properties = serializers.DictField()
    created = serializers.DateTimeField()


class ResourceSerializer(serializers.Serializer):
    resource_uid = serializers.CharField()
    url = serializers.CharField()
    title = serializers.CharField(allow_blank=True)
    type = serializers.CharField()
    params = serializers.DictField()


class ProcessorSerializer(serializers.Serializer):
    processor_uid = serializers.CharField()
    name = serializers.CharField()
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    args = serializers.JSONField()


class JobStubSerializer(serializers.Serializer):
    job_uid = serializers.CharField()
    state = serializers.CharField()


class ScheduleSerializer(serializers.Serializer):
    """When the dataset's data is republished from its sources (skipped when no source changed)."""

    schedule_uid = serializers.CharField()
    cron_schedule = serializers.CharField(help_text="Five cron fields: minute hour day-of-month month day-of-week")
    timezone = serializers.CharField(help_text="IANA zone the cron expression is read in")
    next_run = serializers.DateTimeField()
    last_run = serializers.DateTimeField(allow_null=True)
    last_job = JobStubSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class ScheduleRequest(serializers.Serializer):
    cron_schedule = serializers.CharField()
    timezone = serializers.CharField(required=False)


class FieldSpecificationSerializer(serializers.Serializer):
    processor_uid = serializers.CharField()
    name = serializers.CharField()
    args = serializers.JSONField()


class PreviewFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a DRF Field attribute
    type = serializers.CharField()
    original_name = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True)
    annotations = serializers.ListField(child=serializers.DictField())


class PreviewSerializer(serializers.Serializer):
    fields = PreviewFieldSerializer(many=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    records = serializers.ListField(child=serializers.DictField())


class CatalogueEntrySerializer(serializers.Serializer):
    """An extractor, processor or field specification with the parameters it takes."""

    label = serializers.CharField(required=False)  # type: ignore[assignment]  # a field named like a DRF Field attribute


class FreeObjectSerializer(serializers.Serializer):
    """An object whose keys depend on the request."""


class GuessExtractorsSerializer(serializers.Serializer):
    recommended_extractors = serializers.ListField(child=serializers.CharField())
    other_extractors = serializers.ListField(child=serializers.CharField())


class GuessExtractorParamsSerializer(serializers.Serializer):
    extractor = serializers.CharField()
    params = serializers.DictField()


class RecordErrorSerializer(serializers.Serializer):
    record_id = serializers.CharField(
        required=False, allow_null=True, help_text="The published record's id; null if not produced (publish only)"
    )
    row = serializers.IntegerField()
    resource_uid = serializers.CharField(allow_null=True)
    processor_uid = serializers.CharField(allow_null=True)
    field_uid = serializers.CharField(allow_null=True)
    message = serializers.CharField()
    raw_message = serializers.CharField()
    raw_params = serializers.DictField()


class CounterExampleSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The narrower type this value ruled out")
    row = serializers.IntegerField()
    value = serializers.JSONField(help_text="The value, cut to 200 characters")


class FieldInferenceSerializer(serializers.Serializer):
    """What type inference reports for one field over the whole resource (more keys may be present)."""

    type = serializers.CharField()
    counter_examples = CounterExampleSerializer(many=True)
    null_count = serializers.IntegerField()
    value_count = serializers.IntegerField()


class CheckFieldSerializer(PreviewFieldSerializer):
    inference = FieldInferenceSerializer(
        allow_null=True, help_text="null when a `type` field specification declares the field's type"
    )


class ResourceCheckSerializer(serializers.Serializer):
    """What a publish would make of the whole resource; nothing is published."""

    resource_uid = serializers.CharField()
    encoding = serializers.CharField(allow_null=True, help_text="The text encoding read with; null for XLSX")
    bytes = serializers.IntegerField(help_text="Size of the resource (a remote one as fetched)")
    records = serializers.IntegerField(help_text="Records after processors, at most MAX_RECORDS_PER_DATASET")
    limit_reached = serializers.BooleanField()
    fields = CheckFieldSerializer(many=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    record_error_count = serializers.IntegerField()
    record_errors = RecordErrorSerializer(many=True, help_text="The first RECORD_ERRORS_KEPT, in row order")
    seconds = serializers.FloatField()


class GroupSerializer(serializers.Serializer):
    """A group: ``{"group_id"}`` (the group's name) unless expanded."""

    group_id = serializers.CharField()
    title = serializers.CharField(required=False)
    user_count = serializers.IntegerField(required=False)


class QuotaSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1)
    unit = serializers.ChoiceField(choices=QUOTA_UNITS)


class RulesetSerializer(serializers.Serializer):
    """A security ruleset; ``user`` or ``group`` names its target (the default ruleset has neither)."""

    is_data_visible = serializers.BooleanField()
    visible_fields = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="null or ['*']: every field"
    )
    filter_query = serializers.CharField(allow_blank=True, help_text="An ODSQL where ANDed with every query")
    api_calls_quota = QuotaSerializer(allow_null=True)
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=RULESET_PERMISSIONS))
    user = UserSerializer(required=False)
    group = GroupSerializer(required=False)


ACCESS_POLICY = {"type": "string", "enum": list(Dataset.Visibility.values), "description": "A bare JSON string"}
ACCESS_POLICY_RESPONSE = OpenApiResponse(response=ACCESS_POLICY, description="The access policy")


# --- request bodies ------------------------------------------------------------------------------


class DatasetCreateRequest(serializers.Serializer):
    dataset_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    metas = serializers.DictField(child=serializers.DictField(), required=False)
    metadata = serializers.ListField(child=serializers.DictField(), required=False)
    visibility = serializers.ChoiceField(choices=Dataset.Visibility.values, required=False)


class DatasetRenameRequest(serializers.Serializer):
    """The new ``dataset_id``; the whole dataset object as fetched may be sent, its read-only keys unchanged."""

    dataset_id = serializers.CharField()


class MetadataValueRequest(serializers.Serializer):
    value = serializers.JSONField(allow_null=True)
    override_remote_value = serializers.BooleanField(required=False)


class BulkMetadataItem(serializers.Serializer):
    template_name = serializers.CharField()
    metadata_name = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    override_remote_value = serializers.BooleanField(required=False)


class BulkMetadataRequest(serializers.Serializer):
    metas = BulkMetadataItem(many=True)


class RestoreChangeRequest(serializers.Serializer):
    change_uid = serializers.CharField()


class FileUploadRequest(serializers.Serializer):
    content = serializers.CharField(help_text="The file's text (or send a multipart 'file' part instead)")
    filename = serializers.CharField(required=False)
    mimetype = serializers.CharField(required=False, help_text="Ignored: the type is sniffed from the content")


class ResourceRequest(serializers.Serializer):
    url = serializers.CharField()
    title = serializers.CharField(required=False, allow_blank=True)
    type = serializers.CharField()
    params = serializers.DictField(required=False)


class ProcessorRequest(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    args = serializers.JSONField(required=False)


class FieldSpecificationRequest(serializers.Serializer):
    name = serializers.CharField()
    args = serializers.JSONField()


class GuessProcessorParamsRequest(serializers.Serializer):
    name = serializers.CharField()


class GuessExtractorsRequest(serializers.Serializer):
    url = serializers.CharField()


class GuessExtractorParamsRequest(serializers.Serializer):
    url = serializers.CharField()
    extractor = serializers.CharField()


class RulesetRequest(serializers.Serializer):
    """A whole ruleset: attributes left out take their reset value (everything visible, no quota)."""

    is_data_visible = serializers.BooleanField(required=False)
    visible_fields = serializers.ListField(child=serializers.CharField(), allow_null=True, required=False)
    filter_query = serializers.CharField(allow_blank=True, required=False)
    api_calls_quota = QuotaSerializer(allow_null=True, required=False)
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=RULESET_PERMISSIONS), required=False)


class UserRefRequest(serializers.Serializer):
    username = serializers.CharField()


class GroupRefRequest(serializers.Serializer):
    group_id = serializers.CharField()


class UserRulesetRequest(RulesetRequest):
    """Required on POST; on PUT it may be left out (the URL names the user)."""

    user = UserRefRequest()


class GroupRulesetRequest(RulesetRequest):
    """Required on POST; on PUT it may be left out (the URL names the group)."""

    group = GroupRefRequest()


class ApiKeyRequest(serializers.Serializer):
    label = serializers.CharField(required=False, allow_null=True, max_length=200)  # type: ignore[assignment]  # a field named like a DRF Field attribute
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=DOMAIN_PERMISSIONS), required=False)


# --- generator hooks -----------------------------------------------------------------------------


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "datasets.access.authentication.ApiKeyAuthentication"
    name = ["apiKeyHeader", "apiKeyQuery"]

    def get_security_definition(self, auto_schema: Any) -> list[dict[str, Any]]:
        return [
            {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Apikey <key>`"},
            {"type": "apiKey", "in": "query", "name": "apikey"},
        ]


class BasicAuthenticationScheme(OpenApiAuthenticationExtension):
    """HTTP Basic, whatever subclass of DRF's authenticator the settings use (login throttling adds one)."""

    target_class = "rest_framework.authentication.BasicAuthentication"
    match_subclasses = True
    priority = 1
    name = "basicAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {"type": "http", "scheme": "basic"}


def management_endpoints_only(endpoints: list[tuple], **kwargs: Any) -> list[tuple]:
    """Describe the management API only, each route once (the form with the trailing slash)."""
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if path.startswith(API_PREFIX) and path.endswith("/")
    ]
