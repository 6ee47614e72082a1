"""The dataset status machine: which moves are allowed, made as conditional updates.

A move happens only if the dataset is still in one of the states it may leave from, so an
API process and a worker can never both move the same dataset.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from core.errors import ManagementAPIError
from datasets.models import Dataset

S = Dataset.Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.IDLE: frozenset({S.QUEUED}),
    S.ERROR: frozenset({S.QUEUED}),
    S.LIMIT_REACHED: frozenset({S.QUEUED}),
    S.QUEUED: frozenset({S.PROCESSING, S.DELETING, S.ERROR}),
    S.PROCESSING: frozenset({S.IDLE, S.ERROR, S.LIMIT_REACHED, S.ABORTING_PROCESSING}),
    S.DELETING: frozenset({S.PROCESSING, S.IDLE, S.ERROR, S.LIMIT_REACHED}),
    S.ABORTING_PROCESSING: frozenset({S.IDLE, S.ERROR}),
}
ACTION_ORIGINS = (S.IDLE, S.ERROR, S.LIMIT_REACHED)  # where publish and unpublish may start
ABORT_ORIGINS = (S.PROCESSING,)


class InvalidDatasetStatusPreconditionError(ManagementAPIError):
    error_key = "InvalidDatasetStatusPreconditionException"
    raw_message = (
        "Invalid precondition, dataset status is '{current_status}' but must be one of '{authorized_origin_status}'"
    )


def origins_of(target: str) -> tuple[str, ...]:
    return tuple(state for state, targets in TRANSITIONS.items() if target in targets)


def status_move(
    dataset: Dataset,
    target: str,
    *,
    user: User | AnonymousUser | None = None,
    error: dict[str, Any] | None = None,
    origins: tuple[str, ...] | None = None,
) -> bool:
    """Move ``dataset`` to ``target`` if its stored status allows it; refresh the instance on success."""
    allowed = origins if origins is not None else origins_of(target)
    fields = {
        "status": target,
        "status_since": timezone.now(),
        "status_error": error,
    }
    if user is not None:
        fields["status_user"] = user if user.is_authenticated else None
    moved = Dataset.objects.filter(pk=dataset.pk, status__in=allowed).update(**fields)
    if moved:
        for name, value in fields.items():
            setattr(dataset, name, value)
    return bool(moved)


def require_status(dataset: Dataset, origins: tuple[str, ...]) -> None:
    if dataset.status not in origins:
        raise InvalidDatasetStatusPreconditionError(
            current_status=dataset.status, authorized_origin_status=", ".join(origins)
        )
