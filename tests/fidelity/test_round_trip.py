"""Property: whatever table is written, in whatever format, what is published equals what went in.

Each example is one small generated table (see ``strategies.py``) written as one file, uploaded,
guessed, published by the real worker and read back through the records API and the csv, json, xlsx
(and, with a geo column, geojson) exports; every field type and every value must be the contract's
(see ``contract.py``). One publish per example: a failure is always one table's.

Cost and reproducibility: ``make test`` runs ``FIDELITY_EXAMPLES`` examples (100 by default,
derandomized: the same examples on every run, about a second each) without shrinking, which would
republish hundreds of times; the failing table is printed whole. ``make fidelity`` runs thousands
with random seeds and shrinking (``FIDELITY_EXAMPLES``, ``FIDELITY_SHRINK=1``, ``FIDELITY_RANDOM=1``).
``FIDELITY_KINDS`` and ``FIDELITY_FORMATS`` (comma-separated names of ``strategies.KINDS`` and
``strategies.FAMILIES``) narrow the generation, and ``FIDELITY_MARKERS=0`` writes nulls as empty cells
only, to look at one part of the contract.
"""

import os

import pytest
from hypothesis import HealthCheck, Phase, given, note, settings

from tests.fidelity.checks import describe, report, table_problems
from tests.fidelity.files import write
from tests.fidelity.strategies import FAMILIES, KINDS, tables

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = int(os.environ.get("FIDELITY_EXAMPLES", "100"))
SHRINK = os.environ.get("FIDELITY_SHRINK") == "1"
RANDOM = os.environ.get("FIDELITY_RANDOM") == "1"
KINDS_TESTED = tuple(os.environ.get("FIDELITY_KINDS", ",".join(KINDS)).split(","))
FORMATS_TESTED = tuple(os.environ.get("FIDELITY_FORMATS", ",".join(FAMILIES)).split(","))
MARKERS = os.environ.get("FIDELITY_MARKERS") != "0"
FIDELITY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None if not RANDOM else settings.default.database,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if SHRINK else [])],
    print_blob=True,
    # The fixtures (API client, worker, Redis) are shared by the examples on purpose: nothing in them
    # is per example; each example publishes and deletes its own dataset.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FIDELITY
@given(table=tables(KINDS_TESTED, FORMATS_TESTED, MARKERS))
def test_published_values_equal_the_written_ones(publisher, table):
    note(describe(table))  # hypothesis does not show the table itself under the schemathesis plugin
    published = publisher.publish(write(table), table.format.filename)
    try:
        problems = table_problems(table, publisher, published)
    finally:
        publisher.delete(published)
    assert not problems, report(table, published, problems)
