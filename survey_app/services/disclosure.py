"""Disclosure rules: who may see which survey data at which level of detail.

The rules themselves, and why, are in docs/privacy.md. In short:

- row-level responses (one row per respondent) go to Nội vụ only (admin, analyst), never
  to the evaluated unit, whose reviewers know who came to their counter on which day;
- rows come out in a random order, so their position says nothing about when a
  response was given, and dates are days at most;
- sensitive items (whether staff harassed the citizen, asked for unofficial payments)
  are named here, in one place, and never reach a unit at row level;
- comments shown to a unit carry the month, not the day;
- a comparison figure computed over other units is shown to a unit only when enough
  other units and respondents contribute (COMPARISON_MIN_UNITS / _RESPONDENTS in config).
"""

from __future__ import annotations

# Item codes whose answer could expose a respondent to retaliation. The published
# instrument files cannot change (their checksums are locked), so the list lives here:
# an instrument adding an unofficial-payment item adds its code to this set.
SENSITIVE_ITEMS = frozenset({"HARASS"})

ROW_LEVEL_ROLES = ("admin", "analyst")


def may_see_rows(user) -> bool:
    """Only Nội vụ (admin, analyst) gets one row per response; units get aggregates."""
    return getattr(user, "role", None) in ROW_LEVEL_ROLES


def is_sensitive(item_code: str) -> bool:
    return item_code in SENSITIVE_ITEMS
