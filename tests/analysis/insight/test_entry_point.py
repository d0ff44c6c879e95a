"""The insight subcommands are reachable through `python -m analysis` (whose `main` this
calls in-process), not only through insight_cli. The real process is run once, in
tests/analysis/test_cli_indices.py."""

from pathlib import Path

import pandas as pd

from analysis.cli import main

ROOT = Path(__file__).resolve().parents[3]
ANSWERS = ROOT / "tests" / "analysis" / "reference" / "basic.csv"


def test_ranking_through_python_m_analysis(tmp_path, capsys):
    out = tmp_path / "ranking.csv"
    code = main(["ranking", str(ANSWERS), "--out", str(out), "--n-sim", "200"])
    assert code == 0, capsys.readouterr().err
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


def test_unknown_subcommand_is_a_usage_error(capsys):
    assert main(["rankings"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
