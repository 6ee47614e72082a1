"""Fetching http(s) resources: bounded in time and size, and never towards private addresses.

The guard checks the host's addresses before the request, every redirect's target, and the address
each socket actually connected to (so a name that changes its answer in between gets nowhere).

The fetched bytes land in a temporary file that the caller reads like an uploaded file. Each
fetch also reports what a later fetch needs to tell whether the source changed: the server's
``ETag`` and ``Last-Modified`` validators and the SHA-256 of the body. Given those validators,
``fetch_to`` asks conditionally and a ``304 Not Modified`` answer writes nothing.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import socket
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import ManagementAPIError

CHUNK_BYTES = 256 * 1024
USER_AGENT = "opendata-platform resource fetcher"


class ResourceFetchError(ManagementAPIError):
    error_key = "ResourceFetchException"
    raw_message = "Cannot fetch {url}: {reason}"


@dataclass(frozen=True)
class SourceState:
    """What identifies the bytes of one fetch: the server's validators and the body's hash.

    ``sha256`` is empty when the server answered 304 (no body was read).
    """

    etag: str = ""
    last_modified: str = ""
    sha256: str = ""

    @classmethod
    def from_dict(cls, value: dict[str, Any] | None) -> SourceState:
        value = value or {}
        return cls(**{name: str(value.get(name) or "") for name in ("etag", "last_modified", "sha256")})

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def conditional_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True)
class FetchOutcome:
    """The result of ``fetch_to``: the new state, and whether the server said nothing changed (304)."""

    state: SourceState
    not_modified: bool = False


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
        ip = ipaddress.ip_address(cast(str, address).split("%")[0])
        if not ip.is_global:
            raise ResourceFetchError(url=url, reason=f"host '{host}' is a private or local address")


def check_fetchable(url: str) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise ResourceFetchError(url=url, reason="only http and https URLs can be fetched")
    check_public_host(url)


def check_peer(sock: socket.socket, url: str) -> None:
    """Refuse a connection whose far end is not a global address.

    ``check_public_host`` resolves the name before urllib resolves it again to connect: a name that
    answers a public address first and a private one next (DNS rebinding) would get through. The
    address actually connected to is what counts.
    """
    if settings.RESOURCE_FETCH_ALLOW_PRIVATE:
        return
    address = sock.getpeername()[0]
    if not ipaddress.ip_address(address.split("%")[0]).is_global:
        sock.close()
        raise ResourceFetchError(url=url, reason="the host resolved to a private or local address")


def guarded(connection_class: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
    """``connection_class`` whose sockets pass ``check_peer`` before a byte is sent."""

    class Guarded(connection_class):  # type: ignore[valid-type, misc]  # a subclass of the class passed in
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = self.checked_connection

        def checked_connection(self, address, *args, **kwargs) -> socket.socket:
            sock = socket.create_connection(address, *args, **kwargs)
            check_peer(sock, f"{self.host}:{self.port}")
            return sock

    return Guarded


GuardedHTTPConnection = guarded(http.client.HTTPConnection)
GuardedHTTPSConnection = guarded(http.client.HTTPSConnection)


def through_proxy(request: urllib.request.Request) -> bool:
    """A proxied request connects to the proxy, an address the operator chose: no peer check then."""
    return request.has_proxy() or bool(getattr(request, "_tunnel_host", None))


class GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(http.client.HTTPConnection if through_proxy(req) else GuardedHTTPConnection, req)


class GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        connection = http.client.HTTPSConnection if through_proxy(req) else GuardedHTTPSConnection
        return self.do_open(connection, req, context=self._context)


class CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects only towards URLs the first request would have been allowed to reach.

    Without it a public URL answering ``302 Location: http://127.0.0.1/`` would walk around the guard.
    """

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_fetchable(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


OPENER = urllib.request.build_opener(CheckedRedirects, GuardedHTTPHandler, GuardedHTTPSHandler)


def download(response, target: BinaryIO, url: str, deadline: float) -> str:
    """Copy the body into ``target`` within the size and time limits; returns its SHA-256."""
    limit = settings.RESOURCE_FETCH_MAX_BYTES
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ResourceFetchError(url=url, reason=f"the resource is larger than the {limit} bytes allowed")
    size, digest = 0, hashlib.sha256()
    while chunk := response.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise ResourceFetchError(url=url, reason=f"the resource is larger than the {limit} bytes allowed")
        if time.monotonic() > deadline:
            raise ResourceFetchError(url=url, reason=f"took longer than {settings.RESOURCE_FETCH_TIMEOUT} seconds")
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


def fetch_to(url: str, target: BinaryIO, known: SourceState | None = None) -> FetchOutcome:
    """Write the body of ``url`` into ``target``; with ``known`` validators, ask only for a changed body."""
    check_fetchable(url)
    timeout = settings.RESOURCE_FETCH_TIMEOUT
    headers = {"User-Agent": USER_AGENT, **(known.conditional_headers() if known else {})}
    request = urllib.request.Request(url, headers=headers)
    try:
        with OPENER.open(request, timeout=timeout) as response:
            sha256 = download(response, target, url, time.monotonic() + timeout)
            validators = response.headers
    except urllib.error.HTTPError as error:
        if error.code == 304 and known is not None:
            return FetchOutcome(state=known, not_modified=True)
        raise ResourceFetchError(url=url, reason=f"the server answered {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ResourceFetchError(url=url, reason=f"{reason}") from None
    state = SourceState(
        etag=validators.get("ETag", ""), last_modified=validators.get("Last-Modified", ""), sha256=sha256
    )
    return FetchOutcome(state=state)


@contextmanager
def fetched(url: str) -> Iterator[BinaryIO]:
    """The body of ``url`` in a temporary file, rewound; removed when the block ends."""
    with tempfile.TemporaryFile() as target:
        fetch_to(url, target)
        target.seek(0)
        yield target
