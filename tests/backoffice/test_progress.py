"""Where a job stands for the progress bar, phase by phase (``jobs.admin_progress.job_progress``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jobs.admin_progress import job_progress
from jobs.models import Job


def counters(extract=0, read=(0, None), load=(0, None), index=0, swap=0) -> list[dict]:
    return [
        {"name": "extract", "done": extract, "total": None, "unit": "rows"},
        {"name": "read", "done": read[0], "total": read[1], "unit": "bytes"},
        {"name": "load", "done": load[0], "total": load[1], "unit": "rows"},
        {"name": "index", "done": index, "total": 1 if index else None, "unit": "steps"},
        {"name": "swap", "done": swap, "total": 1 if swap else None, "unit": "steps"},
    ]


def job(state="running", progresses=None, seconds=20) -> Job:
    return Job(
        job_uid="jo_test",
        function="publish",
        state=state,
        progresses=progresses or [],
        started_at=timezone.now() - timedelta(seconds=seconds),
    )


def test_while_inferring_types_the_rows_have_no_total_yet():
    shown = job_progress(job(progresses=counters(extract=40)))
    assert (shown["phase"], shown["percent"], shown["rows_done"], shown["rows_total"]) == ("extract", 0, 40, None)
    assert shown["eta_seconds"] is None  # nothing measurable yet


def test_loading_before_its_first_batch_shows_no_row_loaded():
    shown = job_progress(job(progresses=counters(extract=40, read=(0, 1000))))
    # "read" has not started: the furthest started phase is still extract, with its 40 rows inferred.
    assert shown["phase"] == "extract"
    shown = job_progress(job(progresses=counters(extract=40, read=(10, 1000), load=(0, None))))
    assert (shown["phase"], shown["rows_done"], shown["rows_total"]) == ("load", 0, 40)


def test_indexing_and_swapping():
    indexing = job_progress(job(progresses=counters(extract=40, read=(1000, 1000), load=(40, 40), index=1)))
    assert (indexing["phase"], indexing["rows_done"], indexing["rows_total"]) == ("index", 40, 40)
    assert indexing["percent"] == round((0.25 + 0.65 + 0.08) * 100)
    assert indexing["eta_seconds"] == 0  # 20 s × 2 % left ÷ 98 % done ≈ 0.4 s


def test_done_is_100_percent_even_without_counters():
    shown = job_progress(job(state="done"))
    assert (shown["phase"], shown["percent"], shown["finished"], shown["eta_seconds"]) == ("done", 100, True, None)


def test_an_aborted_job_keeps_its_rows_and_has_no_percentage():
    shown = job_progress(job(state="aborted", progresses=counters(extract=40, read=(10, 1000), load=(5, None))))
    assert (shown["phase"], shown["percent"], shown["finished"], shown["rows_done"]) == ("aborted", None, True, 5)
