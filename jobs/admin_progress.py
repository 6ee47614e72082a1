"""Where a job stands, for the back-office's live progress bar: phase, rows, percentage and ETA.

The publish job writes per-phase counters (``datasets.tasks.publish.Progress``): ``extract`` counts
the rows while types are inferred (no total yet), ``read`` the bytes of the sources read while loading
(with their total), ``load`` the rows loaded, then ``index`` and ``swap`` as one step each. The overall
fraction weighs the phases by their usual share of the time; the loading share follows the bytes read,
the only counter with a total known in advance. Jobs without counters (unpublish) show their state only.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jobs.models import Job
from jobs.redaction import redacted

# Share of a publish's time each phase usually takes, and the order they run in.
WEIGHTS = {"extract": 0.25, "load": 0.65, "index": 0.08, "swap": 0.02}


def phases_of(job: Job) -> dict[str, dict[str, Any]]:
    return {phase["name"]: phase for phase in job.progresses or [] if isinstance(phase, dict) and "name" in phase}


def current_phase(job: Job, phases: dict[str, dict[str, Any]]) -> str:
    """The furthest phase that has started; the job's state when it has no counters or has ended."""
    if job.state in Job.TERMINAL_STATES or not phases:
        return job.state
    started = [name for name in ("extract", "read", "load", "index", "swap") if (phases.get(name) or {}).get("done")]
    name = started[-1] if started else "extract"
    return "load" if name == "read" else name


def phase_fraction(name: str, phases: dict[str, dict[str, Any]]) -> float:
    """How far one phase is, from 0 to 1 (loading follows the bytes read)."""
    counter = phases.get("read" if name == "load" else name) or {}
    done, total = counter.get("done") or 0, counter.get("total")
    if not total:
        return 0.0
    return min(1.0, done / total)


def overall_fraction(job: Job, phase: str, phases: dict[str, dict[str, Any]]) -> float | None:
    if job.state == Job.State.DONE:
        return 1.0
    if phase not in WEIGHTS:
        return None
    order = list(WEIGHTS)
    before = sum(WEIGHTS[name] for name in order[: order.index(phase)])
    return before + WEIGHTS[phase] * phase_fraction(phase, phases)


def rows_done(phases: dict[str, dict[str, Any]], phase: str) -> int:
    """Rows read for type inference while extracting, then rows loaded."""
    counter = phases.get("extract" if phase == "extract" else "load") or {}
    return counter.get("done") or 0


def rows_total(phases: dict[str, dict[str, Any]], phase: str) -> int | None:
    """The rows to load: known once types are inferred (the extract count), final once loaded."""
    load = phases.get("load") or {}
    if load.get("total") is not None:
        return load["total"]
    if phase in ("load", "index", "swap"):
        return (phases.get("extract") or {}).get("done")
    return None


def eta_seconds(job: Job, fraction: float | None) -> int | None:
    """Seconds left, assuming the rest goes at the pace so far; None before any measurable progress."""
    if job.state not in Job.ACTIVE_STATES or not job.started_at or not fraction or fraction >= 1:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    return max(0, round(elapsed * (1 - fraction) / fraction))


def job_progress(job: Job) -> dict[str, Any]:
    """The JSON the progress bar polls (``/admin/jobs/job/<id>/progress/``)."""
    phases = phases_of(job)
    phase = current_phase(job, phases)
    fraction = overall_fraction(job, phase, phases)
    error = redacted(job.error or {})  # an error stored before masking may quote a URL with its secret
    return {
        "job_uid": job.job_uid,
        "function": job.function,
        "state": job.state,
        "finished": job.state in Job.TERMINAL_STATES,
        "phase": phase,
        "percent": None if fraction is None else round(fraction * 100),
        "rows_done": rows_done(phases, phase),
        "rows_total": rows_total(phases, phase),
        "eta_seconds": eta_seconds(job, fraction),
        "phases": list(phases.values()),
        "error": error.get("message") if isinstance(error, dict) else None,
        "dataset_status": job.dataset.status if job.dataset else None,
    }
