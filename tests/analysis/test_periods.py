"""Reporting periods: cut-offs on the 10th, labels round-trip to their bounds."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.periods import (
    KINDS,
    checked_period,
    label_dates,
    period_bounds,
    period_label,
    periods_of,
    previous_period,
    range_label,
)


@pytest.mark.parametrize("label,start,end", [
    ("2025-Q1", date(2024, 12, 10), date(2025, 3, 9)),
    ("2025-Q3", date(2025, 6, 10), date(2025, 9, 9)),
    ("2025-H1", date(2024, 12, 10), date(2025, 6, 9)),
    ("2025-9M", date(2024, 12, 10), date(2025, 9, 9)),
    ("2025-Y", date(2024, 12, 10), date(2025, 12, 9)),
    ("2024-M02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2025-CQ2", date(2025, 4, 1), date(2025, 6, 30)),
    ("2025-CY", date(2025, 1, 1), date(2025, 12, 31)),
])
def test_bounds(label: str, start: date, end: date) -> None:
    assert period_bounds(label) == (start, end)


def test_cutoff_days() -> None:
    assert periods_of(date(2024, 12, 10))["year"] == "2025-Y"
    assert periods_of(date(2024, 12, 9))["year"] == "2024-Y"
    assert period_label(date(2025, 3, 9), "quarter") == "2025-Q1"
    assert period_label(date(2025, 3, 10), "quarter") == "2025-Q2"
    assert period_label(date(2025, 9, 10), "nine_months") is None
    assert period_label(date(2024, 12, 31), "calendar_year") == "2024-CY"
    with pytest.raises(ValueError):
        period_bounds("2025-Q5")


@pytest.mark.parametrize("label", ["٢٠٢٥-Q1", "２０２５-Y", "2025-M1", "0000-Y", "2025-Q1\n2"])
def test_labels_are_ascii(label: str) -> None:
    with pytest.raises(ValueError):
        period_bounds(label)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
       st.sampled_from(KINDS))
def test_every_date_lies_in_its_periods(d: date, kind: str) -> None:
    label = period_label(d, kind)
    if label is None:
        assert kind == "nine_months"
        return
    start, end = period_bounds(label)
    assert start <= d <= end
    assert period_label(start, kind) == label and period_label(end, kind) == label
    assert period_label(end + timedelta(days=1), kind) != label


def test_vectorised_equals_scalar() -> None:
    days = pd.Series(pd.date_range("2023-11-25", "2025-12-20", freq="D"))
    for kind in KINDS:
        expected = [period_label(d.date(), kind) for d in days]
        assert list(label_dates(days, kind)) == expected


def test_today_is_viet_nams_day_so_the_default_period_turns_with_viet_nam():
    """At 17:30 UTC on 9 Dec it is already 10 Dec in Viet Nam: a new reporting year has
    begun there, so the last complete quarter is Q4 of the year that just ended. A UTC
    date kept the default a quarter behind for seven hours."""
    from datetime import UTC, datetime

    from analysis.periods import default_period, today

    evening = datetime(2026, 12, 9, 17, 30, tzinfo=UTC)
    assert today(evening) == date(2026, 12, 10)
    assert default_period(today(evening)) == "2026-Q4"
    assert today(datetime(2026, 12, 9, 16, 59, tzinfo=UTC)) == date(2026, 12, 9)


def test_free_range_label_bounds_and_the_range_before_it():
    label = range_label(date(2026, 1, 5), date(2026, 3, 20))
    assert label == "2026-R20260105-20260320"
    assert period_bounds(label) == (date(2026, 1, 5), date(2026, 3, 20))
    # the range before has the same 75 days and ends the day before
    assert previous_period(label) == "2025-R20251022-20260104"
    assert period_bounds(range_label(date(2026, 2, 1), date(2026, 2, 1)))[0] == date(2026, 2, 1)


@pytest.mark.parametrize("label", ["2026-R20260320-20260105",  # reversed
                                   "2025-R20260105-20260320",  # year is not the start's
                                   "2026-R20260230-20260301",  # 30 February
                                   "2026-R20260101-20300101",  # longer than 3 years
                                   "2026-R2026010-20260301"])
def test_bad_free_range_is_refused(label):
    with pytest.raises(ValueError):
        checked_period(label)
