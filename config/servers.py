"""Start, stop and report the project's private PostgreSQL (with PostGIS) and Redis.

Usage::

    python3 config/servers.py install   # install missing system packages, start nothing
    python3 config/servers.py start     # install if needed, then start both (idempotent)
    python3 config/servers.py stop      # stop both (idempotent); data stays under var/
    python3 config/servers.py status    # report; exit 1 when one is not running

The servers listen on loopback only, on fixed non-default ports, and keep their data under
``var/`` (or ``SERVICES_DIR``). A service whose URL is already configured (``DATABASE_URL``,
``REDIS_URL``) is external and left alone. ``SERVICES_FAST=1`` trades crash safety for speed
(no fsync, no Redis snapshots): for throw-away CI machines only.

This module is standard library only: it runs before the virtualenv exists, and
``config.settings`` imports its port and name constants so both always agree.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PG_PORT = int(os.environ.get("PRIVATE_PG_PORT", "55432"))
PG_DATABASE = "opendata"
PG_USER = "postgres"
REDIS_PORT = int(os.environ.get("PRIVATE_REDIS_PORT", "56379"))
MIN_PG_MAJOR = 15


class ServiceError(Exception):
    """A service could not be installed, started or stopped; the message says what to do."""


def log(message: str) -> None:
    print(f"[services] {message}", flush=True)


def run(cmd: list[str], *, check: bool = True, quiet: bool = False) -> subprocess.CompletedProcess[str]:
    """Run a command; on failure raise ServiceError carrying its output."""
    result = subprocess.run(cmd, capture_output=True, text=True)
    if check and result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise ServiceError(f"command failed ({result.returncode}): {' '.join(cmd)}\n{output}")
    if not quiet and result.stdout.strip():
        print(result.stdout.rstrip(), flush=True)
    return result


# --- where things live -------------------------------------------------------------------------


def is_root() -> bool:
    return os.geteuid() == 0


def traversable_by_postgres(path: Path) -> bool:
    """Whether the ``postgres`` system user can reach ``path`` (every parent needs +x)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    return run(["runuser", "-u", "postgres", "--", "test", "-x", str(probe)], check=False).returncode == 0


def services_dir() -> Path:
    """The folder holding both servers' data, logs and pid files.

    As root, PostgreSQL runs as the ``postgres`` user, which must traverse every parent of its
    data folder; when the checkout is not reachable (a ``chmod 700`` home, say) the data goes to
    a folder under /tmp named after the intended one, so every call finds the same folder.
    """
    configured = os.environ.get("SERVICES_DIR")
    base = Path(configured).resolve() if configured else PROJECT_DIR / "var"
    if not is_root() or traversable_by_postgres(base):
        return base
    digest = hashlib.sha1(str(base).encode()).hexdigest()[:10]
    return Path("/tmp") / f"opendata-services-{digest}"


def fast_mode() -> bool:
    return os.environ.get("SERVICES_FAST", "") in ("1", "true", "True")


# --- installing --------------------------------------------------------------------------------


def postgres_bindir() -> Path | None:
    """The bin folder of the newest installed PostgreSQL server >= MIN_PG_MAJOR, if any."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb") + glob.glob("/usr/pgsql-*/bin/initdb"):
        major = "".join(ch for ch in Path(initdb).parent.parent.name if ch.isdigit())
        if major and int(major) >= MIN_PG_MAJOR:
            candidates.append((int(major), Path(initdb).parent))
    if candidates:
        return max(candidates)[1]
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        version = run([on_path, "--version"], quiet=True).stdout.split()[-1]
        if int(version.split(".")[0]) >= MIN_PG_MAJOR:
            return Path(on_path).resolve().parent
    return None


def postgis_installed(bindir: Path) -> bool:
    major = bindir.parent.name
    patterns = [
        f"/usr/share/postgresql/{major}/extension/postgis.control",
        str(bindir.parent / "share" / "extension" / "postgis.control"),
        str(bindir.parent / "share" / "postgresql" / "extension" / "postgis.control"),
    ]
    return any(glob.glob(pattern) for pattern in patterns)


def missing_packages() -> list[str]:
    """Debian package names for what is absent; empty when everything is there."""
    missing = []
    bindir = postgres_bindir()
    if bindir is None:
        missing += ["postgresql", "postgresql-contrib"]
    elif not postgis_installed(bindir):
        missing.append(f"postgresql-{bindir.parent.name}-postgis-3")
    if not redis_needed_binary():
        missing.append("redis-server")
    if not chromium_path():
        missing.append("chromium")
    return missing


def redis_needed_binary() -> str | None:
    return shutil.which("redis-server")


# The browser tests (tests/browser/) drive this one through Playwright's executable_path: the
# system's browser, never a browser build downloaded by `playwright install`.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_path() -> str | None:
    """The Chromium the browser tests launch: ``CHROMIUM`` when set, else the first one on PATH."""
    configured = os.environ.get("CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


MANUAL_INSTALL = """Install them yourself, then run this again:
  Debian/Ubuntu: apt-get install postgresql postgresql-contrib postgresql-<major>-postgis-3 redis-server chromium
  Fedora/RHEL:   dnf install postgresql-server postgresql-contrib postgis redis chromium
  macOS:         brew install postgresql@16 postgis redis; brew install --cask chromium
