"""A small client speaking the management API the way the reference's examples do (JSON bodies, auth header)."""

from __future__ import annotations

import base64
import json
from typing import Any

from rest_framework.test import APIClient

MANAGEMENT = "/api/management/v2"
EXPLORE = "/api/explore/v2.1"


class ReferenceClient:
    """Sends one request per call, checks its status code and returns the decoded JSON body (None when empty)."""

    def __init__(self, client: APIClient, authorization: str | None = None):
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    @classmethod
    def basic(cls, username: str, password: str) -> ReferenceClient:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        return cls(APIClient(), authorization=f"Basic {token}")

    def raw(self, method: str, path: str, body: Any = None, **extra):
        kwargs: dict[str, Any] = {**self.headers, **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(f"{MANAGEMENT}{path}", **kwargs)

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.raw(method, path, body)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == expect, f"{method.upper()} {path}: {response.status_code} {content[:600]!r}"
        return json.loads(content) if content else None

    def get(self, path: str, expect: int = 200) -> Any:
        return self.call("get", path, expect=expect)

    def post(self, path: str, body: Any, expect: int = 200) -> Any:
        return self.call("post", path, body, expect)

    def put(self, path: str, body: Any = None, expect: int = 200) -> Any:
        return self.call("put", path, body, expect)

    def delete(self, path: str, expect: int = 204) -> Any:
        return self.call("delete", path, expect=expect)

    def upload(self, path: str, filename: str, content: bytes, expect: int = 201) -> Any:
        """``curl -F file=@<filename>``: a multipart upload."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile(filename, content, content_type="text/csv")
        response = self.client.post(f"{MANAGEMENT}{path}", {"file": upload}, format="multipart", **self.headers)
        assert response.status_code == expect, f"POST {path}: {response.status_code} {response.content[:600]!r}"
        return response.json()

    def explore(self, path: str, expect: int = 200, anonymous: bool = False) -> Any:
        headers = {} if anonymous else self.headers
        response = self.client.get(f"{EXPLORE}{path}", **headers)
        assert response.status_code == expect, f"GET {path}: {response.status_code} {response.content[:600]!r}"
        return response.json()
