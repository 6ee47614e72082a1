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
# Every module of the pure packages, not only their entry points (the ORM-backed dataset `where` compiler aside).
EVERY_PURE_MODULE = (
    "import importlib, pkgutil, sys, datasets.pipeline, datasets.odsql; "
    "names = [m.name for p in (datasets.pipeline, datasets.odsql) "
    "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.') if 'dataset_where' not in m.name]; "
    "[importlib.import_module(name) for name in names]; "
    "assert len(names) > 40, names; "
    "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')); "
    "assert not loaded, loaded"
)


def clean_environment() -> dict[str, str]:
    """Only what finds the interpreter and the project: no Django settings, no database or Redis URL."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}


def run_python(source: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", source],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_pipeline_and_odsql_import_without_django():
    result = run_python(PURE_IMPORT)
    assert result.returncode == 0, result.stderr


def test_every_module_of_the_pure_core_imports_without_django():
    result = run_python(EVERY_PURE_MODULE)
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