or point DATABASE_URL and REDIS_URL at servers you already run (PostgreSQL >= 15 with PostGIS),
and CHROMIUM at a Chromium or Chrome executable for the browser tests."""


def apt_install(packages: list[str]) -> None:
    prefix = [] if is_root() else ["sudo", "-n"]
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"]
    log(f"installing system packages: {' '.join(packages)}")
    run(prefix + env_prefix + ["apt-get", "update", "-qq"], quiet=True)
    run(prefix + env_prefix + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], quiet=True)


def can_use_apt() -> bool:
    if not shutil.which("apt-get"):
        return False
    if is_root():
        return True
    return bool(shutil.which("sudo")) and run(["sudo", "-n", "true"], check=False).returncode == 0


def install() -> None:
    """Install the missing server and browser packages with apt where permitted, else say what to install."""
    needed = [name for name in missing_packages() if not external(name)]
    if not needed:
        return
    if not can_use_apt():
        raise ServiceError(f"missing system packages: {' '.join(needed)}.\n{MANUAL_INSTALL}")
    apt_install(needed)
    # The PostGIS package name depends on the server's major version, known only now.
    still = [name for name in missing_packages() if not external(name)]
    if still:
        apt_install(still)
    still = [name for name in missing_packages() if not external(name)]
    if still:
        raise ServiceError(f"still missing after apt-get: {' '.join(still)}.\n{MANUAL_INSTALL}")


def external(package: str) -> bool:
    """Whether the package serves a service configured to run elsewhere."""
    if package == "chromium":
        return False  # not a service: the browser tests need it on this machine
    if package.startswith("redis"):
        return "REDIS_URL" in os.environ
    return "DATABASE_URL" in os.environ


# --- PostgreSQL --------------------------------------------------------------------------------


@dataclass
class Postgres:
    """The private PostgreSQL cluster under ``<services dir>/postgres``."""

    root: Path
    bindir: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logfile(self) -> Path:
        return self.root / "server.log"

    def as_owner(self, cmd: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root.
        return ["runuser", "-u", "postgres", "--", *cmd] if is_root() else cmd

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(self.as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), *args]), check=check, quiet=True)

    def running(self) -> bool:
        return self.data.exists() and self.pg_ctl("status", check=False).returncode == 0

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if is_root():
            shutil.chown(self.root, "postgres", "postgres")
        locale = "C.UTF-8" if "c.utf8" in run(["locale", "-a"], check=False, quiet=True).stdout.lower() else "C"
        log(f"creating a PostgreSQL cluster in {self.data}")
        initdb = [str(self.bindir / "initdb"), "-D", str(self.data), "-U", PG_USER, "--auth=trust"]
        run(self.as_owner([*initdb, "-E", "UTF8", f"--locale={locale}", "--no-sync"]), quiet=True)
        settings = [
            "listen_addresses = '127.0.0.1'",
            f"port = {PG_PORT}",
            # TCP only: socket paths are limited to ~107 bytes and checkouts can be deep.
            "unix_socket_directories = ''",
        ]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n# private instance, written by config/servers.py\n" + "\n".join(settings) + "\n")

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self.init()
        if self.running():
            log(f"PostgreSQL already running on 127.0.0.1:{PG_PORT}")
        elif port_in_use(PG_PORT):
            raise ServiceError(
                f"127.0.0.1:{PG_PORT} is taken by a server not started from {self.data}; "
                "stop it, or choose another PRIVATE_PG_PORT, or point DATABASE_URL at it"
            )
        else:
            options = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" if fast_mode() else ""
            result = self.pg_ctl("start", "-w", "-t", "60", "-l", str(self.logfile), "-o", options, check=False)
            if result.returncode != 0:
                raise ServiceError(f"PostgreSQL did not start; last lines of {self.logfile}:\n{tail(self.logfile)}")
            log(f"PostgreSQL started on 127.0.0.1:{PG_PORT} (data in {self.data})")
        self.ensure_database()

    def psql(self, sql: str, database: str = "postgres") -> str:
        cmd = [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", PG_USER, "-d", database]
        return run([*cmd, "-v", "ON_ERROR_STOP=1", "-tAc", sql], quiet=True).stdout.strip()

    def ensure_database(self) -> None:
        if self.psql(f"SELECT count(*) FROM pg_database WHERE datname = '{PG_DATABASE}'") == "0":
            self.psql(f"CREATE DATABASE {PG_DATABASE}")
            log(f"created database {PG_DATABASE}")
        if self.psql("SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'") == "0":
            raise ServiceError(f"PostgreSQL runs but the PostGIS extension is not available.\n{MANUAL_INSTALL}")

    def stop(self) -> None:
        if not self.running():
            log("PostgreSQL not running")
            return
        self.pg_ctl("stop", "-w", "-m", "fast")
        log("PostgreSQL stopped")


# --- Redis -------------------------------------------------------------------------------------


@dataclass
class Redis:
    """The private Redis server under ``<services dir>/redis``."""

    root: Path

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    @property
    def pidfile(self) -> Path:
        return self.root / "redis.pid"

    def owns_a_live_process(self) -> bool:
        try:
            os.kill(int(self.pidfile.read_text().strip()), 0)
        except (OSError, ValueError):
            return False
        return True

    def running(self) -> bool:
        """Whether *this* folder's server answers (not some other Redis on the same port)."""
        return self.owns_a_live_process() and self.ping()

    def start(self) -> None:
        if self.running():
            log(f"Redis already running on 127.0.0.1:{REDIS_PORT}")
            return
        if self.ping():
            raise ServiceError(
                f"127.0.0.1:{REDIS_PORT} already answers as a Redis not started from {self.root}; "
                "stop it, or choose another PRIVATE_REDIS_PORT, or point REDIS_URL at it"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        persistence = ["--save", "", "--appendonly", "no"] if fast_mode() else ["--save", "60 1", "--appendonly", "no"]
        cmd = [
            redis_needed_binary() or "redis-server",
            *("--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--daemonize", "yes"),
            *("--dir", str(self.root), "--pidfile", str(self.pidfile)),
            *("--logfile", str(self.root / "redis.log"), *persistence),
        ]
        run(cmd, quiet=True)
        deadline = time.monotonic() + 10
        while not self.ping():
            if time.monotonic() > deadline:
                raise ServiceError(f"Redis did not answer; last lines of its log:\n{tail(self.root / 'redis.log')}")
            time.sleep(0.05)
        log(f"Redis started on 127.0.0.1:{REDIS_PORT} (data in {self.root})")

    def stop(self) -> None:
        if not self.running():
            log("Redis not running")
            return
        with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=5) as conn:
            # SHUTDOWN writes the snapshot first (when snapshots are on), so data survives.
            conn.sendall(b"SHUTDOWN\r\n")
            conn.recv(64)
        deadline = time.monotonic() + 10
        while self.ping() and time.monotonic() < deadline:
            time.sleep(0.05)
        log("Redis stopped")


