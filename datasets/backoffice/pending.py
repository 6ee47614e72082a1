"""The edits that wait for a publish: the recorded changes newer than the dataset's last publish.

The public side reads only the published version, so a publisher needs to know what a publish would
change. Security changes are left out: they take effect at once (a ``live`` section, see
``datasets.services.history``), so they do not wait for anything, and ``Dataset.has_unpublished_changes``
does not count them either.
"""

from __future__ import annotations

from typing import Any

from datasets.models import Dataset
from datasets.services.history import SECTIONS

# Sections in the order the banner lists them, with their labels.
SECTION_LABELS = {
    "dataset": "Dataset",
    "metadata": "Metadata",
    "resources": "Resources",
    "processors": "Processors",
    "fields_specifications": "Field specifications",
    "attachments": "Attachments",
    "alternative_exports": "Alternative exports",
}


def shows_pending(dataset: Dataset) -> bool:
    """Whether the page says edits wait: only for a published dataset (a draft waits for everything)."""
    return dataset.is_published and dataset.has_unpublished_changes


def entry_name(section: str, path: list[str]) -> str:
    """What one diff entry is about: a metadata field by name (``title``; ``inspire.theme`` outside the
    default template), the dataset's id, or the uid of the resource or step that changed."""
    if section == "metadata" and len(path) >= 2:
        return path[1] if path[0] == "default" else f"{path[0]}.{path[1]}"
    return path[0] if path else section


# Written by the metadata service itself when another value changes (``touch_modified``): listed only when
# the publisher set it alone, else the banner would name a field nobody edited.
AUTOMATIC = ["default", "modified"]


def edited_entries(section: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The change's entries on ``section`` that a publisher made (see ``AUTOMATIC``)."""
    if section != "metadata" or len(entries) < 2:
        return entries
    return [entry for entry in entries if entry.get("path") != AUTOMATIC]


def pending_changes(dataset: Dataset) -> list[dict[str, Any]]:
    """The changes since the last publish grouped by section: ``[{section, label, names}]``, oldest name first."""
    if not shows_pending(dataset) or dataset.published_at is None:
        return []
    groups: dict[str, list[str]] = {}
    for change in dataset.changes.filter(timestamp__gt=dataset.published_at).order_by("timestamp", "id"):
        for section, entries in sorted(change.diff.items()):
            if section not in SECTION_LABELS or SECTIONS[section].live:
                continue
            names = groups.setdefault(section, [])
            for entry in edited_entries(section, entries):
                name = entry_name(section, entry.get("path") or [])
                if name not in names:
                    names.append(name)
    return [
        {"section": section, "label": label, "names": groups[section]}
        for section, label in SECTION_LABELS.items()
        if section in groups
    ]
