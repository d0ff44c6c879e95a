"""Units as strata and the change between periods, against R survey 4.1.1
(reference/make_strata_reference.R: svydesign(ids = ~response_id, strata = ~unit),
svymean of each domain, svyby over period + svycontrast for the change).

Tolerances: estimates 1e-9 absolute, SE 1e-6 relative, df exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.change import compare_periods, joint_change
from analysis.indices import compute_indices

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    df = pd.read_csv(REF / "strata_periods.csv", dtype={"value": float})
    return df.assign(stratum=df["unit"])


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REF / "reference_strata.csv", keep_default_na=False,
                       na_values=["NA"])


def _pooled(res: pd.DataFrame) -> pd.DataFrame:
    return res[res["level"] == "pooled"]


def test_unit_period_cells_match_r_with_units_as_strata(answers, reference):
    cells = reference[reference["kind"] == "cell"]
    by_unit = _pooled(compute_indices(answers, by=["unit", "period"]))
    whole = _pooled(compute_indices(answers, by=["period"])).assign(unit="*")
    ours = pd.concat([by_unit, whole])[["unit", "period", "estimate", "se", "design_df"]]
    both = cells.merge(ours, on=["unit", "period"], suffixes=("_r", ""))
    assert len(both) == len(cells) == 10
    np.testing.assert_allclose(both["estimate"], both["estimate_r"], atol=1e-9)
    np.testing.assert_allclose(both["se"], both["se_r"], rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(both["design_df"], both["df"])  # R's degf


def test_joint_change_se_and_df_match_svycontrast(answers, reference):
    """With strata, R's joint SE of the whole file's change is larger than the
    separate formula (the strata put a covariance between periods); per unit (one
    stratum each) they agree. Ours equals R's joint SE, and compare_periods uses it."""
    ref = reference[reference["kind"] == "change"].set_index("unit")
    per_unit = _pooled(joint_change(answers, "P1", "P2", by=["unit"]))
    whole = _pooled(joint_change(answers, "P1", "P2")).assign(unit="*")
    ours = pd.concat([per_unit, whole]).set_index("unit")
    for unit, r in ref.iterrows():
        assert ours.loc[unit, "se"] == pytest.approx(r["se"], rel=1e-6), unit
        assert ours.loc[unit, "df"] == r["df"], unit
    assert ref.loc["*", "se"] > ref.loc["*", "se_separate"] * 1.01
    res = compute_indices(answers, by=["period"])
    ch = _pooled(compare_periods(res, "P1", "P2", answers=answers)).iloc[0]
    assert ch["change"] == pytest.approx(ref.loc["*", "estimate"], abs=1e-9)
    assert ch["se"] == pytest.approx(ref.loc["*", "se"], rel=1e-6)
    assert ch["method"] == "design (joint, both periods)"
