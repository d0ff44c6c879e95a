"""What to improve first: dissatisfaction × importance (× stated expectation).

Overall satisfaction comes from the instrument's overall question. The engine treats
every ``element`` value of ANSWERS.csv as an element, so the overall question must not
be left in it as an element: either name its item code (``overall_item``; those rows
are split off by :func:`split_overall` before any index is computed) or give a separate
OVERALL.csv ``response_id,value`` (1–5). Whether an answer counts as satisfied is the
``satisfied`` column where the answers have one (the dashboard passes the stored flag),
else the instrument's rule (:func:`analysis.answers.add_satisfied`). Expectations (the "mong đợi/ưu tiên cải
thiện" question) come from an optional EXPECTATIONS.csv ``response_id,item,value``
with value 1 = ít, 2 = nhiều, 3 = rất nhiều and ``item`` an element (or item) code.

Priority score per element e (see docs/analysis-insight.md):
  dₑ = 1 − element index (share of answers not satisfied), from the engine, per scope;
  wₑ = max(βₑ, 0)/Σ_f max(β_f, 0), βₑ the logistic-regression coefficient of the
       respondent's element score (mean of its answered items, 1–5) for overall
       satisfaction (satisfied by the instrument's rule: 4–5 on the SIPAS scale),
       fitted on all respondents with cluster-robust (unit) standard errors — HC1
       when there are fewer than ``min_clusters`` units;
  xₑ = share answering nhiều or rất nhiều, normalised to sum 1 over the elements;
  score = dₑ·wₑ without expectations, dₑ·(wₑ + xₑ)/2 with them.
Items inherit their element's w and x. References: Martilla & James (1977), J. Mark.
41:77–79 (importance–performance analysis); Cameron & Miller (2015), J. Hum. Resour.
50:317–372 (cluster-robust inference).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.answers import DEFAULT_INSTRUMENT, add_satisfied, find_instrument
from analysis.indices import compute_indices
from analysis.io import InputError

if TYPE_CHECKING:
    from instruments import Instrument

EQUAL_WEIGHTS = "equal_weights"  # the fallback when no model could be fitted
# Warnings after which a logistic fit's coefficients mean nothing (statsmodels names).
_UNUSABLE_FIT = ("model failed", "too few", "PerfectSeparation", "ConvergenceWarning",
                 "HessianInversionWarning")
# Quadrants from most to least urgent; a row never carries a more urgent label than a
# row ranked above it (see priority_table).
QUADRANTS = ("fix first", "secondary", "keep up", "low priority")
NOT_ASSESSED = "importance unknown"  # with equal weights: no importance to cut on

__all__ = ["EQUAL_WEIGHTS", "QUADRANTS", "NOT_ASSESSED", "split_overall", "overall_satisfied",
           "element_scores",
           "element_importance", "expectation_shares", "priority_table"]


def split_overall(answers: pd.DataFrame, overall_item: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the overall question's rows (``item == overall_item``) off the answers.
    Returns ``(answers without them, overall)`` with overall = ``response_id, value``
    (and ``satisfied`` when the answers have it)."""
    is_overall = answers["item"].astype(str) == overall_item
    if not is_overall.any():
        raise InputError(f"no answer has item {overall_item!r} (the --overall-item)")
    cols = ["response_id", "value", *(["satisfied"] if "satisfied" in answers else [])]
    overall = answers.loc[is_overall, cols].reset_index(drop=True)
    return answers.loc[~is_overall].reset_index(drop=True), overall


def element_scores(answers: pd.DataFrame) -> pd.DataFrame:
    """Respondent × element matrix of mean item scores (1–5) over answered items."""
    valid = answers[np.isfinite(answers["value"].to_numpy(dtype=float))]
    wide = valid.pivot_table(index="response_id", columns="element", values="value",
                             aggfunc="mean", sort=False)
    # Elements in order of first appearance (pd.unique keeps it, without iterating
    # 650 k strings in Python as dict.fromkeys did: 1.4 s for a province's year).
    return wide.reindex(columns=list(pd.unique(answers["element"])))


