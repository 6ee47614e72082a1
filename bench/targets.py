"""The targets table the benchmarks end with: each figure, its target, the baseline measured in the same run,
the ratio of the figure to that baseline, and a verdict. ``run.py`` (``make bench``) prints every table again
at the end, so the tables are recognised by their first line, ``TABLE_HEADING``."""

from __future__ import annotations

from dataclasses import astuple, dataclass

TABLE_HEADING = "targets (ratio = measured / baseline):"
NOT_JUDGED = "n/a"


@dataclass
class Target:
    """One line of the table; ``ratio`` is always the measured figure over the baseline."""

    figure: str
    measured: str
    target: str
    baseline: str
    ratio: str
    verdict: str


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def print_targets(targets: list[Target]) -> None:
    """The table, its columns aligned; every line after the heading is indented (``run.py`` relies on it)."""
    header = Target("figure", "measured", "target", "baseline (this run)", "ratio", "verdict")
    rows = [astuple(row) for row in (header, *targets)]
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    print(TABLE_HEADING)
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
