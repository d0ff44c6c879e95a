"""Target status: the one set of codes and the one table of words for them.

A target is met only when the evidence says so (DOMAIN.md): ``met`` when the lower
confidence bound is at or above the target, ``below`` when the upper bound is under it,
``inconclusive`` otherwise, and ``no_target`` for an index no plan sets a target for.
Tables (analysis.targets, the web app's reporting), figures (analysis.figures), the
dashboard's status cells and the PDF report all use these codes and these words, so the
legend of a figure and the table beside it say the same thing.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MET", "BELOW", "INCONCLUSIVE", "NO_TARGET", "DESCRIPTIVE_ONLY", "STATUSES", "STATUS_LABELS",
           "status_label", "status_labels"]

MET, BELOW, INCONCLUSIVE, NO_TARGET = "met", "below", "inconclusive", "no_target"
# An interval that treats answers as independent (wilson, clopper-pearson, jeffreys)
# describes; it decides no verdict (docs/analysis.md).
DESCRIPTIVE_ONLY = "descriptive_only"
STATUSES = (MET, INCONCLUSIVE, BELOW, NO_TARGET)  # the order of a legend (verdict statuses)

STATUS_LABELS: dict[str, dict[str, str]] = {
    "vi": {MET: "Đạt chỉ tiêu", BELOW: "Chưa đạt chỉ tiêu", INCONCLUSIVE: "Chưa đủ căn cứ",
           NO_TARGET: "Chưa có chỉ tiêu", DESCRIPTIVE_ONLY: "Chỉ mô tả, không kết luận"},
    "en": {MET: "Target met", BELOW: "Below target", INCONCLUSIVE: "Not yet conclusive",
           NO_TARGET: "No target", DESCRIPTIVE_ONLY: "Descriptive only, no verdict"},
}


def status_labels(locale: str = "vi") -> dict[str, str]:
    """Status code → words in ``locale`` (vi or en), NFC-normalised."""
    if locale not in STATUS_LABELS:
        raise ValueError(f"locale must be one of {tuple(STATUS_LABELS)}, got {locale!r}")
    return {code: unicodedata.normalize("NFC", word)
            for code, word in STATUS_LABELS[locale].items()}


def status_label(code: str | None, locale: str = "vi") -> str:
    """The words for one status; a missing status reads as no target, an unknown code as
    itself."""
    code = code or NO_TARGET
    return status_labels(locale).get(code, code)
