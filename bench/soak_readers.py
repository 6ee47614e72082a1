"""The readers of bench/soak.py: threads reading one dataset without pause, each answer checked for the version
it shows (the ``version`` column every row of a version carries), its count and, for CSV exports, its completeness.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field

from serving import Answer, connection, get

EXPLORE = "/api/explore/v2.1/catalog/datasets"
MAIN = "soak-main"
READ_PATHS = {
    "records": f"{EXPLORE}/{MAIN}/records?limit=20&order_by=id",
    "facets": f"{EXPLORE}/{MAIN}/facets?facet=version",
    "export": f"{EXPLORE}/{MAIN}/exports/csv",
}
# Two readers in three ask records pages, one in six the facet, one in six full CSV exports (the heaviest).
KIND_CYCLE = ("records", "facets", "records", "export", "records", "records")
EXPORT_TIMEOUT = 600


# --- what the readers saw ---------------------------------------------------------------------------


@dataclass
class Observation:
    """One read: its kind and timing, the version it showed, the count it claimed (rows of an export), a
    problem seen in the answer itself (versions mixed, an incomplete export)."""

    kind: str
    answer: Answer
    version: str | None = None
    count: int | None = None
    problem: str | None = None
    truncated: bool = False


def records_check(body: bytes) -> tuple[str | None, int | None, str | None]:
    """(version, total_count, problem) of a records page: every row must be of one version."""
    page = json.loads(body)
    versions = {row["version"] for row in page["results"]}
    if len(versions) != 1:
        return None, page.get("total_count"), f"versions {sorted(versions)} in one page"
    return versions.pop(), page["total_count"], None


def facets_check(body: bytes) -> tuple[str | None, int | None, str | None]:
    """(version, count, problem) of the ``version`` facet: one value only."""
    values = json.loads(body)["facets"][0]["facets"]
    if len(values) != 1:
        return None, None, f"facet values {[(v['value'], v['count']) for v in values]}"
    return values[0]["value"], values[0]["count"], None


class ExportCount:
    """Counts the rows of a CSV export as it streams, and the rows ending with the first row's version.

    The ``version`` column is the last one (the processor adds it after the CSV's columns), so a row of version
    ``v3`` ends with ``;v3`` and its line end: counting that suffix in whole-line segments (bytes.count, C speed)
    checks 1M rows without parsing them in Python.
    """

    def __init__(self) -> None:
        self.pending = b""
        self.header: bytes | None = None
        self.suffix: bytes | None = None
        self.version: str | None = None
        self.rows = 0
        self.marked = 0

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk
        cut = data.rfind(b"\n") + 1
        self.pending = data[cut:]
        segment = data[:cut]
        if self.suffix is None:
            segment = self.first_lines(segment)
        if segment:
            self.rows += segment.count(b"\n")
            self.marked += segment.count(self.suffix or b"\n")

    def first_lines(self, segment: bytes) -> bytes:
        """Take the header and the first row from ``segment``; what follows them."""
        lines = segment.splitlines(keepends=True)
        if self.header is None and lines:
            self.header = lines.pop(0)
        if lines:
            first = lines.pop(0)
            separator = b";" if self.header and b";" in self.header else b","
            value = first.rstrip(b"\r\n").rsplit(separator, 1)[-1]
            ending = first[len(first.rstrip(b"\r\n")) :]
            self.suffix = separator + value + ending
            self.version = value.strip(b'"').decode()
            self.rows, self.marked = 1, 1
        return b"".join(lines)

    def problem(self) -> str | None:
        if self.header is None or not self.header.rstrip(b"\r\n").endswith(b"version"):
            return f"header {self.header!r} does not end with the version column"
        if self.marked != self.rows:
            return f"{self.rows - self.marked} of {self.rows} rows not of {self.version}"
        return None


def read_export(port: int, path: str) -> Observation:
    """Stream a whole CSV export, counting it; a broken stream or an incomplete last line is a truncation."""
    started = time.monotonic()
    client = connection(port, EXPORT_TIMEOUT)
    counter = ExportCount()
    status, error = 0, None
    try:
        client.request("GET", path)
        response = client.getresponse()
        status = response.status
        while chunk := response.read(1 << 20):
            if status == 200:
                counter.feed(chunk)
    except (OSError, http.client.HTTPException) as failure:
        error = f"{type(failure).__name__}: {failure}"
    finally:
        client.close()
    answer = Answer(status, b"", started, time.monotonic(), error)
    observation = Observation("export", answer)
    if status == 200:
        observation.version, observation.count = counter.version, counter.rows
        observation.truncated = error is not None or counter.pending != b""
        observation.problem = counter.problem()
    return observation


def read_once(port: int, kind: str) -> Observation:
    if kind == "export":
        return read_export(port, READ_PATHS[kind])
    answer = get(port, READ_PATHS[kind])
    observation = Observation(kind, answer)
    if answer.status == 200:
        check = records_check if kind == "records" else facets_check
        observation.version, observation.count, observation.problem = check(answer.body)
    return observation


@dataclass
class Readers:
    """The reader threads and everything they saw; a reader's reads are sequential, so a version older than
    its previous read is a read going back in time."""

    port: int
    observations: list[Observation] = field(default_factory=list)
    backwards: list[str] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, count: int) -> None:
        for n in range(count):
            kind = KIND_CYCLE[n % len(KIND_CYCLE)]
            thread = threading.Thread(target=self.read_until_stopped, args=(kind,), daemon=True)
            thread.start()
            self.threads.append(thread)

    def read_until_stopped(self, kind: str) -> None:
        last = -1
        while not self.stopping.is_set():
            observation = read_once(self.port, kind)
            number = version_number(observation.version)
            with self.lock:
                self.observations.append(observation)
                if number is not None and number < last:
                    self.backwards.append(f"{kind}: v{number} after v{last}")
            last = max(last, number if number is not None else -1)

    def stop(self) -> None:
        """Stop and wait for the readers: an export in flight is read to its end."""
        self.stopping.set()
        for thread in self.threads:
            thread.join(EXPORT_TIMEOUT)


def version_number(version: str | None) -> int | None:
    if version is None or not version.startswith("v") or not version[1:].isdigit():
        return None
    return int(version[1:])
