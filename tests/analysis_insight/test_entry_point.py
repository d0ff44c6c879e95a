"""The insight subcommands are reachable through `python -m analysis`, not only insight_cli."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
ANSWERS = ROOT / "tests" / "analysis" / "reference" / "basic.csv"


def test_ranking_through_python_m_analysis(tmp_path):
    out = tmp_path / "ranking.csv"
    run = subprocess.run([sys.executable, "-m", "analysis", "ranking", str(ANSWERS),
                          "--out", str(out), "--n-sim", "200"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out)
    assert {"unit", "estimate", "ci_low", "ci_high", "shrunken", "rank", "rank_low",
            "rank_high", "rankable"} <= set(table.columns)
    ranked = table[table["rankable"]]
    assert len(ranked) >= 2
    assert (ranked["rank_low"] <= ranked["rank"]).all()
    assert (ranked["rank"] <= ranked["rank_high"]).all()
    unranked = table[~table["rankable"]]
    assert unranked["rank"].isna().all() and unranked["note"].notna().all()
    assert len(table) == pd.read_csv(ANSWERS)["unit"].nunique()


def test_unknown_subcommand_is_a_usage_error():
    run = subprocess.run([sys.executable, "-m", "analysis", "rankings"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1
