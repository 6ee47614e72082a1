"""Asserting what a published file became: its field types and its values, read through the records API."""

from __future__ import annotations

from typing import Any

from tests.fidelity.contract import decode, same
from tests.fidelity.publishing import Published, Publisher

Expected = dict[str, tuple[str, list[Any]]]  # field -> (type, values in row order)


def assert_published(
    publisher: Publisher,
    content: bytes,
    filename: str,
    expected: Expected,
    params: dict[str, Any] | None = None,
    order_by: str | None = "n",
) -> Published:
    """Publish ``content`` as a user would (guessed params, updated with ``params``) and check every field of
    ``expected``: its type and its values (canonical Python values, None for null) in ``order_by`` order."""
    published = publisher.publish(content, filename, params)
    assert not published.failed, published.failure
    records = publisher.records(published, order_by)
    problems = []
    for name, (type_, values) in expected.items():
        if published.types.get(name) != type_:
            problems.append(f"{name}: type {published.types.get(name, 'missing')!r}, expected {type_!r}")
        got = [decoded(published.types.get(name, "text"), record.get(name)) for record in records]
        if len(got) != len(values) or not all(map(same_value, values, got)):
            problems.append(f"{name}: values {[record.get(name) for record in records]!r}, expected {values!r}")
    assert not problems, f"guessed {published.extractor} {published.params}:\n  " + "\n  ".join(problems)
    return published


def decoded(type_: str, raw: Any) -> Any:
    try:
        return decode("records", type_, raw)
    except (ValueError, TypeError, KeyError):
        return raw


def same_value(expected: Any, got: Any) -> bool:
    return same("records", expected, got)
