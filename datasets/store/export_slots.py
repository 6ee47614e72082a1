"""How many exports one process streams at once.

Every export reads on a PostgreSQL connection of its own (``reading.RowStream``, ``reading.CopyStream``) for as
long as its client downloads, and holds a web thread as long. ``EXPLORE_MAX_EXPORTS_IN_FLIGHT`` bounds them per
process: an export takes a slot before it opens its connection, without waiting; when none is free it is refused
with a 503 and ``Retry-After`` rather than queued, so the threads stay free for the requests that are quick.

A slot is released exactly once, by whichever comes first: the stream ending, the response being closed (Django
closes it when the client leaves too), the export failing before it streams, or the slot being garbage collected
(a response never iterated nor closed).
"""

from __future__ import annotations

import threading
import weakref

from django.conf import settings

from datasets.access.errors import ExploreError

RETRY_AFTER = 30  # seconds: exports of large datasets last minutes, a client retrying at once would be refused again

_lock = threading.Lock()
_semaphore: tuple[int, threading.BoundedSemaphore] | None = None


class ExportSlot:
    """One export's place among the process's ``EXPLORE_MAX_EXPORTS_IN_FLIGHT``."""

    def __init__(self, semaphore: threading.BoundedSemaphore) -> None:
        # A finalizer runs its function at most once, on the first call or when the slot is collected: the
        # semaphore is released exactly once whatever path the export takes (``finalize`` is thread safe).
        self._free = weakref.finalize(self, semaphore.release)

    def release(self) -> None:
        """Free the slot; later calls do nothing."""
        self._free()

    @property
    def held(self) -> bool:
        return self._free.alive


def exports_semaphore() -> threading.BoundedSemaphore:
    """The process's semaphore, of the setting's size (made anew when the setting changes, as tests change it)."""
    global _semaphore
    size = settings.EXPLORE_MAX_EXPORTS_IN_FLIGHT
    with _lock:
        if _semaphore is None or _semaphore[0] != size:
            _semaphore = (size, threading.BoundedSemaphore(size))
        return _semaphore[1]


def export_slot() -> ExportSlot:
    """A free slot, or the 503 ``ExploreError`` (with ``Retry-After``) when every slot is taken; never waits."""
    semaphore = exports_semaphore()
    if not semaphore.acquire(blocking=False):
        raise ExploreError(
            503,
            "TooManyExports",
            f"Too many exports are running on this server; retry in {RETRY_AFTER} seconds",
            retry_after=RETRY_AFTER,
        )
    return ExportSlot(semaphore)
