"""`python -m analysis indices` on hostile CSV files: exit 0 with an output file, or exit
2 with exactly one line `error: …` on stderr; never a traceback and never exit 1 (the
CLI's "internal error" is a bug by contract, docs/analysis.md).

main() runs in-process (a subprocess per example would cost seconds each); the real
`python -m analysis` process is covered by tests/analysis/test_cli_indices.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.cli import main
from tests.hostile.conftest import FUZZ, PAYLOADS

pytestmark = pytest.mark.slow  # hypothesis: many CSV files per test

HEADER = ["response_id", "unit", "field", "period", "element", "item", "value"]
OPTIONAL = ["w", "s", "weight", "stratum", ""]

cells = st.one_of(
    st.sampled_from(["r1", "r2", "r3", "U", "F", "2025-Q1", "TC", "TC1", "TC2", "TT1", "1",
                     "2", "3", "4", "5", "", " ", "4.0", "5e0", "0", "6", "-1", "nan", "inf",
                     "1e308", "NA", "None", "#N/A", "null", "TRUE", '"', "'", ",", "\n"]),
    st.sampled_from(PAYLOADS).filter(lambda p: len(p) < 1000),
    st.text(max_size=8),
)
headers = st.one_of(
    st.just(HEADER),
    st.lists(st.sampled_from(HEADER + OPTIONAL), min_size=0, max_size=9),
    st.permutations(HEADER).map(list),
    st.just([*HEADER, "w", "s"]),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=9), max_size=12)


@st.composite
def answer_tables(draw):
    """A valid answers table (with weight w and stratum s columns), then a few cells
    replaced by hostile ones: most examples get past the first checks and go deep."""
    items = draw(st.lists(st.sampled_from(["TC1", "TC2", "TT1", "KQ1", "PA1"]), min_size=1,
                          max_size=4, unique=True))
    body = []
    for r in range(draw(st.integers(1, 6))):
        unit, field = draw(st.sampled_from(["U", "V", "UBND xã Hòa Bình"])), draw(
            st.sampled_from(["F", "G"]))
        weight, stratum = draw(st.sampled_from(["1", "2.5", "1e-300", "1e300"])), draw(
            st.sampled_from(["A", "B"]))
        for item in items:
            value = draw(st.sampled_from(["1", "2", "3", "4", "5", "5", "4", ""]))
            body.append([f"r{r}", unit, field, "2025-Q1", item[:2], item, value, weight,
                         stratum])
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(body) - 1))
        body[row][draw(st.integers(0, 8))] = draw(cells)
    return [*HEADER, "w", "s"], body
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1258"])
options = st.lists(st.sampled_from([
    ["--by", "unit"], ["--by", "unit,field"], ["--by", "value"], ["--by", "nope"], ["--by", ","],
    ["--method", "wilson"], ["--method", "beta"], ["--method", "clopper-pearson"],
    ["--level", "0.9"], ["--level", "1"], ["--level", "nan"], ["--level", "abc"],
    ["--weights", "w"], ["--weights", "value"], ["--strata", "s"], ["--strata", "unit"],
    ["--element-rule", "pooled"], ["--element-rule", "x"],
]), max_size=3)


def write_csv(path: Path, header, body, encoding: str) -> None:
    def cell(c: str) -> str:
        return '"' + c.replace('"', '""') + '"' if any(x in c for x in ',"\n') else c
    text = "\n".join(",".join(cell(c) for c in row) for row in [header, *body] if row or body)
    path.write_bytes(text.encode(encoding, "replace"))


def check_contract(code: int, err: str, out_file: Path) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err
    if code == 2:
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert not out_file.exists()
    else:
        assert err == "" and out_file.exists()
        pd.read_csv(out_file)  # what was written is a readable CSV


@FUZZ
@given(table=st.one_of(st.tuples(headers, rows), answer_tables()), encoding=encodings,
       opts=options)
def test_random_answer_files(tmp_path, capsys, table, encoding, opts):
    answers, out = tmp_path / "answers.csv", tmp_path / "out.csv"
    out.unlink(missing_ok=True)
    write_csv(answers, *table, encoding)
    capsys.readouterr()
    code = main(["indices", str(answers), "--out", str(out), *(o for pair in opts for o in pair)])
    check_contract(code, capsys.readouterr().err, out)


@FUZZ
@given(content=st.one_of(st.binary(max_size=400),
                         st.sampled_from([b"", b"\xef\xbb\xbf", b"\n\n\n", b"\x00" * 20,
                                          b'"' * 41, b",,,,,,\n" * 5, b"\r\r\r"])))
def test_random_bytes_as_answers(tmp_path, capsys, content):
    answers, out = tmp_path / "answers.csv", tmp_path / "out.csv"
    out.unlink(missing_ok=True)
    answers.write_bytes(content)
    capsys.readouterr()
    code = main(["indices", str(answers), "--out", str(out)])
    check_contract(code, capsys.readouterr().err, out)


GOOD = [HEADER, ["r1", "U", "F", "2025-Q1", "TC", "TC1", "5"],
        ["r2", "U", "F", "2025-Q1", "TC", "TC1", "3"], ["r3", "U", "G", "2025-Q1", "TC", "TC1", "4"]]


@FUZZ
@given(header=st.one_of(st.just(["scope", "field", "target"]),
                        st.lists(st.sampled_from(["scope", "field", "target", "x", ""]),
                                 max_size=4)),
       body=st.lists(st.lists(st.one_of(cells, st.sampled_from(
           ["overall", "pooled", "*", "TC", "0.9", "90%", "95 %", "1.5", "-0.1", "100%", "0",
            "1"])), max_size=4), max_size=5))
def test_random_target_files(tmp_path, capsys, header, body):
    answers, targets, out = tmp_path / "a.csv", tmp_path / "t.csv", tmp_path / "out.csv"
    out.unlink(missing_ok=True)
    write_csv(answers, GOOD[0], GOOD[1:], "utf-8")
    write_csv(targets, header, body, "utf-8")
    capsys.readouterr()
    code = main(["indices", str(answers), "--out", str(out), "--targets", str(targets),
                 "--by", "field"])
    check_contract(code, capsys.readouterr().err, out)
