"""Run one RQ worker (with its scheduler), the job reconciler and the web server together, for ``make run``.

Both run as children in their own process groups so that Ctrl-C reaches this process only and
it can stop them in order: the web server at once, the worker with a warm shutdown (it finishes
the job at hand), each escalated to SIGKILL after a grace period. When either child dies on its
own, the other is stopped too and the exit code says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 10


def start(name: str, args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    print(f"[run] starting {name}: {' '.join(args)}", flush=True)
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=PROJECT_DIR, start_new_session=True, env={**os.environ, **(env or {})}
    )


def web_environment() -> dict[str, str]:
    """Django's development server serves each request on a new thread: a persistent connection would outlive
    its thread, one per request, until PostgreSQL has no connection left. Each request closes its own."""
    return {"DB_CONN_MAX_AGE": "0"}


def stop(name: str, process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group, then SIGKILL it if it outlives the grace period."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        print(f"[run] {name} ignored SIGTERM for {GRACE_SECONDS}s; killing it", flush=True)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
    print(f"[run] {name} stopped", flush=True)


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    port = os.environ.get("PORT", "8000")
    children = {
        "worker": start("worker", ["rqworker", "default", "--with-scheduler"]),
        "reconciler": start("reconciler", ["jobs_reconcile", "--loop", "15"]),
        "web": start("web server", ["runserver", f"127.0.0.1:{port}"], web_environment()),
    }
    # Ctrl-C and SIGTERM (from a supervisor) stop both children; set SIGINT explicitly because
    # a shell that starts us in the background leaves it ignored.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    code = 0
    try:
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
        dead = next(name for name, child in children.items() if child.poll() is not None)
        code = children[dead].returncode or 1
        print(f"[run] {dead} exited with code {children[dead].returncode}; stopping the rest", flush=True)
    except KeyboardInterrupt:
        print("\n[run] stopping", flush=True)
    finally:
        for name in ("web", "reconciler", "worker"):
            stop(name, children[name])
    return code


if __name__ == "__main__":
    sys.exit(main())
