"""What the public sees of a published version: its metadata as the public templates show it, and the fields
a caller's access lets it see. The Explore dataset object and the catalog pages are both built from these."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from datasets.access.visibility import OPEN, DataAccess
from datasets.metadata_templates import get_field
from datasets.models import PublishedVersion
from datasets.selectors.catalog import APP_TEMPLATES, PUBLIC_TEMPLATES, published_modified

UTC = ZoneInfo("UTC")


def local_iso(moment: dt.datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat()


def localised(template: str, name: str, value: Any, tz: ZoneInfo) -> Any:
    """Datetime metadata (stored as UTC ISO 8601) rendered in ``tz``; other values unchanged."""
    definition = get_field(template, name)
    if definition is None or definition.type != "datetime" or not isinstance(value, str):
        return value
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return local_iso(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC), tz)


def public_metas(
    version: PublishedVersion, tz: ZoneInfo = UTC, app_metas: bool = False, records_count: int | None = None
) -> dict[str, Any]:
    shown = PUBLIC_TEMPLATES if app_metas else PUBLIC_TEMPLATES - APP_TEMPLATES
    metas = {
        template: {name: localised(template, name, value, tz) for name, value in values.items()}
        for template, values in version.metadata.items()
        if template in shown
    }
    published = local_iso(version.published_at, tz)
    metas.setdefault("default", {}).update(
        {
            "records_count": version.record_count if records_count is None else records_count,
            "modified": local_iso(published_modified(version), tz),
            "data_processed": published,
            "metadata_processed": local_iso(version.metadata_published_at, tz),
        }
    )
    return metas


def visible_field_specs(version: PublishedVersion, access: DataAccess = OPEN) -> list[dict[str, Any]]:
    """The published fields (as stored) the caller may see."""
    if not access.data_visible:
        return []
    return [field for field in version.fields if access.shows_field(field["name"])]
