"""Storing uploaded files: streamed to disk under a generated name, bounded, hashed, type sniffed."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, BinaryIO, cast

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.text import get_valid_filename

from core.errors import InvalidFieldError, PayloadTooLargeError
from datasets.access.caller import Caller
from datasets.models import File
from datasets.pipeline.guess import sniff_mimetype

FILE_URL_PREFIX = "odsfile://"
# Held domain-wide (within the API key; a superuser holds it), it opens every file, as ``GET /files`` shows.
ALL_FILES_RIGHT = "edit_dataset"
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


def copy_bounded(source: BinaryIO, target: IO[bytes], limit: int) -> tuple[int, str, bytes]:
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
def file_store(*, owner: User | None, stream: BinaryIO, filename: str | None) -> File:
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


def files_visible_to(caller: Caller) -> QuerySet[File]:
    """The files ``caller`` may read, attach, preview and download: their own uploads, every file for a
    domain-wide editor or a superuser. A file whose uploader is unknown (deleted user) is nobody's own."""
    if ALL_FILES_RIGHT in caller.domain_rights():
        return File.objects.all()
    if not caller.is_authenticated:
        return File.objects.none()
    return File.objects.filter(owner=cast(User, caller.user))


def files_usable_by(user: User | AnonymousUser | Caller | None) -> QuerySet[File]:
    """``files_visible_to`` for a user or a caller; every file for ``None`` (the platform itself)."""
    if user is None:
        return File.objects.all()
    return files_visible_to(user if isinstance(user, Caller) else Caller(user))


def file_for_user(user: User | AnonymousUser | Caller | None, url: str) -> File:
    """The uploaded file named by ``url`` (``odsfile://<file_id>``), if ``user`` may use it.

    The one gate for every place a client names a file by URL (resource create/update, previews, the
    extractor guesses…): a file the user could not ``GET /files/{file_id}`` answers exactly as a file that
    does not exist (a 400 naming the URL), so its existence is not revealed either. ``user`` may be a
    ``Caller`` (a management request's actor) so an API key's permissions apply too. ``None`` is the platform
    itself (management commands, demo loading: no request), which may use any file, as the services'
    ``user=None`` means elsewhere; a view always passes its request's user.
    """
    file_id = url.removeprefix(FILE_URL_PREFIX) if url.startswith(FILE_URL_PREFIX) else None
    file = files_usable_by(user).filter(file_id=file_id).first() if file_id else None
    if file is None:
        raise InvalidFieldError(field="url", detail=f"no uploaded file {url}")
    return file


def download_response(file: File) -> FileResponse:
    """The stored file as a download, for whichever API serves it (management files and resources, Explore
    attachments)."""
    # FileResponse closes the file once the body is sent.
    stream = open(file_path(file), "rb")  # noqa: SIM115
    response = FileResponse(stream, as_attachment=True, filename=file.filename)
    response["Content-Type"] = file.mimetype
    response["X-Content-Type-Options"] = "nosniff"
    # Uploaded bytes are untrusted: never let a browser run them as a page of this site.
    response["Content-Security-Policy"] = "sandbox"
    return response
