"""OpenAPI pieces every management endpoint shares, datasets or jobs: the user object and the error envelope.

The views render plain dicts; the serializers here only *describe* them (drf-spectacular names each
component after its class: ``UserSerializer`` is ``User``). ``add_error_responses`` is a postprocessing
hook of the generator (``SPECTACULAR_SETTINGS``).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class UserSerializer(serializers.Serializer):
    """A user: ``{"username"}`` unless expanded."""

    username = serializers.CharField()
    first_name = serializers.CharField(required=False)
    last_name = serializers.CharField(required=False)
    email = serializers.CharField(required=False)
    is_active = serializers.BooleanField(required=False)
    display_name = serializers.CharField(required=False)


ERROR_SCHEMA = {
    "type": "object",
    "description": "The error envelope; `errors` lists each problem when there are several.",
    "properties": {
        "status_code": {"type": "integer"},
        "error_key": {"type": "string"},
        "message": {"type": "string"},
        "raw_message": {"type": "string"},
        "raw_params": {"type": "object", "additionalProperties": {}},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Error"}},
    },
    "required": ["status_code", "error_key", "message", "raw_message", "raw_params"],
}


def split_alternatives(security: list[dict[str, list]]) -> list[dict[str, list]]:
    """One requirement per scheme: the API key goes in the header *or* the query, never both."""
    return [{name: scopes} for requirement in security for name, scopes in requirement.items()]


def add_error_responses(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Every operation may answer the error envelope with any 4xx/5xx code: document it as ``default``."""
    result["components"]["schemas"]["Error"] = ERROR_SCHEMA
    error = {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result["paths"].values():
        for operation in operations.values():
            operation["responses"].setdefault("default", error)
            if "security" in operation:
                operation["security"] = split_alternatives(operation["security"])
    return result
