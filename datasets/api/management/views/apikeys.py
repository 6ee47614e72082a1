"""The caller's API keys. Managing keys needs the password or a session, never a key."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import json_object
from core.errors import InvalidFieldError, NotFoundError, PermissionDeniedError
from datasets.api.management import openapi as doc
from datasets.api.management.base import ManagementAPIView
from datasets.api.management.representations import apikey_repr
from datasets.models import ApiKey
from datasets.models.apikey import hash_key
from datasets.services import apikey_create, apikey_delete, apikey_update


def checked_label(body: dict) -> str | None:
    label = body.get("label")
    if label is not None and (not isinstance(label, str) or len(label) > 200):
        raise InvalidFieldError(field="label", detail="expected a string of at most 200 characters, or null")
    return label


# The mixin below is only ever combined with ManagementAPIView: it is typed as one.
if TYPE_CHECKING:
    _ViewBase = ManagementAPIView
else:
    _ViewBase = object


class ApiKeyViewMixin(_ViewBase):
    def refuse_api_key_auth(self) -> None:
        if isinstance(self.request.auth, ApiKey):
            raise PermissionDeniedError(detail="API keys cannot be created, changed or deleted with an API key")

    def own_keys(self):
        keys = ApiKey.objects.filter(owner=self.request.user)
        if isinstance(self.request.auth, ApiKey):
            # Called with a key: that key is all it may see.
            keys = keys.filter(pk=self.request.auth.pk)
        return keys

    def key_for(self, key: str) -> ApiKey:
        """A key of the caller's, named by its uid or by the clear key itself."""
        found = self.own_keys().filter(apikey_uid=key).first() or self.own_keys().filter(key_hash=hash_key(key)).first()
        if found is None:
            raise NotFoundError(path=self.request.path)
        return found


class ApiKeyListView(ApiKeyViewMixin, ManagementAPIView):
    @extend_schema(responses=doc.ApiKeySerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response([apikey_repr(key) for key in self.own_keys()])

    @extend_schema(request=doc.ApiKeyRequest, responses={201: doc.ApiKeySerializer})
    def post(self, request: Request) -> Response:
        self.refuse_api_key_auth()
        body = json_object(request, allowed={"label", "permissions"})
        apikey, clear_key = apikey_create(
            owner=cast(User, request.user), label=checked_label(body), permissions=body.get("permissions")
        )
        return Response(apikey_repr(apikey, clear_key=clear_key), status=status.HTTP_201_CREATED)


class ApiKeyDetailView(ApiKeyViewMixin, ManagementAPIView):
    @extend_schema(responses=doc.ApiKeySerializer)
    def get(self, request: Request, key: str) -> Response:
        return Response(apikey_repr(self.key_for(key)))

    @extend_schema(request=doc.ApiKeyRequest, responses=doc.ApiKeySerializer)
    def put(self, request: Request, key: str) -> Response:
        self.refuse_api_key_auth()
        apikey = self.key_for(key)
        body = json_object(request, allowed={"label", "permissions"})
        apikey_update(apikey=apikey, label=checked_label(body), permissions=body.get("permissions"), fields=set(body))
        return Response(apikey_repr(apikey))

    @extend_schema(request=doc.ApiKeyRequest, responses=doc.ApiKeySerializer)
    def patch(self, request: Request, key: str) -> Response:
        return self.put(request, key)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, key: str) -> Response:
        self.refuse_api_key_auth()
        apikey_delete(apikey=self.key_for(key))
        return Response(status=status.HTTP_204_NO_CONTENT)
