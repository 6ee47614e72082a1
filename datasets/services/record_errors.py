"""The record errors a run keeps: the first ``RECORD_ERRORS_KEPT`` of them, and the count of all.

Shared by the publish job (``datasets.tasks.publish``), which stores them on the job and the version, and
the resource check (``datasets.services.resource_check``), which reports them as a publish would keep them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from datasets.pipeline.core import RecordError


class RecordErrors:
    """Keeps the first RECORD_ERRORS_KEPT record errors and counts them all.

    ``record_ids`` runs beside ``kept``: the id of the record an error concerns, once the loader wrote that
    record (``written``), else None (the record was dropped, or never produced).
    """

    def __init__(self) -> None:
        self.kept: list[RecordError] = []
        self.record_ids: list[str | None] = []
        self.count = 0
        self._pending: list[int] = []  # indexes in ``kept`` of errors whose record is not written yet

    def __call__(self, error: RecordError) -> None:
        self.count += 1
        if len(self.kept) < settings.RECORD_ERRORS_KEPT:
            self._pending.append(len(self.kept))
            self.kept.append(error)
            self.record_ids.append(None)

    def add(self, error: RecordError, record_id: str | None) -> None:
        """Keep (and count) an error whose record's id is already known: the batch path loads a batch, then
        hands over its errors in the record path's order (``column_batches.RecordBatch.ordered``)."""
        self.count += 1
        if len(self.kept) < settings.RECORD_ERRORS_KEPT:
            self.kept.append(error)
            self.record_ids.append(record_id)

    def written(self, row: int, record_id: str) -> None:
        """The record of ``row`` was loaded as ``record_id``.

        The runner reports every error of a row before it yields that row, so the pending errors of ``row``
        are all known here; pending errors of other rows concern records that were dropped and keep None.
        """
        for index in self._pending:
            if self.kept[index].row == row:
                self.record_ids[index] = record_id
        self._pending.clear()

    def as_dicts(self) -> list[dict[str, Any]]:
        """The kept errors as the reference shows them (§5.4), ``record_id`` included."""
        return [
            {"record_id": record_id, **error.as_dict()}
            for error, record_id in zip(self.kept, self.record_ids, strict=True)
        ]
