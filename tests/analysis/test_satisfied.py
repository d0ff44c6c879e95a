"""Which answers count as satisfied is an input of the engine (a `satisfied` column),
or the rule of an instrument (`--instrument`), never a hard-coded value ≥ 4."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.indices import compute_indices
from analysis.io import InputError, read_answers
from tests.survey_app.other_rule import only_five_source

REF = Path(__file__).parent / "reference"


def _items(path: Path) -> pd.Series:
    table = pd.read_csv(path)
    return table[table["level"] == "item"].set_index("index")["estimate"]


def _share_of(values: set[int]) -> pd.Series:
    df = pd.read_csv(REF / "basic.csv").dropna(subset=["value"])
    return df.assign(hit=df["value"].isin(values)).groupby("item")["hit"].mean()


def _run(tmp_path: Path, answers: Path, *options: str) -> Path:
    out = tmp_path / "out.csv"
    assert main(["indices", str(answers), "--out", str(out), *options]) == 0
    return out


def test_a_satisfied_column_is_what_the_engine_counts(tmp_path):
    df = pd.read_csv(REF / "basic.csv", dtype=str, keep_default_na=False)
    df["satisfied"] = np.where(df["value"] == "", "", np.where(df["value"] == "5", "1", "0"))
    path = tmp_path / "answers.csv"
    df.to_csv(path, index=False)
    got = _items(_run(tmp_path, path))
    want = _share_of({5})
    assert np.allclose(got.sort_index(), want.sort_index(), atol=1e-12)
    frame = compute_indices(read_answers(path))
    assert np.allclose(frame[frame["level"] == "item"].set_index("index")["estimate"]
                       .sort_index(), want.sort_index(), atol=1e-12)


def test_without_the_column_the_instruments_rule_applies(tmp_path):
    yaml = tmp_path / "only5.yaml"
    yaml.write_text(only_five_source(), encoding="utf-8")
    only5 = _items(_run(tmp_path, REF / "basic.csv", "--instrument", str(yaml)))
    assert np.allclose(only5.sort_index(), _share_of({5}).sort_index(), atol=1e-12)
    default = _items(_run(tmp_path, REF / "basic.csv"))  # sipas-2022: 4 and 5
    assert np.allclose(default.sort_index(), _share_of({4, 5}).sort_index(), atol=1e-12)


def test_a_bad_satisfied_cell_is_one_line_naming_the_row(tmp_path, capsys):
    path = tmp_path / "answers.csv"
    path.write_text("response_id,unit,field,period,element,item,value,satisfied\n"
                    "r1,U,F,2025-Q1,TC,TC1,5,1\n"
                    "r2,U,F,2025-Q1,TC,TC1,4,yes\n", encoding="utf-8")
    assert main(["indices", str(path), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {path}: line 3: satisfied 'yes' is not 1 or 0 for an answered item"]


def test_unknown_instrument_is_a_clear_error(tmp_path, capsys):
    code = main(["indices", str(REF / "basic.csv"), "--out", str(tmp_path / "o.csv"),
                 "--instrument", "no-such"])
    assert code == 2
    assert "no shipped instrument 'no-such'" in capsys.readouterr().err


def test_with_a_satisfied_column_values_follow_any_stored_scale(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text("response_id,unit,field,period,element,item,value,satisfied\n"
                    "r1,U,F,2025-Q1,TC,TC1,7,1\nr2,U,F,2025-Q1,TC,TC1,2,0\n", encoding="utf-8")
    assert read_answers(path)["satisfied"].tolist() == [1.0, 0.0]
    path.write_text("response_id,unit,field,period,element,item,value\n"
                    "r1,U,F,2025-Q1,TC,TC1,7\n", encoding="utf-8")
    with pytest.raises(InputError, match="is not 1–5"):
        read_answers(path)
