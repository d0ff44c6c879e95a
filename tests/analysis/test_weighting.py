"""Weighting to dossier volumes (issue 17 item 1) against R survey 4.1.1:
reference/make_weighting_reference.R (respondent-level design, unit as stratum,
postStratify / rake on the dossier counts, svyratio; svycontrast of the item ratios for
the element and overall indices). Data: make_weighting_data.py —
unit A has a field with dossiers and no respondent (F4) and a one-respondent field (F3).

Tolerances: estimates 1e-9 absolute, SE 1e-6 relative, design df exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.indices import compute_indices
from analysis.io import read_answers
from analysis.weighting import (
    VolumesError,
    read_volumes,
    respondent_weights,
    weighted_indices,
)

REF = Path(__file__).parent / "reference"
FILES = {"poststratify": "weighting_volumes.csv", "rake": "weighting_margins.csv"}


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    return read_answers(REF / "weighting_answers.csv", by=["unit", "period", "field", "channel"])


def _ours(answers, weighting: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    vol = read_volumes(REF / FILES[weighting])
    by_unit, empty = weighted_indices(answers, vol, by=["unit"], weighting=weighting)
    whole, _ = weighted_indices(answers, vol, by=[], weighting=weighting)
    both = pd.concat([by_unit, whole.assign(unit="*")], ignore_index=True)
    return both, empty


@pytest.mark.parametrize("weighting", sorted(FILES))
def test_weighted_indices_match_r_postStratify_and_rake(answers, weighting):
    ours, _ = _ours(answers, weighting)
    ref = pd.read_csv(REF / "reference_weighting.csv")
    ref = ref[ref["weighting"] == weighting]
    both = ref.merge(ours, on=["unit", "index"], suffixes=("_r", ""), validate="one_to_one")
    # 3 units + the whole file × (pooled, 4 items, 2 elements, overall)
    assert len(both) == len(ref) == 32
    assert set(both["level"]) == {"item", "element", "overall", "pooled"}
    np.testing.assert_allclose(both["estimate"], both["estimate_r"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(both["se"], both["se_r"], rtol=1e-6)
    np.testing.assert_array_equal(both["design_df"], both["design_df_r"])
    assert (both["df"] <= both["design_df"]).all()
    assert (both["weighting"] == weighting).all()


@pytest.mark.parametrize("weighting", sorted(FILES))
def test_respondent_weights_match_r(answers, weighting):
    resp, _ = respondent_weights(answers[answers["value"].notna()],
                                 read_volumes(REF / FILES[weighting]), weighting)
    ref = pd.read_csv(REF / "reference_weighting_weights.csv", dtype={"response_id": str})
    both = ref.merge(resp, on="response_id", validate="one_to_one")
    assert len(both) == len(ref) == 45
    np.testing.assert_allclose(both["weight"], both[weighting], rtol=1e-9)


def test_field_with_dossiers_and_no_respondent_is_reported_not_dropped(answers):
    vol = read_volumes(REF / "weighting_volumes.csv")
    table, empty = weighted_indices(answers, vol, by=["unit"])
    assert empty.to_dict("records") == [
        {"unit": "A", "period": "2026-Q1", "field": "F4", "received": 80.0}]
    covered = table.drop_duplicates("unit").set_index("unit")["volume_covered"]
    assert covered["A"] == pytest.approx(550 / 630)  # F4's 80 dossiers are not represented
    assert covered["B"] == pytest.approx(1.0) and covered["C"] == pytest.approx(1.0)


def test_one_respondent_cell_carries_its_field_and_no_variance_of_its_own(answers):
    resp, _ = respondent_weights(answers[answers["value"].notna()],
                                 read_volumes(REF / "weighting_volumes.csv"))
    lone = resp[(resp["unit"] == "A") & (resp["field"] == "F3")]
    assert len(lone) == 1 and lone["weight"].iloc[0] == 50.0  # N_h / n_h = 50 / 1
    f1 = resp[(resp["unit"] == "A") & (resp["field"] == "F1")]
    assert np.allclose(f1["weight"], 200 / 10)


def test_the_weighting_changes_the_se_beyond_plain_weights(answers):
    """Post-stratification removes the between-field part of the variance: the SE of a
    design that only carries the weights (no post-strata) is not R's."""
    vol = read_volumes(REF / "weighting_volumes.csv")
    resp, _ = respondent_weights(answers[answers["value"].notna()], vol)
    plain = answers.merge(resp[["response_id", "weight"]], on="response_id",
                          suffixes=("_old", ""))
    plain = plain.drop(columns=["weight_old"]).assign(stratum=plain["unit"])
    naive = compute_indices(plain, by=["unit"])
    ours, _ = weighted_indices(answers, vol, by=["unit"])
    key = ["unit", "level", "index"]
    both = ours.merge(naive, on=key, suffixes=("", "_naive"))
    np.testing.assert_allclose(both["estimate"], both["estimate_naive"], atol=1e-12)
    assert (np.abs(both["se"] / both["se_naive"] - 1) > 1e-3).mean() > 0.5


