"""The OpenAPI description of the job object (``jobs.api.representations.job_repr``).

Shared by the jobs endpoints and by the dataset endpoints that answer 202 with the job they queued.
"""

from __future__ import annotations

from rest_framework import serializers

from core.api.openapi import UserSerializer


class JobSerializer(serializers.Serializer):
    job_uid = serializers.CharField()
    job_id = serializers.CharField()
    function = serializers.CharField()
    params = serializers.DictField()
    state = serializers.ChoiceField(choices=["waiting", "started", "running", "done", "error", "aborted"])
    progresses = serializers.ListField(child=serializers.DictField())
    result = serializers.DictField(allow_null=True)
    error = serializers.DictField(allow_null=True)
    dataset_uid = serializers.CharField(allow_null=True)
    user = UserSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
