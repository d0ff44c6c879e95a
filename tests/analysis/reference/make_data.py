"""Generate the small reference data sets (committed; rerun only to change them).

    /work/main/.venv/bin/python tests/analysis/reference/make_data.py
    Rscript tests/analysis/reference/make_reference.R

Each data set mixes ordinary groups with degenerate ones: p = 0 and p = 1 cells, a
one-respondent group, respondents whose answers are all "not applicable", items and a
whole element never answered in a group, single-PSU strata, weights.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
INSTRUMENT = {  # element -> items (5 elements, 12 items)
    "TC": ["TC1", "TC2", "TC3"],
    "TT": ["TT1", "TT2"],
    "CC": ["CC1", "CC2", "CC3"],
    "KQ": ["KQ1", "KQ2"],
    "PA": ["PA1", "PA2"],
}
HEADER = ["response_id", "unit", "field", "period", "element", "item", "value"]


def _value(rng: np.random.Generator, p: float) -> int:
    return int(rng.choice([4, 5])) if rng.random() < p else int(rng.choice([1, 2, 3]))


def _respondent(rng, rid, unit, field, period, base, na=0.12, force=None, skip=(), extra=()):
    latent = rng.normal()
    rows = []
    for element, items in INSTRUMENT.items():
        for j, item in enumerate(items):
            if item in skip or element in skip or rng.random() < na:
                value = ""
            elif force is not None:
                value = force(rng)
            else:
                p = 1 / (1 + np.exp(-(base + 1.2 * latent + 0.3 * (j - 1))))
                value = _value(rng, p)
            rows.append([rid, unit, field, period, element, item, value, *extra])
    return rows


def basic(rng: np.random.Generator) -> list[list]:
    rows: list[list] = []
    n = 0

    def add(count, unit, field, **kw):
        nonlocal n
        for _ in range(count):
            n += 1
            rows.extend(_respondent(rng, f"R{n:04d}", unit, field, "2025-Q1", **kw))

    add(40, "UBND xã Hòa Bình", "đất đai", base=1.2)
    add(35, "UBND xã Hòa Bình", "hộ tịch", base=2.0, skip=("PA2",))
    add(30, "Sở Tư pháp", "hộ tịch", base=0.5, skip=("PA",))
    add(8, "Sở Tư pháp", "đất đai", base=0, force=lambda r: int(r.choice([4, 5])))
    add(1, "UBND phường Đông Hà", "xây dựng", base=0.8, na=0.0)
    add(6, "UBND phường Đông Hà", "đất đai", base=-3.5)
    add(5, "UBND phường Đông Hà", "đất đai", base=0, na=1.0)  # all not applicable
    add(4, "Trung tâm Y tế", "y tế", base=0, force=lambda r: int(r.choice([1, 2, 3])))
    return rows


def weighted(rng: np.random.Generator) -> list[list]:
    rows: list[list] = []
    n = 0
    weights = {"đất đai": 2.5, "hộ tịch": 0.8, "xây dựng": 1.7}

    def add(count, unit, field, districts, **kw):
        nonlocal n
        for i in range(count):
            n += 1
            w = weights[field] * (1 + 0.25 * (i % 3))
            extra = (f"{w:.3f}", districts[i % len(districts)])
            rows.extend(
                _respondent(rng, f"W{n:04d}", unit, field, "2025-H1", extra=extra, **kw)
            )

    add(45, "UBND huyện Sóc Sơn", "đất đai", ["Bắc", "Nam", "Đông"], base=1.0)
    add(30, "UBND huyện Sóc Sơn", "hộ tịch", ["Bắc", "Nam"], base=1.8)
    add(35, "Sở Xây dựng", "xây dựng", ["Đông", "Tây"], base=0.3, skip=("TT2",))
    add(1, "Sở Xây dựng", "hộ tịch", ["Núi"], base=0.5, na=0.0)  # lonely PSU
    add(1, "Văn phòng ĐKĐĐ", "đất đai", ["Đảo"], base=0.5, na=0.0)  # lonely PSU
    add(1, "Văn phòng ĐKĐĐ", "đất đai", ["Hồ"], base=0.5, na=0.0)  # lonely PSU: df 0
    add(1, "Văn phòng ĐKĐĐ", "đất đai", ["Hồ"], base=0.5, na=1.0)  # all n/a: not a PSU
    add(6, "Bệnh viện tỉnh", "xây dựng", ["Tây"], base=0, force=lambda r: int(r.choice([4, 5])))
    return rows


def write(name: str, rows: list[list], extra_header: tuple[str, ...] = ()) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow([*HEADER, *extra_header])
        out.writerows(rows)


if __name__ == "__main__":
    write("basic.csv", basic(np.random.default_rng(20250101)))
    write("weighted.csv", weighted(np.random.default_rng(20250609)), ("weight", "district"))