def test_a_respondent_outside_every_cell_is_an_error(answers):
    vol = read_volumes(REF / "weighting_volumes.csv")
    vol = vol[~((vol["unit"] == "B") & (vol["field"] == "F2"))]
    with pytest.raises(VolumesError, match=r"unit 'B'.*field 'F2'.*falls in no cell"):
        weighted_indices(answers, vol, by=["unit"])


def test_raking_refuses_margins_that_count_different_dossiers(answers):
    vol = read_volumes(REF / "weighting_margins.csv")
    vol.loc[(vol["unit"] == "C") & (vol["channel"] == "truc_tiep"), "received"] += 5
    with pytest.raises(VolumesError, match="unit 'C'.*raking needs them equal"):
        weighted_indices(answers, vol, by=["unit"], weighting="rake")


@pytest.mark.parametrize("text,message", [
    ("unit_code,period,received\nA,2026-Q1,3\n", "field_code or a channel"),
    ("unit_code,field_code,period\nA,F1,2026-Q1\n", "received"),
    ("unit_code,field_code,period,received\nA,F1,2026-Q1,-1\n", "line 2: received"),
    ("unit_code,field_code,period,received\nA,F1,2026-Q1,3\nA,F1,2026-Q1,4\n",
     "line 3: the same unit"),
])
def test_bad_volume_files_are_refused_with_the_reason(tmp_path, text, message):
    path = tmp_path / "v.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VolumesError, match=message):
        read_volumes(path)


def test_cli_writes_the_weighted_table_and_the_empty_cells(tmp_path, capsys):
    from analysis.cli import main

    answers = pd.read_csv(REF / "weighting_answers.csv", dtype=str, keep_default_na=False)
    extra = answers[answers["response_id"] == "W001"].assign(response_id="Z1", unit="D")
    path = tmp_path / "answers.csv"
    pd.concat([answers, extra]).to_csv(path, index=False)
    out = tmp_path / "out.csv"
    code = main(["indices", str(path), "--by", "unit", "--out", str(out),
                 "--volumes", str(REF / "weighting_volumes.csv"),
                 "--weighting", "poststratify"])
    err = capsys.readouterr().err
    assert code == 0, err
    table = pd.read_csv(out)
    assert {"weighting", "volume_covered"} <= set(table.columns)
    assert set(table["unit"]) == {"A", "B", "C"}  # D has no volumes: left out, and said
    assert "unit D, period 2026-Q1: no dossier volumes" in err
    assert "1 cell(s) with dossiers and no respondent" in err
    empty = pd.read_csv(tmp_path / "out.empty_cells.csv")
    assert empty[["unit", "field", "received"]].values.tolist() == [["A", "F4", 80.0]]
    ref = pd.read_csv(REF / "reference_weighting.csv")
    ref = ref[(ref["weighting"] == "poststratify") & (ref["unit"] != "*")]
    both = ref.merge(table, on=["unit", "index"], suffixes=("_r", ""))
    assert len(both) == 24
    np.testing.assert_allclose(both["estimate"], both["estimate_r"], atol=1e-9)
    np.testing.assert_allclose(both["se"], both["se_r"], rtol=1e-6)


@pytest.mark.parametrize("args,message", [
    (["--weighting", "rake"], "--weighting needs --volumes"),
    (["--volumes", str(REF / "weighting_volumes.csv"), "--strata", "none"],
     "the unit is the stratum"),
])
def test_cli_refuses_weighting_it_cannot_do(tmp_path, capsys, args, message):
    from analysis.cli import main

    code = main(["indices", str(REF / "weighting_answers.csv"), "--by", "unit",
                 "--out", str(tmp_path / "o.csv"), *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_raking_that_cannot_converge_is_refused():
    """Every F1 respondent came in person and every F2 respondent online: margins of
    100/50 by field and 50/100 by channel have the same total but no weights fit both."""
    answers = pd.DataFrame({
        "response_id": ["a", "b", "c", "d"], "unit": "U", "period": "P",
        "field": ["F1", "F1", "F2", "F2"],
        "channel": ["truc_tiep", "truc_tiep", "truc_tuyen", "truc_tuyen"],
        "element": "E", "item": "I", "value": [5.0, 4.0, 2.0, 5.0]})
    vol = pd.DataFrame({"unit": "U", "period": "P", "field": ["F1", "F2", "", ""],
                        "channel": ["", "", "truc_tiep", "truc_tuyen"],
                        "received": [100.0, 50.0, 50.0, 100.0]})
    with pytest.raises(VolumesError, match="raking did not converge"):
        respondent_weights(answers, vol, "rake")
