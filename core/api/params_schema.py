"""OpenAPI parameters generated from the views' declared query parameters (``DeclaredParamsMixin``).

Settings point ``DEFAULT_SCHEMA_CLASS`` here, so that what a view accepts and what the description
says it accepts come from the same declaration. ``apikey`` is left to the security schemes, and
``expand`` is described only where something is expandable.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from core.api.params import APIKEY, EXPAND, QueryParam


def described(param: QueryParam, expandable: tuple[str, ...]) -> OpenApiParameter:
    description = param.description
    if param is EXPAND:
        description = f"{description}: {', '.join(expandable)}"
    return OpenApiParameter(param.name, param.schema_type, description=description)


class DeclaredParamsSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the query parameters a management view declares for the method."""

    def get_override_parameters(self) -> list[Any]:
        view = self.view
        if not hasattr(view, "accepted_params"):
            return super().get_override_parameters()
        expandable = tuple(cast(Any, view).expandable)
        declared = [
            described(param, expandable)
            for param in view.accepted_params(self.method).values()
            if param is not APIKEY and (param is not EXPAND or expandable)
        ]
        return [*declared, *super().get_override_parameters()]
