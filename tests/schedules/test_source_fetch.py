"""Fetching sources: conditional requests, the state a fetch reports, and redirects under the guard."""

import hashlib
import io
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

from datasets.services import fetch
from datasets.services.fetch import ResourceFetchError, SourceState, fetch_to
from tests.conftest import http_server

BODY = b"name,height\nOak,12\n"


class Handler(BaseHTTPRequestHandler):
    """/data.csv with an ETag (304 when it matches); /moved redirects to the ``Location`` query value."""

    def do_GET(self):  # noqa: N802 - the http.server API
        if self.path.startswith("/moved?to="):
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/moved?to="))
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args):
        pass


@pytest.fixture
def port():
    with http_server(Handler) as base:
        yield urlsplit(base).port


@pytest.fixture
def only_127_0_0_1(monkeypatch):
    """The guard as it stands in production, with 127.0.0.1 playing the part of a public host."""
    real = fetch.check_public_host

    def guard(url):
        if fetch.urlsplit(url).hostname == "127.0.0.1":
            return
        real(url)

    monkeypatch.setattr(fetch, "check_public_host", guard)
    real_peer = fetch.check_peer

    def peer(sock, url):
        if sock.getpeername()[0] != "127.0.0.1":
            real_peer(sock, url)

    monkeypatch.setattr(fetch, "check_peer", peer)


def test_a_fetch_reports_the_validators_and_the_hash(port, settings):
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
    target = io.BytesIO()
    outcome = fetch_to(f"http://127.0.0.1:{port}/data.csv", target)
    assert target.getvalue() == BODY
    assert outcome.not_modified is False
    assert outcome.state == SourceState(etag='"v1"', last_modified="", sha256=hashlib.sha256(BODY).hexdigest())


def test_a_conditional_fetch_of_an_unchanged_source_writes_nothing(port, settings):
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True
    known = SourceState(etag='"v1"', sha256="abc")
    target = io.BytesIO()
    outcome = fetch_to(f"http://127.0.0.1:{port}/data.csv", target, known)
    assert (outcome.not_modified, outcome.state, target.getvalue()) == (True, known, b"")


def test_a_304_to_an_unconditional_request_is_an_error(port, settings):
    """Without known validators there is nothing to keep: a 304 is not a body."""
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = True

    class Always304(Handler):
        def do_GET(self):  # noqa: N802
            self.send_response(304)
            self.end_headers()

    with http_server(Always304) as base, pytest.raises(ResourceFetchError, match="the server answered 304"):
        fetch_to(f"{base}/", io.BytesIO())


def test_redirects_towards_private_hosts_are_refused(port, only_127_0_0_1):
    target = io.BytesIO()
    with pytest.raises(ResourceFetchError, match="'localhost' is a private or local address"):
        fetch_to(f"http://127.0.0.1:{port}/moved?to=http://localhost:{port}/data.csv", target)
    assert target.getvalue() == b""


def test_redirects_to_other_schemes_are_refused(port, only_127_0_0_1):
    with pytest.raises(ResourceFetchError):
        fetch_to(f"http://127.0.0.1:{port}/moved?to=file:///etc/passwd", io.BytesIO())


def test_allowed_redirects_are_followed(port, only_127_0_0_1):
    target = io.BytesIO()
    fetch_to(f"http://127.0.0.1:{port}/moved?to=http://127.0.0.1:{port}/data.csv", target)
    assert target.getvalue() == BODY


def test_a_source_state_round_trips_through_its_stored_form():
    state = SourceState(etag='W/"x"', last_modified="Sat, 28 Nov 2026 10:00:00 GMT", sha256="0" * 64)
    assert SourceState.from_dict(state.as_dict()) == state
    assert SourceState.from_dict(None) == SourceState()
    assert state.conditional_headers() == {
        "If-None-Match": 'W/"x"',
        "If-Modified-Since": "Sat, 28 Nov 2026 10:00:00 GMT",
    }


def test_the_address_connected_to_is_checked_too(port, monkeypatch, settings):
    """A name that resolved to a public address at check time and to a private one at connect time (DNS
    rebinding) is refused when the socket is open, before the request is sent."""
    settings.RESOURCE_FETCH_ALLOW_PRIVATE = False
    monkeypatch.setattr(fetch, "check_public_host", lambda url: None)  # the first answer looked public
    target = io.BytesIO()
    with pytest.raises(ResourceFetchError, match="the host resolved to a private or local address"):
        fetch_to(f"http://127.0.0.1:{port}/data.csv", target)
    assert target.getvalue() == b""
