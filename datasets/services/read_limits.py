"""The readers' limits with the bounds operators set in settings (``XLSX_MAX_*``)."""

from __future__ import annotations

from dataclasses import replace

from django.conf import settings

from datasets.pipeline.readers.base import DEFAULT_LIMITS, ReadLimits


def configured_limits() -> ReadLimits:
    """``DEFAULT_LIMITS`` with the XLSX bounds of the settings, read at each call (tests override them)."""
    return replace(
        DEFAULT_LIMITS,
        max_xlsx_shared_strings_bytes=settings.XLSX_MAX_SHARED_STRINGS_BYTES,
        max_xlsx_cells=settings.XLSX_MAX_CELLS,
    )
