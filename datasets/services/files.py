"""Storing uploaded files: streamed to disk under a generated name, bounded, hashed, type sniffed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import get_valid_filename

from config.errors import PayloadTooLargeError
from datasets.models import File
from datasets.pipeline.guess import sniff_mimetype

CHUNK_BYTES = 1024 * 1024
SNIFF_BYTES = 64 * 1024


def clean_filename(name: str | None) -> str:
    """The client's file name without any path, reduced to safe characters; only ever shown, never used as a path."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    try:
        cleaned = get_valid_filename(base)
    except Exception:  # Django raises SuspiciousFileOperation for names like "." or ".."
        cleaned = ""
    return cleaned[:255] or "file"


def file_path(file: File) -> Path:
    return Path(settings.MEDIA_ROOT) / file.storage_name


def copy_bounded(source: BinaryIO, target: BinaryIO, limit: int) -> tuple[int, str, bytes]:
    """Copy in chunks; returns (size, sha256, first bytes). Over ``limit`` bytes is a 413."""
    digest, size, head = hashlib.sha256(), 0, b""
    while chunk := source.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(limit=limit)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        digest.update(chunk)
        target.write(chunk)
    return size, digest.hexdigest(), head


@transaction.atomic
def file_store(*, owner: AbstractBaseUser | None, stream: BinaryIO, filename: str | None) -> File:
    """Store the bytes of ``stream`` as a new File; nothing is kept when it is too large."""
    file = File(owner=owner, filename=clean_filename(filename))
    target = file_path(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".upload-", delete=False) as temporary:
        try:
            size, sha256, head = copy_bounded(stream, temporary, settings.UPLOAD_MAX_BYTES)
        except BaseException:
            os.unlink(temporary.name)
            raise
    os.replace(temporary.name, target)
    file.size, file.sha256 = size, sha256
    file.mimetype = sniff_mimetype(head, file.filename)
    try:
        file.full_clean(validate_unique=False)
        file.save()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return file


def file_discard(file: File) -> None:
    """Remove a file's blob (after its row is gone)."""
    file_path(file).unlink(missing_ok=True)
