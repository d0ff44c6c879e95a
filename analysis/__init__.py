"""SIPAS statistics: satisfaction indices with design-based intervals (no web imports).

Public API (see docs/analysis.md):
- :func:`compute_indices` — one call on a long answers table.
- :mod:`analysis.engine` — the two-pass sufficient-statistics contract for the SQL path:
  :func:`pass1_sums`, :func:`score_coefficients`, :func:`pass2_sums`, :func:`finish`;
  :func:`indices_from_patterns` — the same from respondents' answer patterns.
- :mod:`analysis.io` — the CSV readers; :mod:`analysis.intervals` — interval
  functions; :mod:`analysis.targets` — target judgement; :mod:`analysis.periods` —
  reporting periods; :mod:`analysis.weighting` — indices weighted to dossier volumes;
  :mod:`analysis.funnel` — funnel-plot limits.

The names below load on first use (PEP 562): ``import analysis`` itself imports
neither numpy nor scipy, statsmodels or matplotlib, so that ``python -m analysis
--help`` and a web worker's boot pay only for what they use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "InputError": "analysis.io",
    "read_answers": "analysis.io",
    "read_targets": "analysis.io",
    "add_satisfied": "analysis.answers",
    "encode_answers": "analysis.answers",
    "finish": "analysis.engine",
    "pass1_sums": "analysis.engine",
    "pass2_sums": "analysis.engine",
    "score_coefficients": "analysis.engine",
    "compute_indices": "analysis.indices",
    "indices_from_patterns": "analysis.patterns",
    "apply_targets": "analysis.targets",
    "judge_target": "analysis.targets",
    "n_needed": "analysis.targets",
    "read_volumes": "analysis.weighting",
    "weighted_indices": "analysis.weighting",
    "funnel_table": "analysis.funnel",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
