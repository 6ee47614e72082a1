"""BatchedSource: the per-batch callback a long pass hooks its progress and abort checks on."""

from __future__ import annotations

import pytest

from datasets.pipeline.batches import BatchedSource
from datasets.pipeline.runner import infer
from datasets.pipeline.specifications import FieldSpecifications
from tests.pipeline.test_runner import FakeSource, FakeStep

NO_SPECS = FieldSpecifications()


class Stop(Exception):
    """What a caller's callback raises to end the pass (a job's JobAborted)."""


def numbers(count: int) -> FakeSource:
    return FakeSource(["n"], [[str(index)] for index in range(count)])


def test_the_callback_comes_every_batch_and_at_the_end():
    calls: list[int] = []
    fields, details, count = infer(BatchedSource(numbers(7), 3, calls.append), [], NO_SPECS)
    assert calls == [3, 6, 7]
    assert (count, details["n"].type, [field.name for field in fields]) == (7, "int", ["n"])


def test_a_raising_callback_stops_the_pass_within_one_batch_and_closes_the_source():
    source = numbers(1000)

    def stop_after_the_first_batch(rows: int) -> None:
        if rows >= 10:
            raise Stop()

    with pytest.raises(Stop):
        infer(BatchedSource(source, 10, stop_after_the_first_batch), [], NO_SPECS)
    assert source.read == 10
    assert source.closed


def test_batches_count_source_rows_even_when_processors_drop_every_record():
    calls: list[int] = []
    drop_all = FakeStep("pr_drop01", lambda record: None)
    _fields, _details, count = infer(BatchedSource(numbers(5), 2, calls.append), [drop_all], NO_SPECS)
    assert (count, calls) == (0, [2, 4, 5])


def test_fields_and_problems_are_the_wrapped_sources():
    source = numbers(1)
    batched = BatchedSource(source, 1, lambda rows: None)
    assert batched.fields is source.fields and batched.problems is source.problems


def test_a_batch_must_hold_a_row():
    with pytest.raises(ValueError, match="at least 1"):
        BatchedSource(numbers(1), 0, lambda rows: None)