def port_in_use(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


# --- commands ----------------------------------------------------------------------------------


def selected_services() -> list[Postgres | Redis]:
    """The services this machine should run itself: those without a configured URL."""
    base = services_dir()
    chosen: list[Postgres | Redis] = []
    if "DATABASE_URL" in os.environ:
        log("DATABASE_URL is set: using that PostgreSQL, not a private one")
    else:
        bindir = postgres_bindir()
        if bindir is None:
            raise ServiceError(f"PostgreSQL >= {MIN_PG_MAJOR} is not installed.\n{MANUAL_INSTALL}")
        chosen.append(Postgres(root=base / "postgres", bindir=bindir))
    if "REDIS_URL" in os.environ:
        log("REDIS_URL is set: using that Redis, not a private one")
    else:
        chosen.append(Redis(root=base / "redis"))
    return chosen


def status() -> int:
    """Print one line per private service; 0 when all run."""
    code = 0
    for service in selected_services():
        name = "PostgreSQL" if isinstance(service, Postgres) else "Redis"
        port = PG_PORT if isinstance(service, Postgres) else REDIS_PORT
        up = service.running()
        code = code if up else 1
        print(f"{name}: {'running' if up else 'stopped'} on 127.0.0.1:{port}, data in {service.root}")
    return code


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    try:
        if command == "install":
            install()
        elif command == "start":
            install()
            for service in selected_services():
                service.start()
        elif command == "stop":
            for service in selected_services():
                service.stop()
        elif command == "status":
            return status()
        else:
            print(__doc__, file=sys.stderr)
            return 2
    except ServiceError as error:
        print(f"[services] error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
