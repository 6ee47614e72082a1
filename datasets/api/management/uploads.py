"""Bounding multipart uploads while they stream, before Django has written them whole."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from core.errors import PayloadTooLargeError

# Multipart boundaries and headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class BoundedUploadHandler(TemporaryFileUploadHandler):
    """Streams the upload to a temporary file and gives up as soon as it exceeds UPLOAD_MAX_BYTES."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.UPLOAD_MAX_BYTES + MULTIPART_OVERHEAD:
            raise PayloadTooLargeError(limit=settings.UPLOAD_MAX_BYTES)
        return super().handle_raw_input(input_data, META, content_length, boundary, encoding)

    def new_file(self, *args, **kwargs):
        self.received = 0
        return super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            raise PayloadTooLargeError(limit=settings.UPLOAD_MAX_BYTES)
        return super().receive_data_chunk(raw_data, start)
