"""Browser fixtures: the system's Chromium driven by Playwright against a live server, a background RQ worker.

Chromium is the one ``config/servers.py install`` puts on the machine (Debian's ``chromium``), launched
through ``executable_path``: Playwright never downloads a browser here. Every test saves a screenshot of
each step under ``var/test-artifacts/<test>/<step>.png`` (and ``failure.png`` when it fails), so a run
can be looked at afterwards.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import django_rq
import pytest
from django.db import connection
from django.test import override_settings
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer
from rq.timeouts import TimerDeathPenalty

from config.servers import chromium_path
from jobs.workers import SimpleWorker

PROJECT_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS_DIR = PROJECT_DIR / "var" / "test-artifacts"

# --no-sandbox: the tests run as root here (CI too), and Chromium refuses to start its sandbox as root.
# The rest keep it off the network: this machine reaches no outside host, and the background services
# (updates, sync, field trials) would only wait on refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    """Every test under tests/browser/ carries the ``browser`` marker (``-m 'not browser'`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the browser tests, closed after the last of them.

    Playwright's sync API keeps a running asyncio loop in this thread, which Django's async-safety check
    takes for an async context; the test thread only makes blocking calls, so the check is lifted while the
    browser is open (and restored with it: the rest of the suite keeps the check).
    """
    executable = chromium_path()
    if executable is None:
        pytest.fail("No Chromium found: run `python3 config/servers.py install` (or set CHROMIUM)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server, speaking plain http.

    Production settings redirect to https and send HSTS, and the security middleware reads them once, when
    the server thread builds its handler: they are off while it starts (the per-test ``_plain_http`` fixture
    comes too late for a server shared by the session), and back on for the rest of the suite. Static files
    are served from the finders by the live server's own static handler: a test sees the current static/.
    """
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        server = LiveServer(request.config.getvalue("liveserver") or "localhost")
    yield server
    server.stop()


def artifact_dir(nodeid_name: str) -> Path:
    """The test's own screenshot folder, emptied: a name safe for any file system."""
    folder = ARTIFACTS_DIR / re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid_name).strip("_")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


def console_error(message) -> str:
    """A console error with the address it is about (a failed load names no file in its text)."""
    return f"{message.text} ({message.location.get('url', '')})"


@pytest.fixture
def page(request, settings, chromium, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server; a screenshot is kept when the test fails."""
    # Cookies marked Secure would not come back over the live server's plain http (read per response).
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    # Script errors and console errors (a blocked script under the Content-Security-Policy, a static file
    # that is not found) fail the test, unless it names them in ``tab.allowed_console_errors``.
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    tab.on("console", lambda message: errors.append(console_error(message)) if message.type == "error" else None)
    tab.allowed_console_errors = []
    tab.artifact_dir = artifact_dir(request.node.name)
    yield tab
    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        tab.screenshot(path=tab.artifact_dir / "failure.png", full_page=True)
    context.close()
    unexpected = [error for error in errors if not any(part in error for part in tab.allowed_console_errors)]
    assert not unexpected, f"errors in the browser console: {unexpected}"


@pytest.fixture
def shot(page) -> Callable[[str], Path]:
    """``shot("step")`` saves the page as var/test-artifacts/<test>/<NN>-<step>.png, numbered in order."""
    taken = []

    def take(step: str) -> Path:
        taken.append(step)
        path = page.artifact_dir / f"{len(taken):02d}-{step}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take


class ThreadWorker(SimpleWorker):
    """An RQ worker that may run outside the main thread: signal handlers can only be set in the main one, so
    no handlers, and job timeouts by a timer thread instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


@pytest.fixture
def background_worker(redis) -> Iterator[Callable[[], None]]:
    """``start()`` runs a real RQ worker on the default queue in a thread, while the browser waits on a page;
    it keeps draining the queue until the test ends. Started on demand, so a page can first show queued work."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def loop():
        try:
            while not stop.is_set():
                ThreadWorker([django_rq.get_queue("default")], connection=redis).work(burst=True)
                stop.wait(0.2)
        finally:
            connection.close()  # this thread's own database connection

    def start() -> None:
        assert not threads, "the worker is already running"
        threads.append(threading.Thread(target=loop, name="rq-worker", daemon=True))
        threads[0].start()

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
