"""Recording configuration changes and restoring a dataset to the state before one of them.

Each section of a dataset's configuration knows how to take a JSON snapshot of itself and how
to put a snapshot back. A write runs inside ``recording_change``: the touched sections are
snapshotted before and after, and their difference becomes one ``Change`` row in the same
transaction. Restoring is just another write whose new state is an old snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction
from django.utils import timezone

from datasets.models import (
    AlternativeExport,
    Attachment,
    Change,
    Dataset,
    FieldSpecification,
    MetadataValue,
    Processor,
    Resource,
)
from datasets.services.dataset_ids import check_dataset_id_change
from datasets.services.security_state import security_restore, security_state


@dataclass(frozen=True)
class Section:
    """A part of the configuration: how to read it as JSON and write it back, and its diff depth.

    A ``live`` section takes effect without republishing (security), so changing it does not make the
    dataset's ``last_modified`` newer than its last publish.
    """

    snapshot: Callable[[Dataset], dict[str, Any]]
    restore: Callable[[Dataset, dict[str, Any]], None]
    depth: int
    live: bool = False


def dataset_snapshot(dataset: Dataset) -> dict[str, Any]:
    return {"dataset_id": dataset.dataset_id}


def dataset_restore(dataset: Dataset, state: dict[str, Any]) -> None:
    # Before its creation a dataset had no id; "restoring" that keeps the current one.
    if "dataset_id" in state and state["dataset_id"] != dataset.dataset_id:
        check_dataset_id_change(dataset, state["dataset_id"])
        dataset.dataset_id = state["dataset_id"]
        dataset.save(update_fields=["dataset_id"])


def metadata_snapshot(dataset: Dataset) -> dict[str, Any]:
    state: dict[str, dict[str, Any]] = {}
    rows = MetadataValue.objects.filter(dataset=dataset).exclude(value=None).values_list("template", "name", "value")
    for template, name, value in rows:
        state.setdefault(template, {})[name] = value
    return state


def metadata_restore(dataset: Dataset, state: dict[str, Any]) -> None:
    """Put back the values of ``state``; values absent from it are reset. Remote values stay."""
    wanted = {(template, name): value for template, values in state.items() for name, value in values.items()}
    for row in MetadataValue.objects.filter(dataset=dataset):
        row.value = wanted.pop((row.template, row.name), None)
        row.save(update_fields=["value"])
    MetadataValue.objects.bulk_create(
        MetadataValue(dataset=dataset, template=template, name=name, value=value)
        for (template, name), value in wanted.items()
    )


def stack_section(model: type[models.Model], uid_field: str, attributes: tuple[str, ...]) -> Section:
    """A section made of a dataset's ordered rows (resources, processors, field specifications).

    The snapshot maps each row's uid to its attributes and position; restoring recreates the
    rows under their old uids, so references to them stay valid.
    """

    def snapshot(dataset: Dataset) -> dict[str, Any]:
        rows = model._default_manager.filter(dataset=dataset).order_by("position", "id")
        return {
            getattr(row, uid_field): {**{name: getattr(row, name) for name in attributes}, "position": index}
            for index, row in enumerate(rows)
        }

    def restore(dataset: Dataset, state: dict[str, Any]) -> None:
        model._default_manager.filter(dataset=dataset).delete()
        model._default_manager.bulk_create(
            model(dataset=dataset, **{uid_field: uid}, **values) for uid, values in state.items()
        )

    return Section(snapshot, restore, depth=2)


SECTIONS: dict[str, Section] = {
    "dataset": Section(dataset_snapshot, dataset_restore, depth=1),
    "metadata": Section(metadata_snapshot, metadata_restore, depth=2),
    "resources": stack_section(Resource, "resource_uid", ("url", "title", "type", "params")),
    "processors": stack_section(Processor, "processor_uid", ("name", "label", "args")),
    "fields_specifications": stack_section(FieldSpecification, "processor_uid", ("name", "args")),
    "attachments": stack_section(Attachment, "attachment_uid", ("url", "title")),
    "alternative_exports": stack_section(AlternativeExport, "export_uid", ("url", "title")),
    # {"access_policy", "default": {attributes} | None, "users": {username: {...}}, "groups": {name: {...}}}:
    # diffs show ["access_policy"], ["default", attribute], ["users", name] and ["groups", name].
    "security": Section(security_state, security_restore, depth=2, live=True),
}


def diff_states(old: Any, new: Any, depth: int, path: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Leaf differences between two snapshots, ``depth`` levels of keys deep.

    A missing branch counts as empty, so adding a whole template shows one entry per value.
    """
    if depth > 0 and (old is None or new is None) and isinstance(old if new is None else new, dict):
        old, new = old or {}, new or {}
    if depth == 0 or not isinstance(old, dict) or not isinstance(new, dict):
        if old == new:
            return []
        operation = "create" if old is None else "delete" if new is None else "update"
        return [{"path": list(path), "old_value": old, "new_value": new, "operation_type": operation}]
    entries = []
    for key in sorted(set(old) | set(new)):
        entries += diff_states(old.get(key), new.get(key), depth - 1, (*path, key))
    return entries


def acting_user(user: User | AnonymousUser | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


@contextmanager
def recording_change(
    *,
    dataset: Dataset,
    user: User | AnonymousUser | None,
    sections: tuple[str, ...],
    creating: bool = False,
) -> Iterator[None]:
    """Record the writes made inside the block on ``sections`` as one change (none if nothing changed).

    With ``creating``, every section counts as empty before the block, so the creation itself
    shows as ``create`` operations. Also bumps the dataset's ``last_modified`` (unless only live sections
    changed). Must run inside
    a transaction so the change and the write commit together.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("recording_change must run inside transaction.atomic()")
    before = {name: {} if creating else SECTIONS[name].snapshot(dataset) for name in sections}
    yield
    diff = {}
    for name in sections:
        entries = diff_states(before[name], SECTIONS[name].snapshot(dataset), SECTIONS[name].depth)
        if entries:
            diff[name] = entries
    if not diff:
        return
    now = timezone.now()
    change = Change.objects.create(
        dataset=dataset,
        user=acting_user(user),
        timestamp=now,
        sections=sorted(diff),
        diff=diff,
        before={name: before[name] for name in diff},
    )
    if all(SECTIONS[name].live for name in change.sections):
        return
    Dataset.objects.filter(pk=dataset.pk).update(last_modified=now)
    dataset.last_modified = now


def states_before(change: Change) -> dict[str, Any]:
    """Each section's state just before ``change``, for every section it or a later change touched."""
    later = Change.objects.filter(dataset=change.dataset_id, timestamp__gte=change.timestamp).order_by(
        "timestamp", "id"
    )
    states: dict[str, Any] = {}
    for candidate in later:
        if (candidate.timestamp, candidate.pk) < (change.timestamp, change.pk):
            continue
        for name in candidate.sections:
            states.setdefault(name, candidate.before[name])
    return states


@transaction.atomic
def change_restore(*, dataset: Dataset, change: Change, user: User | AnonymousUser | None) -> None:
    """Put the dataset back as it was before ``change``; the restoration is itself a new change."""
    states = states_before(change)
    with recording_change(dataset=dataset, user=user, sections=tuple(sorted(states))):
        for name in sorted(states):
            SECTIONS[name].restore(dataset, states[name])
