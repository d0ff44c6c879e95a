"""The command-line contract: output columns, and bad input → one line naming the row,
exit status 2, no traceback.

The contract is checked in-process through ``main(argv)`` (what ``python -m analysis``
calls): a fresh interpreter per case cost seconds each for the imports alone. One test
runs the real ``python -m analysis`` process, so the entry point itself is covered."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main

ROOT = Path(__file__).resolve().parents[2]
REF = Path(__file__).parent / "reference"
HEADER = "response_id,unit,field,period,element,item,value"
GOOD = [
    "r1,UBND xã Hòa Bình,đất đai,2025-Q1,TC,TC1,5",
    "r1,UBND xã Hòa Bình,đất đai,2025-Q1,TC,TC2,",
    "r2,UBND xã Hòa Bình,đất đai,2025-Q1,TC,TC1,3",
    "r2,UBND xã Hòa Bình,đất đai,2025-Q1,TC,TC2,4",
]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run(capsys):
    """``python -m analysis ARGS`` in this process: exit status and what it printed."""
    capsys.readouterr()

    def _run(*args: str) -> Ran:
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return Ran(code, out.out, out.err)
    return _run


@pytest.mark.slow  # a child Python; the other tests call main(argv) in-process
def test_python_m_analysis_runs(tmp_path: Path) -> None:
    """The real entry point: a separate interpreter, exit status, output file, stderr."""
    out = tmp_path / "out.csv"
    proc = subprocess.run([sys.executable, "-m", "analysis", "indices", str(REF / "basic.csv"),
                           "--out", str(out), "--by", "unit"], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert pd.read_csv(out, encoding="utf-8").columns[0] == "unit"
    proc = subprocess.run([sys.executable, "-m", "analysis", "indices", str(tmp_path / "no.csv"),
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT,
                          check=False)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("error: ") and "no.csv" in proc.stderr


def write(tmp_path: Path, lines: list[str], name: str = "answers.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_output_contract(run, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    proc = run("indices", str(REF / "basic.csv"), "--out", str(out), "--by", "unit,field")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out, encoding="utf-8")
    assert list(df.columns) == ["unit", "field", "level", "index", "estimate", "ci_low",
                                "ci_high", "se", "n_respondents", "n_answers", "method"]
    assert set(df["level"]) == {"item", "element", "overall", "pooled"}
    assert "UBND xã Hòa Bình" in set(df["unit"])
    assert df[["estimate", "ci_low", "ci_high", "se"]].notna().all().all()
    assert ((df["ci_low"] <= df["estimate"]) & (df["estimate"] <= df["ci_high"])).all()


def test_without_by_one_group_and_targets(run, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    targets = write(tmp_path, ["scope,field,target", "overall,,94%", "*,,0.5"], "t.csv")
    proc = run("indices", str(REF / "basic.csv"), "--out", str(out), "--targets",
               str(targets), "--method", "wilson")
    assert proc.returncode == 0, proc.stderr
    df = pd.read_csv(out, encoding="utf-8")
    assert list(df.columns[:2]) == ["level", "index"]
    assert list(df.columns[-4:]) == ["target", "status", "p_value", "n_needed"]
    assert (df["level"] == "overall").sum() == 1 and (df["level"] == "pooled").sum() == 1
    overall = df[df["level"] == "overall"].iloc[0]
    # answer-independent intervals give no verdict (issue 13 item 8)
    assert overall["target"] == 0.94 and overall["status"] == "descriptive_only"
    assert (df["status"] == "descriptive_only").all() and df["p_value"].isna().all()
    assert (df.loc[df["level"] == "item", "target"] == 0.5).all()
    assert df["method"].str.endswith("(independent answers)").all()


BAD_CASES = {
    "value outside 1-5": ([HEADER, *GOOD, "r3,U,F,P,TC,TC1,7"], 6, "value '7'"),
    "non-numeric value": ([HEADER, "r3,U,F,P,TC,TC1,abc", *GOOD], 2, "value 'abc'"),
    "response in two units": ([HEADER, *GOOD, "r2,Sở Tư pháp,đất đai,2025-Q1,TC,TC3,4"], 6,
                              "unit"),
    "response in two fields": ([HEADER, *GOOD, "r1,UBND xã Hòa Bình,xây dựng,2025-Q1,KQ,KQ1,4"],
                               6, "field"),
    "response in two periods": ([HEADER, "r9,U,F,2025-Q1,TC,TC1,4", "r9,U,F,2025-Q2,TC,TC2,4"],
                                3, "period"),
    "missing column": (["response_id,unit,field,period,element,item", "r1,U,F,P,TC,TC1"], 1,
                       "missing column"),
    "empty file": ([], 1, "empty file"),
    "header only": ([HEADER], 2, "no answers"),
    "item in two elements": ([HEADER, *GOOD, "r3,U,F,P,TT,TC1,4"], 6, "element"),
    "answer repeated": ([HEADER, *GOOD, "r2,UBND xã Hòa Bình,đất đai,2025-Q1,TC,TC1,4"], 6,
                        "second time"),
    "empty item": ([HEADER, "r3,U,F,P,TC,,4"], 2, "empty item"),
    "ragged row": ([HEADER, *GOOD, "r3,U,F,P,TC,TC1,4,extra,more"], 6, "malformed"),
    "all not applicable": ([HEADER, "r3,U,F,P,TC,TC1,", "r3,U,F,P,TC,TC2,"], 2,
                           "no valid answer"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_one_line_exit_2(run, tmp_path: Path, case: str) -> None:
    lines, line_no, fragment = BAD_CASES[case]
    path = tmp_path / "answers.csv"
    path.write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")
    proc = run("indices", str(path), "--out", str(tmp_path / "o.csv"))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"line {line_no}:" in proc.stderr and fragment in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_bad_weights(run, tmp_path: Path) -> None:
    lines = [HEADER + ",w", "r1,U,F,P,TC,TC1,4,1.5", "r1,U,F,P,TC,TC2,4,1.5",
             "r2,U,F,P,TC,TC1,4,-1"]
    path = write(tmp_path, lines)
    proc = run("indices", str(path), "--out", str(tmp_path / "o.csv"), "--weights", "w")
    assert proc.returncode == 2 and "line 4:" in proc.stderr and "weight '-1'" in proc.stderr
    lines[2:] = ["r1,U,F,P,TC,TC2,4,2.5"]  # weight changes within a response
    proc = run("indices", str(write(tmp_path, lines)), "--out", str(tmp_path / "o.csv"),
               "--weights", "w")
    assert proc.returncode == 2 and "line 3:" in proc.stderr and "weight" in proc.stderr
    proc = run("indices", str(path), "--out", str(tmp_path / "o.csv"), "--weights", "nope")
    assert proc.returncode == 2 and "line 1:" in proc.stderr and "nope" in proc.stderr


def test_non_utf8_names_line(run, tmp_path: Path) -> None:
    path = tmp_path / "answers.csv"
    text = "\n".join([HEADER, *GOOD, "r3,UBND xã Hòa Bình,đất đai,P,TC,TC1,4"]) + "\n"
    path.write_bytes(text.encode("cp1258", errors="replace"))
    proc = run("indices", str(path), "--out", str(tmp_path / "o.csv"))
    assert proc.returncode == 2 and "UTF-8" in proc.stderr and "line 2:" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_unreadable_file_and_bad_targets(run, tmp_path: Path) -> None:
    proc = run("indices", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "missing.csv" in proc.stderr
    answers = write(tmp_path, [HEADER, *GOOD])
    targets = write(tmp_path, ["scope,field,target", "overall,,0.9", "overall,,95"], "t.csv")
    proc = run("indices", str(answers), "--out", str(tmp_path / "o.csv"), "--targets",
               str(targets))
    assert proc.returncode == 2 and "line 3:" in proc.stderr and "t.csv" in proc.stderr


def test_usage_errors_are_one_line(run) -> None:
    proc = run("indices", "x.csv")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "--out" in proc.stderr
    proc = run("indices", "x.csv", "--out", "o.csv", "--method", "wald")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
