"""Numbers as people read them, in Vietnamese or English: the one formatter of the
figures, the web pages and the PDF report.

Vietnamese writes the decimal comma and groups thousands with a dot ("92,5%", "1.234");
English the other way round ("92.5%", "1,234"). A missing value (None, NaN) is "–".
Files meant for programs (CSV) keep machine-readable numbers and do not come here.
"""

from __future__ import annotations

import math

__all__ = ["MISSING", "percent", "target_percent", "number", "points"]

MISSING = "–"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _decimal(text: str, locale: str) -> str:
    return text.replace(".", ",") if locale == "vi" else text


def percent(x, locale: str = "vi", decimals: int = 1) -> str:
    """0.925 → "92,5%" (vi, decimal comma) or "92.5%" (en); missing → "–"."""
    if _missing(x):
        return MISSING
    return _decimal(f"{100 * float(x):.{decimals}f}%", locale)


def target_percent(x, locale: str = "vi") -> str:
    """A target exactly as stored, with as many decimals as it needs: 0.955 → "95,5%"
    (vi) or "95.5%" (en), 0.95 → "95%". Verdicts compare with the stored value, so a
    rounded target ("≥ 96%" for 95.5%) would contradict them. Float noise is cut at six
    decimals of a percent (the admin form stores at most four); missing → "–"."""
    if _missing(x):
        return MISSING
    text = f"{100 * float(x):.6f}".rstrip("0").rstrip(".")
    return _decimal(text + "%", locale)


def number(x, locale: str = "vi") -> str:
    """A count: 1234 → "1.234" (vi) or "1,234" (en); missing → "–"."""
    if _missing(x):
        return MISSING
    text = f"{int(x):,}"
    return text.replace(",", ".") if locale == "vi" else text


def points(x, locale: str = "vi", decimals: int = 1) -> str:
    """A change of a proportion in percentage points, signed: 0.034 → "+3,4" (vi),
    -0.02 → "-2.0" (en); missing → "–". The unit ("điểm") is the caller's words."""
    if _missing(x):
        return MISSING
    sign = "+" if float(x) > 0 else ""
    return sign + _decimal(str(round(100 * float(x), decimals)), locale)
