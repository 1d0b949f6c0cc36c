"""The layers stay as drawn: import-linter's contracts (pyproject.toml [tool.importlinter]) over
the package as it installs — service/ as `talentflow`, scheduler/ inside it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold(tmp_path):
    # The development install maps scheduler/ into the package from outside service/, which the
    # import graph cannot see; a copy in the installed layout shows it every import.
    package = tmp_path / "talentflow"
    ignore = shutil.ignore_patterns("__pycache__", "static", "translations", "templates")
    shutil.copytree(ROOT / "service", package, ignore=ignore)
    shutil.copytree(ROOT / "scheduler", package / "scheduler", ignore=ignore)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                             "lint_imports_command()", "--no-cache"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
