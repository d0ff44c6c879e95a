"""Reporting periods of the CCHC plans, and calendar periods, from dates.

The reporting year Y runs from 10 Dec of Y−1 to 9 Dec of Y (DOMAIN.md). Labels:

=========  ==========================================  =====================
label      period (both ends included)                  kind
=========  ==========================================  =====================
Y-Q1       10 Dec (Y−1) – 9 Mar Y                       ``quarter``
Y-Q2       10 Mar – 9 Jun Y                             ``quarter``
Y-Q3       10 Jun – 9 Sep Y                             ``quarter``
Y-Q4       10 Sep – 9 Dec Y                             ``quarter``
Y-H1       10 Dec (Y−1) – 9 Jun Y (6 tháng)             ``half``
Y-H2       10 Jun – 9 Dec Y                             ``half``
Y-9M       10 Dec (Y−1) – 9 Sep Y (9 tháng)             ``nine_months``
Y-Y        10 Dec (Y−1) – 9 Dec Y (năm)                 ``year``
Y-Mmm      calendar month mm (01–12)                    ``month``
Y-CQq      calendar quarter q (1–4)                     ``calendar_quarter``
Y-CY       calendar year                                ``calendar_year``
Y-Rab      a free range from date a to date b (YYYYMMDD-YYYYMMDD, both included; Y is
           a's year), e.g. 2026-R20260105-20260320; the range before it has the same length
=========  ==========================================  =====================

The reports to Nội vụ are Q1, H1, 9M (cumulative) and Y; Q2–Q4 and H2 complete the
partition. ``Y-Q3`` is the third reporting quarter (10 Jun – 9 Sep) as DOMAIN.md
states; the cumulative "9 tháng" report is ``Y-9M``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pandas as pd

__all__ = ["KINDS", "FIRST_YEAR", "LAST_YEAR", "period_bounds", "period_label", "periods_of",
           "label_dates", "previous_period", "checked_period", "recent_periods",
           "default_period", "today", "VIETNAM", "range_label", "MAX_RANGE_DAYS"]

KINDS = ("quarter", "half", "nine_months", "year", "month", "calendar_quarter",
         "calendar_year")
FIRST_YEAR, LAST_YEAR = 2000, 2100
# Viet Nam's time (UTC+7, no daylight saving): reporting days, periods and daily quotas
# are counted on its calendar.
VIETNAM = timezone(timedelta(hours=7))  # the years a period may be asked for (as for targets)
CUTOFF_DAY = 10  # a reporting period starts on the 10th and ends on the 9th
# [0-9], not \d: \d also matches "٢٠٢٦", which int() reads as 2026 but which then travels
# on as the label (into file names, HTTP headers, audit entries).
_LABEL = re.compile(r"^([0-9]{4})-(Q[1-4]|H[12]|9M|Y|M(0[1-9]|1[0-2])|CQ[1-4]|CY)$")
_RANGE = re.compile(r"^([0-9]{4})-R([0-9]{8})-([0-9]{8})$")
MAX_RANGE_DAYS = 3 * 366  # a free range is at most about 3 years (longer: the CY labels)
# reporting sub-periods: (first month, months long); month 12 of Y−1 is month 0
_REPORTING = {"Q1": (0, 3), "Q2": (3, 3), "Q3": (6, 3), "Q4": (9, 3),
              "H1": (0, 6), "H2": (6, 6), "9M": (0, 9), "Y": (0, 12)}


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + months
    return total // 12, total % 12 + 1


def range_label(start: date, end: date) -> str:
    """The label of a free range of days, both ends included (checked by period_bounds)."""
    return f"{start.year}-R{start:%Y%m%d}-{end:%Y%m%d}"


def _range_bounds(m: re.Match) -> tuple[date, date]:
    start = datetime.strptime(m.group(2), "%Y%m%d").date()  # ValueError on 20261340
    end = datetime.strptime(m.group(3), "%Y%m%d").date()
    if int(m.group(1)) != start.year or end < start or (end - start).days >= MAX_RANGE_DAYS:
        raise ValueError(f"bad date range {m.group(0)!r}: the end must not be before the "
                         f"start, and the range at most {MAX_RANGE_DAYS} days")
    return start, end


def period_bounds(label: str) -> tuple[date, date]:
    """First and last day (inclusive) of a period label such as ``2025-Q1``."""
    if r := _RANGE.match(label.strip()):
        return _range_bounds(r)
    m = _LABEL.match(label.strip())
    if not m:
        raise ValueError(f"unknown period label {label!r} (e.g. 2025-Q1, 2025-H1, 2025-9M, "
                         "2025-Y, 2025-M03, 2025-CQ2, 2025-CY)")
    year, code = int(m.group(1)), m.group(2)
    if code in _REPORTING:
        offset, length = _REPORTING[code]
        sy, sm = _add_months(year - 1, 12, offset)
        ey, em = _add_months(sy, sm, length)
        return date(sy, sm, CUTOFF_DAY), date(ey, em, CUTOFF_DAY) - timedelta(days=1)
    if code.startswith("M"):
        start_month, length = int(code[1:]), 1
    elif code.startswith("CQ"):
        start_month, length = 3 * (int(code[2]) - 1) + 1, 3
    else:  # CY
        start_month, length = 1, 12
    ey, em = _add_months(year, start_month, length)
    return date(year, start_month, 1), date(ey, em, 1) - timedelta(days=1)


def period_label(d: date, kind: str) -> str | None:
    """Label of the ``kind`` period that contains ``d``; None for ``nine_months`` when
    ``d`` falls after 9 Sep (10 Sep – 9 Dec is in no 9-month report)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if kind == "month":
        return f"{d.year}-M{d.month:02d}"
    if kind == "calendar_quarter":
        return f"{d.year}-CQ{(d.month - 1) // 3 + 1}"
    if kind == "calendar_year":
        return f"{d.year}-CY"
    # months since 10 Dec of the previous reporting year: 0..11
    shifted = d - timedelta(days=CUTOFF_DAY - 1)  # 10 Dec → 1 Dec, 9 Mar → 28/29 Feb
    ry, m = _add_months(shifted.year, shifted.month, 1)  # reporting year, its month 1..12
    if kind == "year":
        return f"{ry}-Y"
    if kind == "quarter":
        return f"{ry}-Q{(m - 1) // 3 + 1}"
    if kind == "half":
        return f"{ry}-H{(m - 1) // 6 + 1}"
    return f"{ry}-9M" if m <= 9 else None


