"""SIPAS statistics: satisfaction indices with design-based intervals (no web imports).

Public API (see docs/analysis.md):
- :func:`compute_indices` — one call on a long answers table.
- :mod:`analysis.engine` — the two-pass sufficient-statistics contract for the SQL path:
  :func:`pass1_sums`, :func:`score_coefficients`, :func:`pass2_sums`, :func:`finish`.
- :mod:`analysis.intervals` — interval functions; :mod:`analysis.targets` — target
  judgement; :mod:`analysis.periods` — reporting periods.
"""

from analysis.answers import InputError, encode_answers, read_answers
from analysis.engine import finish, pass1_sums, pass2_sums, score_coefficients
from analysis.indices import compute_indices
from analysis.targets import apply_targets, judge_target, n_needed, read_targets

__all__ = [
    "InputError",
    "apply_targets",
    "compute_indices",
    "encode_answers",
    "finish",
    "judge_target",
    "n_needed",
    "pass1_sums",
    "pass2_sums",
    "read_answers",
    "read_targets",
    "score_coefficients",
]
