"""The package layout's rules, checked: the pure core imports no framework, and every import-linter contract holds.

The contracts live in pyproject.toml (``[tool.importlinter]``); the first test checks at run time what the
``pure-core`` contract checks statically, with nothing configured (no DJANGO_SETTINGS_MODULE).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_IMPORT = (
    "import datasets.pipeline, datasets.odsql, datasets.odsql.records, sys; "
    "assert 'django' not in sys.modules and 'rest_framework' not in sys.modules"
)


def clean_environment() -> dict[str, str]:
    """Only what finds the interpreter and the project: no Django settings, no database or Redis URL."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}


def test_pipeline_and_odsql_import_without_django():
    result = subprocess.run(
        [sys.executable, "-c", PURE_IMPORT],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_import_contracts_are_kept():
    # The lint-imports command, run by this interpreter: the same packages, the same pyproject.toml.
    command = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    result = subprocess.run(
        [sys.executable, "-c", command, "--config", str(ROOT / "pyproject.toml"), "--no-logo"],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
