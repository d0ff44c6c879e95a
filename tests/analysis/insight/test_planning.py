"""Sample sizes (Cochran's formula × deff) and response rates against VOLUMES.csv."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.io import InputError, read_volumes
from analysis.planning import n_for_halfwidth, plan_sample, response_rates


def test_cochran_known_answers():
    # 1.959964² · 0.25 / 0.05² = 384.15 → 385; deff 2 → 768.3 → 769; p = 0.9, h = 0.03 → 385
    assert n_for_halfwidth(0.5, 0.05) == 385
    assert n_for_halfwidth(0.5, 0.05, deff=2.0) == 769
    assert n_for_halfwidth(0.9, 0.03) == 385
    assert n_for_halfwidth(1.0, 0.05) == n_for_halfwidth(0.99, 0.05)


def test_plan_sample(results):
    plan = plan_sample(results, halfwidth=0.05, target=0.9)
    assert (plan["level"] == "overall").all()
    assert (plan["n_for_halfwidth"] >= 1).all() and plan["n_to_decide"].min() >= 1
    fixed = plan_sample(results, halfwidth=0.05, expected=0.5)
    assert (fixed["n_for_halfwidth"] == np.ceil(fixed["deff"] * 384.1459 - 1e-9)).all()


def write(tmp_path, text: str):
    path = tmp_path / "volumes.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_volumes_errors_name_the_line(tmp_path):
    good = "unit,field,period,received\nUBND xã Xuân Hòa,Đất đai,2025,200\n"
    assert read_volumes(write(tmp_path, good))["received"].tolist() == [200]
    with pytest.raises(InputError, match="line 3: received '12.5'"):
        read_volumes(write(tmp_path, good + "UBND xã Xuân Hòa,Xây dựng,2025,12.5\n"))
    with pytest.raises(InputError, match="line 3: unit, field and period repeat"):
        read_volumes(write(tmp_path, good + "UBND xã Xuân Hòa,Đất đai,2025,3\n"))
    with pytest.raises(InputError, match="line 1: volumes file misses column"):
        read_volumes(write(tmp_path, "unit,field,received\n"))


def test_response_rates(split):
    ans = split[0]
    cells = ans.drop_duplicates("response_id").groupby(["unit", "field", "period"]).size()
    vol = cells.rename("received").reset_index()
    vol["received"] = vol["received"] * 10
    vol = pd.concat([vol, pd.DataFrame([{"unit": "UBND xã Mới", "field": "Đất đai",
                                         "period": "2025", "received": 40}])])
    rates = response_rates(ans, vol)
    ok = rates[rates["check"] == ""]
    assert ok["response_rate"].to_numpy() == pytest.approx(0.1)
    assert ok["weight"].to_numpy() == pytest.approx(10.0)
    assert (ok["rate_low"] <= 0.1).all() and (ok["rate_high"] >= 0.1).all()
    assert rates.loc[rates["unit"] == "UBND xã Mới", "check"].item() == "no responses"
