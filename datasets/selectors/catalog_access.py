"""The catalog values a caller may know of the datasets it sees only in part.

A ruleset may hide fields, filter records or show metadata only. The catalog then shows that caller
the features of the visible fields and the count of the readable records; ``where``, ``refine`` and
``order_by`` must read the same values, or they would answer questions the dataset object does not
(``where=features="geo"`` revealing a hidden geometry, a sort by ``records_count`` revealing how many
records a filter hides). Only datasets with rulesets can be seen in part, and the values are computed
only when a query mentions one of these names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.db.models import QuerySet

from datasets.access.caller import Caller
from datasets.access.visibility import DataAccess, data_access
from datasets.models import Dataset, PublishedVersion
from datasets.selectors.catalog import CallerValues, features
from datasets.selectors.public import visible_field_specs
from datasets.selectors.records import readable_count

CALLER_DEPENDENT = ("features", "has_records", "records_count")
CLAUSES = ("where", "refine", "exclude", "order_by")


def mentions_caller_values(texts: Iterable[str]) -> bool:
    return any(name in text for text in texts for name in CALLER_DEPENDENT)


def is_partial(access: DataAccess) -> bool:
    return not access.data_visible or access.visible_fields is not None or bool(access.filters)


def known_values(dataset: Dataset, access: DataAccess) -> CallerValues:
    version = cast(PublishedVersion, dataset.current_version)
    count = readable_count(dataset, access)
    return CallerValues(
        records_count=version.record_count if count is None else count,
        features=frozenset(features(visible_field_specs(version, access))),
    )


def dataset_access(caller: Caller, dataset: Dataset) -> DataAccess:
    """The access of a dataset of the catalog list (it is visible, so it has one): without a data access, metadata
    only, as the dataset object shows it."""
    return data_access(caller, dataset) or DataAccess(data_visible=False, visible_fields=frozenset())


def partial_values(caller: Caller, visible: QuerySet[Dataset], params) -> dict[int, CallerValues]:
    """``{pk: CallerValues}`` of the ``visible`` datasets ``caller`` sees in part, when ``params`` needs them."""
    texts = [text for clause in CLAUSES for text in params.getlist(clause)]
    if not mentions_caller_values(texts):
        return {}
    candidates = (
        visible.filter(rulesets__isnull=False).distinct().select_related("current_version").prefetch_related("rulesets")
    )
    partial = {}
    for dataset in candidates:
        access = dataset_access(caller, dataset)
        if is_partial(access):
            partial[dataset.pk] = known_values(dataset, access)
    return partial