def periods_of(d: date) -> dict[str, str | None]:
    """Every period label of ``d``, by kind."""
    return {kind: period_label(d, kind) for kind in KINDS}


def label_dates(dates: pd.Series, kind: str) -> pd.Series:
    """Vectorised :func:`period_label` for a column of dates (NaT → missing)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    ts = pd.to_datetime(dates)
    if kind in ("month", "calendar_quarter", "calendar_year"):
        year, month = ts.dt.year, ts.dt.month
        ry = year
    else:
        shifted = ts - pd.Timedelta(days=CUTOFF_DAY - 1)
        total = shifted.dt.year * 12 + shifted.dt.month  # = months + 1 since year 0
        ry, month = total // 12, total % 12 + 1
    y = ry.astype("Int64").astype(str)
    suffix = {
        "month": "-M" + month.astype("Int64").astype(str).str.zfill(2),
        "calendar_quarter": "-CQ" + ((month - 1) // 3 + 1).astype("Int64").astype(str),
        "calendar_year": pd.Series("-CY", index=ts.index),
        "year": pd.Series("-Y", index=ts.index),
        "quarter": "-Q" + ((month - 1) // 3 + 1).astype("Int64").astype(str),
        "half": "-H" + ((month - 1) // 6 + 1).astype("Int64").astype(str),
        "nine_months": pd.Series("-9M", index=ts.index).where(month <= 9),
    }[kind]
    out = (y + suffix).where(ts.notna() & suffix.notna())
    return out.astype(object).where(out.notna(), None).replace({np.nan: None})


def previous_period(label: str) -> str | None:
    """The same kind of period one step earlier (2026-Q1 → 2025-Q4, 2026-Y → 2025-Y,
    calendar: 2026-M01 → 2025-M12, 2026-CQ1 → 2025-CQ4, 2026-CY → 2025-CY)."""
    year, code = label.split("-", 1)
    y = int(year)
    if code.startswith("Q"):
        q = int(code[1])
        return f"{y}-Q{q - 1}" if q > 1 else f"{y - 1}-Q4"
    if code.startswith("H"):
        return f"{y}-H1" if code == "H2" else f"{y - 1}-H2"
    if code in ("9M", "Y", "CY"):
        return f"{y - 1}-{code}"
    if code.startswith("CQ"):
        q = int(code[2])
        return f"{y}-CQ{q - 1}" if q > 1 else f"{y - 1}-CQ4"
    if code.startswith("M"):
        m = int(code[1:])
        return f"{y}-M{m - 1:02d}" if m > 1 else f"{y - 1}-M12"
    if code.startswith("R"):  # the same number of days just before
        start, end = period_bounds(label)
        if start.year <= FIRST_YEAR - 50:
            return None
        return range_label(start - (end - start) - timedelta(days=1), start - timedelta(days=1))
    return None


def checked_period(label: str) -> tuple[date, date]:
    """First and last day of a period a user asked for (a query string, an import).

    Raises ValueError for a bad label and for a year outside FIRST_YEAR–LAST_YEAR: the
    dashboard looks a few periods back from the one asked for, and year 1 or 9999 made
    those dates overflow (a 500), while no plan of the reform has such years."""
    start, end = period_bounds(label)
    if not FIRST_YEAR <= start.year <= LAST_YEAR:
        raise ValueError(f"period {label!r} is outside {FIRST_YEAR}–{LAST_YEAR}")
    return start, end


def recent_periods(label: str, count: int) -> list[str]:
    """The last ``count`` periods of the kind of ``label``, oldest first, ending with it."""
    out = [label]
    while len(out) < count and (prev := previous_period(out[-1])):
        out.append(prev)
    return out[::-1]


def today(now: datetime | None = None) -> date:
    """Today's date as the reports count it: Viet Nam's calendar day, the day responses
    are bucketed by (`VIETNAM`). It is what "the current period" means when a query
    names none; between 17:00 and 24:00 UTC Viet Nam is already on the next day, so a
    UTC date would put the default period a quarter behind on a cut-off day."""
    return (now or datetime.now(UTC)).astimezone(VIETNAM).date()


def default_period(on: date) -> str:
    """The last complete reporting quarter on date ``on``."""
    current = period_label(on, "quarter")
    return previous_period(current) or current