def overall_satisfied(overall: pd.DataFrame, instrument: Instrument | str = DEFAULT_INSTRUMENT
                      ) -> pd.DataFrame:
    """``overall`` with its ``satisfied`` column; without one, the rule of the
    instrument's overall question (of its items when it has none) applies."""
    if "satisfied" in overall.columns:
        return overall
    inst = find_instrument(instrument) if isinstance(instrument, str) else instrument
    code = inst.overall.code if inst.overall else ""
    return add_satisfied(overall.assign(item=code), inst).drop(columns="item")


def element_importance(answers: pd.DataFrame, overall: pd.DataFrame, cluster: str = "unit",
                       min_clusters: int = 10) -> pd.DataFrame:
    """Logistic regression logit P(overall satisfied) = β₀ + Σₑ βₑ·scoreₑ on respondents
    with an overall answer and every element score (complete cases); ``overall`` is
    ``response_id, value`` [``satisfied``] (see :func:`overall_satisfied`). Cluster-robust
    (sandwich, by ``cluster``) covariance when there are ≥ ``min_clusters`` clusters,
    else HC1. Returns ``element, coef, se, p_value, odds_ratio, ame, importance,
    n_used, se_type, note`` (``ame``: average marginal effect of one scale point)."""
    import statsmodels.api as sm  # seconds to import: only when a model is fitted

    scores = element_scores(answers)
    y = overall_satisfied(overall).dropna(subset=["value"]).drop_duplicates("response_id")
    y = y.set_index("response_id")["satisfied"].reindex(scores.index)
    data = scores.assign(_y=y.astype(float)).dropna()
    clusters = answers.drop_duplicates("response_id").set_index("response_id")[cluster]
    groups = pd.factorize(clusters.reindex(data.index))[0]
    elements = list(scores.columns)
    n_clusters = len(np.unique(groups))
    note, se_type = "", "cluster" if n_clusters >= min_clusters else "HC1"
    coef = se = pv = ame = np.full(len(elements), np.nan)
    if len(data) > len(elements) + 1 and 0 < data["_y"].mean() < 1:
        x = sm.add_constant(data[elements].to_numpy(dtype=float), has_constant="add")
        kw = {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if se_type == "cluster" \
            else {"cov_type": "HC1"}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = sm.Logit(data["_y"].to_numpy(), x).fit(disp=0, maxiter=200, **kw)
                coef, se, pv = fit.params[1:], fit.bse[1:], fit.pvalues[1:]
                ame = np.asarray(fit.get_margeff(at="overall").margeff)
            except Exception as exc:  # noqa: BLE001 - separation etc.: report, don't crash
                note = f"model failed: {type(exc).__name__}"
        if caught and not note:
            note = "; ".join(sorted({type(w.message).__name__ for w in caught}))
    else:
        note = "too few complete respondents or no variation in overall satisfaction"
    pos = np.where(np.isfinite(coef), np.maximum(coef, 0), 0.0)
    # A model that did not converge or separates the data perfectly has no usable
    # coefficients; nor does one where no element raises satisfaction. Then every element
    # weighs the same, and the table says so (``fallback``) instead of passing
    # made-up weights off as a regression's.
    unusable = any(w in note for w in _UNUSABLE_FIT)
    if pos.sum() > 0 and not unusable:
        imp, fallback = pos / pos.sum(), ""
    else:
        imp, fallback = np.full(len(elements), 1 / len(elements)), EQUAL_WEIGHTS
        note = note or "no element has a positive coefficient"
    return pd.DataFrame({"element": elements, "coef": coef, "se": se, "p_value": pv,
                         "odds_ratio": np.exp(coef), "ame": ame, "importance": imp,
                         "n_used": len(data), "se_type": se_type, "note": note,
                         "fallback": fallback})


def expectation_shares(expectations: pd.DataFrame) -> pd.DataFrame:
    """Per expectation ``item``: respondents answering, share answering 2–3 (nhiều,
    rất nhiều) and that share normalised to sum 1 (``expectation_weight``)."""
    e = expectations.dropna(subset=["value"])
    out = e.groupby("item", sort=False)["value"].agg(
        n_expectation="size", expectation=lambda v: float(np.mean(v >= 2))).reset_index()
    total = out["expectation"].sum()
    out["expectation_weight"] = out["expectation"] / total if total > 0 else np.nan
    return out


def priority_table(answers: pd.DataFrame, overall: pd.DataFrame,
                   expectations: pd.DataFrame | None = None, by: Sequence[str] = (),
                   level_name: str = "element", cluster: str = "unit", min_clusters: int = 10,
                   method: str = "logit", level: float = 0.95) -> pd.DataFrame:
    """Priority table per scope (``by``) at ``level_name`` (element or item), sorted by
    ``priority`` (descending) within scope. Columns: ``<by…>, level, index, element,
    dissatisfaction, dissatisfaction_low, dissatisfaction_high, n_respondents,
    importance, coef, odds_ratio, p_value`` [``expectation``], ``priority, rank,
    quadrant, fallback`` (quadrant: fix first / keep up / secondary / low priority from
    dissatisfaction and importance above or below their means over the scope's rows,
    then made consistent with the rank; "importance unknown" and ``fallback`` =
    "equal_weights" when no model could be fitted)."""
    res = compute_indices(answers, by=by, method=method, level=level)
    res = res[res["level"] == level_name].copy()
    items = answers.drop_duplicates("item").set_index("item")["element"]
    res["element"] = res["index"] if level_name == "element" else res["index"].map(items)
    imp = element_importance(answers, overall, cluster, min_clusters)
    out = res[[*by, "level", "index", "element", "n_respondents"]].copy()
    out["dissatisfaction"] = 1 - res["estimate"].to_numpy()
    out["dissatisfaction_low"] = 1 - res["ci_high"].to_numpy()
    out["dissatisfaction_high"] = 1 - res["ci_low"].to_numpy()
    out = out.merge(imp[["element", "importance", "coef", "odds_ratio", "p_value",
                         "fallback"]], on="element", how="left")
    weight = out["importance"].to_numpy()
    if expectations is not None:
        ex = expectation_shares(expectations)
        m = out["index"].map(ex.set_index("item")["expectation_weight"])
        m = m.fillna(out["element"].map(ex.set_index("item")["expectation_weight"]))
        out["expectation"] = m.to_numpy()
        weight = np.where(np.isfinite(m), (weight + m.to_numpy()) / 2, weight)
    out["priority"] = out["dissatisfaction"].to_numpy() * weight
    g = out.groupby(list(by), sort=False) if by else out.groupby(np.zeros(len(out)))
    out["rank"] = g["priority"].rank(ascending=False, method="min").astype("Int64")
    hi_d = out["dissatisfaction"] >= g["dissatisfaction"].transform("mean")
    hi_i = out["importance"] >= g["importance"].transform("mean")
    out["quadrant"] = np.select([hi_d & hi_i, ~hi_d & hi_i, hi_d & ~hi_i],
                                ["fix first", "keep up", "secondary"], "low priority")
    # What ranks first is what to fix first, whichever side of a mean it falls.
    out.loc[(out["rank"] == 1) & (out["priority"] > 0), "quadrant"] = "fix first"
    out = out.sort_values([*by, "rank"], kind="stable").reset_index(drop=True)
    return _consistent_quadrants(out, list(by))


def _consistent_quadrants(out: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Quadrant labels that agree with the ranking (``out`` sorted by rank in scope).

    The mean cuts of importance–performance analysis ignore the product that ranks: an
    element with the highest dissatisfaction but importance just under the mean ranked
    #1 and was labelled "secondary". So a row takes the most urgent label of any row
    ranked at or below it: labels never become more urgent further down the list. With
    equal weights (no fitted model) importance is unknown, so no row is labelled by it."""
    urgency = out["quadrant"].map({q: len(QUADRANTS) - i for i, q in enumerate(QUADRANTS)})
    g = urgency.groupby([out[c] for c in by], sort=False) if by else urgency.groupby(
        np.zeros(len(out)))
    promoted = g.transform(lambda u: u[::-1].cummax()[::-1])
    out["quadrant"] = promoted.map({len(QUADRANTS) - i: q for i, q in enumerate(QUADRANTS)})
    out.loc[out["fallback"] == EQUAL_WEIGHTS, "quadrant"] = NOT_ASSESSED
    return out
