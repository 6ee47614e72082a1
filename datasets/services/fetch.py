"""Fetching http(s) resources: bounded in time and size, and never towards private addresses.

The fetched bytes land in a temporary file that the caller reads like an uploaded file.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO
from urllib.parse import urlsplit

from django.conf import settings

from config.errors import ManagementAPIError

CHUNK_BYTES = 256 * 1024


class ResourceFetchError(ManagementAPIError):
    error_key = "ResourceFetchException"
    raw_message = "Cannot fetch {url}: {reason}"


def check_public_host(url: str) -> None:
    """Refuse URLs whose host resolves to a loopback, private or link-local address (SSRF guard).

    ``RESOURCE_FETCH_ALLOW_PRIVATE`` lifts it for installations that harvest from their own network.
    """
    host = urlsplit(url).hostname or ""
    if settings.RESOURCE_FETCH_ALLOW_PRIVATE:
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        raise ResourceFetchError(url=url, reason=f"host '{host}' does not resolve") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise ResourceFetchError(url=url, reason=f"host '{host}' is a private or local address")


def download(response, target: BinaryIO, url: str, deadline: float) -> None:
    limit = settings.RESOURCE_FETCH_MAX_BYTES
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ResourceFetchError(url=url, reason=f"the resource is larger than the {limit} bytes allowed")
    size = 0
    while chunk := response.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise ResourceFetchError(url=url, reason=f"the resource is larger than the {limit} bytes allowed")
        if time.monotonic() > deadline:
            raise ResourceFetchError(url=url, reason=f"took longer than {settings.RESOURCE_FETCH_TIMEOUT} seconds")
        target.write(chunk)


@contextmanager
def fetched(url: str) -> Iterator[BinaryIO]:
    """The body of ``url`` in a temporary file, rewound; removed when the block ends."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ResourceFetchError(url=url, reason="only http and https URLs can be fetched")
    check_public_host(url)
    timeout = settings.RESOURCE_FETCH_TIMEOUT
    request = urllib.request.Request(url, headers={"User-Agent": "opendata-platform resource fetcher"})
    with tempfile.TemporaryFile() as target:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
                download(response, target, url, time.monotonic() + timeout)
        except urllib.error.HTTPError as error:
            raise ResourceFetchError(url=url, reason=f"the server answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ResourceFetchError(url=url, reason=f"{reason}") from None
        target.seek(0)
        yield target
