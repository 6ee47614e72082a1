"""Run every benchmark in this folder, one process each, and stop at the first failure.

Each benchmark's output is shown as it comes; the targets tables some of them end with (``targets.py``) are
printed again, all together, at the end. The 5,000,000-row publish is not part of the run: it takes minutes
and gigabytes of disk; run ``python bench/publish.py --five-million`` for it.
"""

import os
import subprocess
import sys
from pathlib import Path

from targets import TABLE_HEADING

HERE = Path(__file__).resolve().parent
PROJECT_DIR = HERE.parent

BENCHMARKS = [
    ["job_roundtrip.py"],
    ["pipeline_inference.py"],
    ["resource_check.py"],
    ["publish.py"],
    ["publish.py", "--transport", "--republish"],
    ["explore.py"],
    ["soak.py"],
    ["server_modes.py"],
]


def run_one(command: list[str]) -> tuple[int, list[str]]:
    """Run one benchmark and echo its output as it comes; its exit code and every line it printed."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return process.wait(), lines


def tables_in(lines: list[str], label: str) -> list[str]:
    """The targets tables among ``lines``: each from its heading to the last indented line after it."""
    tables: list[list[str]] = []
    table: list[str] | None = None
    for line in lines:
        if line.startswith(TABLE_HEADING):
            table = [f"{label}: {line}"]
            tables.append(table)
        elif table is not None and line.startswith("  "):
            table.append(line)
        else:
            table = None
    return ["".join(table) for table in tables]


def main() -> int:
    tables: list[str] = []
    code = 0
    for name, *args in BENCHMARKS:
        label = " ".join([name, *args])
        print(f"== {label}", flush=True)
        code, lines = run_one([sys.executable, str(HERE / name), *args])
        tables += tables_in(lines, label)
        if code:
            break
    if tables:
        print("== targets, all benchmarks")
        print("\n".join(tables), end="")
    return code


if __name__ == "__main__":
    sys.exit(main())
