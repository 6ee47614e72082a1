"""The published table behind a dataset and what the caller may read of it, found cheaply on every request.

A published version never changes once written (a new publish makes a new version), so its table name and
fields are kept in memory by version id; each request still asks the database which version, if any, the
caller may see right now, through the one visibility predicate (``datasets.access.visibility``): one query reads the
dataset's row (a few columns) with its rulesets gathered by a subquery. Rulesets are never cached, so a
security change applies to the next request without republishing.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from datasets.access.caller import Caller
from datasets.access.visibility import DataAccess, data_access
from datasets.models import Dataset, PublishedVersion, Ruleset
from datasets.odsql.records.access import TableAccess, table_access
from datasets.pipeline.core import Field

VERSIONS_KEPT = 1024


# What ``data_access`` reads of a dataset; the rest of the row is not loaded.
ACCESS_COLUMNS = ("id", "dataset_id", "owner_id", "visibility", "current_version_id")
# What ``data_access`` reads of a ruleset, gathered in the dataset's row (JSON columns stay JSON values).
RULESET_COLUMNS = (
    "id",
    "dataset_id",
    "kind",
    "user_id",
    "group_id",
    "is_data_visible",
    "visible_fields",
    "filter_query",
    "api_calls_quota",
    "permissions",
)
# Every name in this SQL is a constant of this module or a model's table name, never request text.
RULESETS_JSON = RawSQL(
    "SELECT coalesce(json_agg(json_build_array({columns}) ORDER BY r.kind, r.id), '[]')::text "
    "FROM {rulesets} AS r WHERE r.dataset_id = {datasets}.id".format(
        columns=", ".join(f"r.{name}" for name in RULESET_COLUMNS),
        rulesets=Ruleset._meta.db_table,
        datasets=Dataset._meta.db_table,
    ),
    (),
)


@dataclass(frozen=True)
class PublishedTable:
    """What a records query needs: the version (for ETags and caches), its table and what the caller may read.

    ``fields`` are the fields the caller sees (``readable.fields``), ``all_fields`` every published field.
    """

    dataset: Dataset
    version_id: int
    table_name: str
    all_fields: tuple[Field, ...]
    access: DataAccess
    readable: TableAccess

    @property
    def dataset_id(self) -> str:
        return self.dataset.dataset_id

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.readable.fields


def published_table(visible: QuerySet, dataset_id: str, caller: Caller) -> PublishedTable | None:
    """The version of ``dataset_id`` among the ``visible`` datasets and the caller's access to it; None when
    the dataset does not exist for the caller."""
    dataset = access_row(visible, dataset_id)
    if dataset is None or dataset.current_version_id is None:
        return None
    access = data_access(caller, dataset)
    if access is None:
        return None
    table_name, fields = version_table(dataset.current_version_id)
    readable = table_access(access, dataset.current_version_id, fields)
    return PublishedTable(dataset, dataset.current_version_id, table_name, fields, access, readable)


def access_row(visible: QuerySet, dataset_id: str) -> Dataset | None:
    """The columns of ``dataset_id`` that ``data_access`` reads, with its rulesets, if it is ``visible``.

    One query: the rulesets come as a JSON array from a subquery on the dataset's row, and the row is made a
    (deferred) model instance. Compiling querysets (an ``EXISTS``, a ``prefetch_related``) or a second round
    trip cost more than the lookup itself on this hot path.
    """
    rows = visible.select_related(None).filter(dataset_id=dataset_id).annotate(access_rulesets=RULESETS_JSON)
    found = rows.values_list(*ACCESS_COLUMNS, "access_rulesets")[:1]
    if not found:
        return None
    *values, rulesets = found[0]
    dataset = Dataset.from_db(DEFAULT_DB_ALIAS, ACCESS_COLUMNS, values)
    loaded = [Ruleset.from_db(DEFAULT_DB_ALIAS, RULESET_COLUMNS, item) for item in json.loads(rulesets)]
    dataset._prefetched_objects_cache = {"rulesets": evaluated(loaded)}  # type: ignore[attr-defined]  # as prefetch_related leaves it
    return dataset


def evaluated(rulesets: list[Ruleset]) -> QuerySet[Ruleset]:
    """``rulesets`` as the evaluated queryset ``prefetch_related`` leaves: reading it compiles no SQL."""
    queryset = Ruleset.objects.all()
    queryset._result_cache, queryset._prefetch_done = rulesets, True  # type: ignore[attr-defined]  # Django's own state
    return queryset


@functools.lru_cache(maxsize=VERSIONS_KEPT)
def version_table(version_id: int) -> tuple[str, tuple[Field, ...]]:
    """The table name and fields of a published version (immutable, hence cached for the process's life)."""
    version = PublishedVersion.objects.only("table_name", "fields").get(pk=version_id)
    return version.table_name, tuple(Field.from_dict(spec) for spec in version.fields)


def published_fields(dataset: Dataset) -> list[Field]:
    """The fields of the dataset's published version."""
    return list(version_table(dataset.current_version_id)[1])
