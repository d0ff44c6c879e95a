"""Write the weighting reference data (issue 17): answers of 3 units, volumes by field
(post-stratification: unit A has a field with dossiers and no respondent, and a field
with one respondent) and margins by field and by channel (raking).

    python tests/analysis/reference/make_weighting_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
ITEMS = [("E1", "i1"), ("E1", "i2"), ("E2", "i3"), ("E2", "i4")]
# unit → field → respondents; channel alternates
PLAN = {"A": {"F1": 10, "F2": 5, "F3": 1}, "B": {"F1": 8, "F2": 6}, "C": {"F1": 12, "F2": 3}}
VOLUMES = {"A": {"F1": 200, "F2": 300, "F3": 50, "F4": 80}, "B": {"F1": 100, "F2": 40},
           "C": {"F1": 60, "F2": 90}}
FIELD_SHIFT = {"F1": 1.5, "F2": -0.5, "F3": 0.5}


def main() -> None:
    rng = np.random.default_rng(17)
    rows, n = [], 0
    for unit, fields in PLAN.items():
        for field, count in fields.items():
            for _ in range(count):
                n += 1
                channel = "truc_tiep" if n % 3 else "truc_tuyen"
                u = rng.normal(0, 1)
                for element, item in ITEMS:
                    if rng.random() < 0.15:
                        value = ""
                    else:
                        p = 1 / (1 + np.exp(-(FIELD_SHIFT[field] + u)))
                        value = int(rng.choice([4, 5])) if rng.random() < p else \
                            int(rng.choice([1, 2, 3]))
                    rows.append(dict(response_id=f"W{n:03d}", unit=unit, period="2026-Q1",
                                     field=field, channel=channel, element=element,
                                     item=item, value=value))
    answers = pd.DataFrame(rows)
    # every respondent has at least one scored answer (a respondent is a scored one)
    first = answers.groupby("response_id").head(1).index
    answers.loc[first, "value"] = answers.loc[first, "value"].replace("", 4)
    answers.to_csv(HERE / "weighting_answers.csv", index=False)
    vol = [dict(unit_code=u, field_code=f, period="2026-Q1", received=r)
           for u, fs in VOLUMES.items() for f, r in fs.items()]
    pd.DataFrame(vol).to_csv(HERE / "weighting_volumes.csv", index=False)
    # margins for raking: the fields with respondents, and a channel split of the same
    # total (unit A's F4 left out: raking needs margins that count the same dossiers)
    resp = answers.drop_duplicates("response_id")
    margins = []
    for unit, fs in VOLUMES.items():
        kept = {f: r for f, r in fs.items() if f in PLAN[unit]}
        margins += [dict(unit_code=unit, field_code=f, channel="", period="2026-Q1",
                         received=r) for f, r in kept.items()]
        total = sum(kept.values())
        online = round(total * 0.35)
        assert set(resp.loc[resp["unit"] == unit, "channel"]) == {"truc_tiep", "truc_tuyen"}
        margins += [dict(unit_code=unit, field_code="", channel="truc_tiep",
                         period="2026-Q1", received=total - online),
                    dict(unit_code=unit, field_code="", channel="truc_tuyen",
                         period="2026-Q1", received=online)]
    pd.DataFrame(margins).to_csv(HERE / "weighting_margins.csv", index=False)


if __name__ == "__main__":
    main()
