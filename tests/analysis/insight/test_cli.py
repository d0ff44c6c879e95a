"""Insight subcommands end to end (in process through ``main``), and the input contract:
bad input → one stderr line naming the file line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main
from tests.analysis.insight.synth import make_answers, write_csv


@pytest.fixture(scope="module")
def answers_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "answers.csv"
    write_csv(make_answers(seed=3, scale=0.5), path)
    return path


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def test_ranking(answers_csv, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert run(capsys, "ranking", answers_csv, "--out", out, "--within", "period",
               "--overall-item", "HL", "--n-sim", "500", "--target", "90%") == (0, "")
    tab = pd.read_csv(out)
    assert {"shrunken", "rank", "rank_low", "rank_high", "rankable", "p_below_target"} <= set(tab)


def test_change_and_trend(answers_csv, tmp_path, capsys):
    out, trend = tmp_path / "c.csv", tmp_path / "t.csv"
    assert run(capsys, "change", answers_csv, "--out", out, "--before", "2024", "--after",
               "2025", "--by", "unit", "--adjust", "bh", "--overall-item", "HL",
               "--trend-out", trend) == (0, "")
    assert set(pd.read_csv(out)["adjustment"]) == {"Benjamini–Hochberg"}
    assert set(pd.read_csv(trend)["period"].astype(str)) == {"2024", "2025"}


def test_below(answers_csv, tmp_path, capsys):
    targets = tmp_path / "targets.csv"
    targets.write_text("scope,field,target\noverall,*,90%\n", encoding="utf-8")
    out = tmp_path / "b.csv"
    assert run(capsys, "below", answers_csv, "--out", out, "--targets", targets,
               "--by", "period,unit", "--overall-item", "HL") == (0, "")
    tab = pd.read_csv(out)
    assert set(tab["adjustment"]) == {"Holm"} and len(tab) == 24


def test_priority_reliability_plan(answers_csv, tmp_path, capsys):
    assert run(capsys, "priority", answers_csv, "--out", tmp_path / "p.csv",
               "--overall-item", "HL", "--by", "period") == (0, "")
    assert pd.read_csv(tmp_path / "p.csv").groupby("period")["rank"].min().eq(1).all()
    assert run(capsys, "reliability", answers_csv, "--out", tmp_path / "a.csv",
               "--overall-item", "HL") == (0, "")
    vol = tmp_path / "volumes.csv"
    vol.write_text("unit,field,period,received\nUBND xã Xuân Hòa,Đất đai,2025,400\n",
                   encoding="utf-8")
    assert run(capsys, "plan", answers_csv, "--out", tmp_path / "n.csv", "--target", "0.9",
               "--overall-item", "HL", "--volumes", vol, "--rates-out", tmp_path / "v.csv",
               "--by", "period,unit") == (0, "")
    rates = pd.read_csv(tmp_path / "v.csv")
    assert rates.loc[rates["received"].notna(), "response_rate"].between(0, 1).all()


@pytest.mark.slow
def test_figures(answers_csv, tmp_path, capsys):
    names = tmp_path / "names.csv"
    names.write_text("code,name\nPA,\"Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị\"\n",
                     encoding="utf-8")
    assert run(capsys, "figures", answers_csv, "--outdir", tmp_path / "f", "--overall-item",
               "HL", "--target", "0.8", "--names", names, "--locale", "en",
               "--overdispersion", "additive") == (0, "")
    made = sorted(p.name for p in (tmp_path / "f").iterdir())
    assert made == sorted(f"{n}.{e}" for n in ("forest", "funnel", "heatmap", "trend",
                                               "distribution", "priority")
                          for e in ("png", "svg"))
    svg = (tmp_path / "f" / "funnel.svg").read_text(encoding="utf-8")
    assert "DerSimonian" in svg  # the overdispersion choice is printed on the figure


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("R9,UBND xã Xuân Hòa,Đất đai,2025,TC,TC1,7", "line 3: value '7' is not 1–5"),
        ("R9,,Đất đai,2025,TC,TC1,4", "line 3: empty unit"),
    ],
)
def test_bad_answers_one_line_exit_2(tmp_path, capsys, line, message):
    path = tmp_path / "bad.csv"
    path.write_text("response_id,unit,field,period,element,item,value\n"
                    "R1,UBND xã Xuân Hòa,Đất đai,2025,TC,TC1,5\n" + line + "\n", encoding="utf-8")
    for cmd in (["ranking", path, "--out", tmp_path / "o.csv"],
                ["reliability", path, "--out", tmp_path / "o.csv"]):
        code, err = run(capsys, *cmd)
        assert code == 2 and err.count("\n") == 1 and message in err and str(path) in err


def test_usage_errors_exit_2(answers_csv, tmp_path, capsys):
    code, err = run(capsys, "priority", answers_csv, "--out", tmp_path / "p.csv")
    assert code == 2 and "needs --overall-item" in err
    code, err = run(capsys, "priority", answers_csv, "--out", tmp_path / "p.csv",
                    "--overall-item", "NOPE")
    assert code == 2 and "no answer has item 'NOPE'" in err
    vol = tmp_path / "v.csv"
    vol.write_text("unit,field,period,received\nA,B,2025,-3\n", encoding="utf-8")
    code, err = run(capsys, "plan", answers_csv, "--out", tmp_path / "n.csv", "--volumes", vol,
                    "--rates-out", tmp_path / "r.csv", "--overall-item", "HL")
    assert code == 2 and f"{vol}: line 2: received '-3'" in err
    code, err = run(capsys, "ranking", answers_csv, "--out", tmp_path / "x.csv", "--target", "2")
    assert code == 2 and err.startswith("error: ")
