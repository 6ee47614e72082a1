"""`make run`'s process pair: web server and worker come up together and stop together."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from rq import Worker

from tests.conftest import free_port, redis_url_for_tests

PROJECT_DIR = Path(__file__).resolve().parents[2]


def wait_for_health(url: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                body = json.loads(response.read())
                if body["workers"]["count"] >= 1:
                    return body
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not report a worker within {timeout}s")


@pytest.mark.django_db(transaction=True)
def test_ctrl_c_stops_web_server_and_worker(redis):
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "true",
        "PORT": str(port),
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": redis_url_for_tests(),
    }
    process = subprocess.Popen(
        [sys.executable, "config/devserver.py"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = wait_for_health(f"http://127.0.0.1:{port}/health", timeout=60)
        assert body["status"] == "ok"
        assert body["workers"]["count"] == 1
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "web stopped" in output and "worker stopped" in output
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert Worker.all(connection=redis) == []
