"""Importing `analysis` and asking `python -m analysis --help` load neither statsmodels
nor matplotlib (nor scipy): they are imported where they are used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("statsmodels", "matplotlib")


def imported(*args: str) -> set[str]:
    run = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("args", [
    ("-c", "import analysis"),
    ("-m", "analysis", "--help"),
], ids=["import", "help"])
def test_analysis_loads_no_statsmodels_or_matplotlib(args):
    names = imported(*args)
    assert "analysis" in names
    assert not names & set(HEAVY)


def test_import_analysis_and_help_load_no_scipy():
    assert "scipy" not in imported("-c", "import analysis")
    assert "scipy" not in imported("-m", "analysis", "--help")

