"""Core: indices, linearised variance, df and intervals from sufficient statistics.

Two aggregation passes, each a plain GROUP BY (see docs/analysis.md, "Sufficient
statistics contract (for the SQL path)"):

1. :func:`pass1_sums` → ``item_sums`` (per group × item) and ``stratum_sizes``.
2. :func:`score_coefficients` turns ``item_sums`` into per (group, level, index, item)
   coefficients ``a, b`` so that respondent i's linearised score for index j is
   ``z_ij = w_i · Σ_k (a_jk·y_ik − b_jk)`` over i's valid answers k;
   :func:`pass2_sums` → ``score_sums`` (per group × level × index × stratum).

:func:`finish` needs only those small tables. Conventions follow R ``survey`` 4.1.1
(svymean/svyratio linearisation, domain estimation, ``survey.lonely.psu = "adjust"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.answers import CodedAnswers
from analysis.choices import ELEMENT_RULES, LEVELS
from analysis.methods import interval_table

__all__ = [
    "LEVELS",
    "ELEMENT_RULES",
    "pass1_sums",
    "score_coefficients",
    "pass2_sums",
    "finish",
    "effective_df",
]



def _bincount_keys(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Compress integer keys in [0, size): return (present keys, inverse codes)."""
    if size <= 4 * len(keys) + 1_000_000:
        present = np.bincount(keys, minlength=size) > 0
        uniq = np.flatnonzero(present)
        lookup = np.full(size, -1, dtype=np.int64)
        lookup[uniq] = np.arange(len(uniq))
        return uniq, lookup[keys]
    uniq, inv = np.unique(keys, return_inverse=True)
    return uniq, inv


def _joint_codes(frames: Sequence[pd.DataFrame], cols: Sequence[str]) -> list[np.ndarray]:
    """One int64 code per row for the values of ``cols``, consistent across ``frames``
    (merging on one integer is much faster than on several object columns)."""
    sizes = [len(f) for f in frames]
    combo = np.zeros(sum(sizes), dtype=np.int64)
    for col in cols:
        series = [f[col] for f in frames]
        dtypes = [s.dtype for s in series]
        if isinstance(dtypes[0], pd.CategoricalDtype) and all(d == dtypes[0] for d in dtypes):
            code = np.concatenate([s.cat.codes.to_numpy(dtype=np.int64) for s in series])
            n_codes = len(dtypes[0].categories) + 1  # + 1: code −1 for a missing value
            code = code + 1
        else:
            values = np.concatenate([np.asarray(s, dtype=object) for s in series])
            code, uniq = pd.factorize(values, sort=False)
            n_codes = max(len(uniq), 1)
        combo = combo * n_codes + code
    combo = pd.factorize(combo, sort=False)[0] if cols else combo
    return np.split(combo, np.cumsum(sizes)[:-1])


def pass1_sums(coded: CodedAnswers) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pass 1. Returns ``(item_sums, stratum_sizes)``.

    ``item_sums``: ``<by…>, item, sum_wy, sum_wx, n_answers`` — per group × item over
    valid answers, Σ w·y (y = 1 if satisfied), Σ w (x = 1 for a valid answer), count.
    ``stratum_sizes``: ``stratum, n_psu`` — respondents with ≥ 1 valid answer in the
    whole data set (the nₕ of R's ``fpc$sampsize``).
    """
    n_items = len(coded.items)
    key = coded.resp_group[coded.answer_resp]
    n_keys = (int(key.max()) + 1) * n_items
    key *= n_items
    key += coded.answer_item
    uniq, inv = _bincount_keys(key, n_keys)
    del key
    n_ans = np.bincount(inv, minlength=len(uniq))
    if (coded.resp_weight == 1.0).all():  # Σ1·y and Σ1 are Σy and the count, bit for bit
        sum_wy = np.bincount(inv, weights=coded.answer_satisfied, minlength=len(uniq))
        sum_wx = n_ans.astype(np.float64)
    else:
        w = coded.resp_weight[coded.answer_resp]
        sum_wy = np.bincount(inv, weights=w * coded.answer_satisfied, minlength=len(uniq))
        sum_wx = np.bincount(inv, weights=w, minlength=len(uniq))
    gi, ki = np.divmod(uniq, n_items)
    item_sums = coded.groups.iloc[gi].reset_index(drop=True)
    item_sums["item"] = coded.items["item"].to_numpy()[ki]
    item_sums["sum_wy"] = sum_wy
    item_sums["sum_wx"] = sum_wx
    item_sums["n_answers"] = n_ans.astype(np.int64)
    sizes = np.bincount(coded.resp_stratum, minlength=len(coded.strata))
    stratum_sizes = pd.DataFrame({"stratum": coded.strata, "n_psu": sizes.astype(np.int64)})
    return item_sums, stratum_sizes


def _gid(df: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    if not by:
        return np.zeros(len(df), dtype=np.int64)
    if len(by) == 1:
        return pd.factorize(df[by[0]], sort=False)[0]
    return df.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()


def score_coefficients(
    item_sums: pd.DataFrame,
    items: pd.DataFrame,
    by: Sequence[str] = (),
    element_rule: str = "mean",
) -> pd.DataFrame:
    """Coefficients of the linearised scores, from ``item_sums`` and the instrument.

    ``items``: ``item, element`` (every item once). Returns ``<by…>, level, index,
    item, a, b`` with, for a base ratio R_r = Σwy/Σwx over item set r (X_r = Σwx) and an
    index θ_j = Σ_r c_jr·R_r:  a_jk = Σ_r c_jr[k∈r]/X_r,  b_jk = Σ_r c_jr[k∈r]·R_r/X_r.
    Then θ_j = Σ_k a_jk·sum_wy_k and z_ij = w_i Σ_k (a_jk y_ik − b_jk) (Binder 1983;
    R ``svyratio`` + ``svycontrast``). Levels: item (R_k), element (mean of its
    answered items' R_k, or the pooled element ratio), overall (mean of the answered
    elements' indices), pooled (one ratio over all items).
    """
    if element_rule not in ELEMENT_RULES:
        raise ValueError(f"element_rule must be one of {ELEMENT_RULES}, got {element_rule!r}")
    by = list(by)
    s = item_sums.loc[item_sums["sum_wx"] > 0, [*by, "item", "sum_wy", "sum_wx"]]
    s = s.merge(items[["item", "element"]], on="item", how="left", validate="many_to_one")
    if s["element"].isna().any():
        raise ValueError("item_sums holds an item that is not in items")
    s["_g"] = _gid(s, by)
    s["ratio"] = s["sum_wy"] / s["sum_wx"]

    def frame(level: str, index: pd.Series, a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
        out = s[[*by, "item"]].copy()
        out.insert(len(by), "level", level)
        out.insert(len(by) + 1, "index", index.to_numpy(dtype=object))
        out["a"] = a
        out["b"] = b
        return out

    a_item = 1.0 / s["sum_wx"].to_numpy()
    b_item = (s["ratio"] / s["sum_wx"]).to_numpy()
    ge = [s["_g"], s["element"]]
    if element_rule == "mean":
        k_e = s.groupby(ge, sort=False)["item"].transform("size").to_numpy()
        a_el, b_el = a_item / k_e, b_item / k_e
    else:
        x_e = s.groupby(ge, sort=False)["sum_wx"].transform("sum").to_numpy()
        y_e = s.groupby(ge, sort=False)["sum_wy"].transform("sum").to_numpy()
        a_el, b_el = 1.0 / x_e, y_e / x_e / x_e
    n_el = s.groupby("_g", sort=False)["element"].transform("nunique").to_numpy()
    x_g = s.groupby("_g", sort=False)["sum_wx"].transform("sum").to_numpy()
    y_g = s.groupby("_g", sort=False)["sum_wy"].transform("sum").to_numpy()
    overall = pd.Series("overall", index=s.index)
    return pd.concat(
        [
            frame("item", s["item"], a_item, b_item),
            frame("element", s["element"], a_el, b_el),
            frame("overall", overall, a_el / n_el, b_el / n_el),
            frame("pooled", overall.replace("overall", "pooled"), 1.0 / x_g, y_g / x_g / x_g),
        ],
        ignore_index=True,
    )


def pass2_sums(coded: CodedAnswers, coefficients: pd.DataFrame) -> pd.DataFrame:
    """Pass 2: ``<by…>, level, index, stratum, n_respondents, n_answers, sum_z, sum_z2,
    sum_z3, sum_z4``.

    Per respondent i and index j: z_ij = w_i Σ_k (a_jk y_ik − b_jk) over i's valid
    answers to the index's items; then per group × level × index × stratum the number
    of respondents with ≥ 1 such answer, the number of answers, Σz, Σz², Σz³ and Σz⁴
    (the last two for the Satterthwaite df, :func:`effective_df`).
    """
    by = list(coded.by)
    n_items = len(coded.items)
    groups = coded.groups
    g_groups, g_coef = _joint_codes([groups, coefficients], by)
    to_group = np.full(int(max(g_groups.max(initial=0), g_coef.max(initial=0))) + 1, -1)
    to_group[g_groups] = np.arange(len(groups))
    coef = coefficients.assign(_g=to_group[g_coef])
    coef = coef[coef["_g"].to_numpy() >= 0]
    item_pos = pd.Series(np.arange(n_items), index=coded.items["item"].to_numpy())
    coef = coef.assign(_k=item_pos.reindex(coef["item"].to_numpy()).to_numpy())
    n_groups, n_strata = len(groups), len(coded.strata)
    r = coded.answer_resp
    g_r = coded.resp_group[r]
    gk = g_r * n_items + coded.answer_item
    y = coded.answer_satisfied
    n_resp = coded.n_respondents
    # Multiplying by weights of 1, adding stratum 0 and renumbering by an identity
    # change no bit: those passes over the answers are skipped.
    weighted = not bool((coded.resp_weight == 1.0).all())
    one_stratum = n_strata == 1
    per_resp: dict[str, tuple] = {}  # overall and pooled share their respondent cells
    parts = []
    for level in LEVELS:
        c = coef[coef["level"].to_numpy() == level]
        jcode, jlabels = pd.factorize(c["index"], sort=False)
        n_j = len(jlabels)
        slot = (c["_g"].to_numpy() * n_items + c["_k"].to_numpy()).astype(np.int64)
        a_tab = np.zeros(n_groups * n_items)
        b_tab = np.zeros(n_groups * n_items)
        a_tab[slot], b_tab[slot] = c["a"].to_numpy(), c["b"].to_numpy()
        u = a_tab[gk]  # unweighted score part a·y − b; w_i is per respondent
        u *= y  # in place: the same IEEE operations, one answer-length array fewer
        u -= b_tab[gk]
        if n_j == 1:  # overall, pooled: one index per group, every respondent in it
            rj_resp = None
            rj_z = np.bincount(r, weights=u, minlength=n_resp)
            if not per_resp:
                cell = coded.resp_group * n_strata + coded.resp_stratum
                per_resp["m"] = np.bincount(r, minlength=n_resp)
                per_resp["keys"] = _bincount_keys(cell, n_groups * n_strata)
            rj_m = per_resp["m"]
            uniq, inv = per_resp["keys"]
            if weighted:
                rj_z = rj_z * coded.resp_weight
        else:
            j_tab = np.full(n_groups * n_items, -1, dtype=np.int64)
            j_tab[slot] = jcode
            j = j_tab[gk]
            if level == "item":  # one answer per respondent and item: nothing to sum
                rj_resp, rj_j, rj_z, rj_m, rj_g = r, j, u, None, g_r
            else:
                uniq, inv = _bincount_keys(r * n_j + j, n_resp * n_j)
                rj_z = np.bincount(inv, weights=u, minlength=len(uniq))
                rj_m = np.bincount(inv, minlength=len(uniq))
                rj_resp, rj_j = np.divmod(uniq, n_j)
                rj_g = coded.resp_group[rj_resp]
            if weighted:
                rj_z = rj_z * coded.resp_weight[rj_resp]
            cell = rj_g * n_j + rj_j
            if not one_stratum:
                cell = cell * n_strata + coded.resp_stratum[rj_resp]
            uniq, inv = _bincount_keys(cell, n_groups * n_j * n_strata)
        gj, h = np.divmod(uniq, n_strata)
        gg, jj = np.divmod(gj, n_j)
        out = coded.groups.iloc[gg].reset_index(drop=True) if by else pd.DataFrame(index=gg)
        out = out.reset_index(drop=True)
        out["level"] = level
        out["index"] = np.asarray(jlabels, dtype=object)[jj]
        out["stratum"] = coded.strata[h]
        n_cell = np.bincount(inv, minlength=len(uniq)).astype(np.int64)
        out["n_respondents"] = n_cell
        out["n_answers"] = (n_cell if rj_m is None else
                            np.bincount(inv, weights=rj_m, minlength=len(uniq)).astype(np.int64))
        out["sum_z"] = np.bincount(inv, weights=rj_z, minlength=len(uniq))
        z2 = rj_z * rj_z
        out["sum_z2"] = np.bincount(inv, weights=z2, minlength=len(uniq))
        out["sum_z3"] = np.bincount(inv, weights=z2 * rj_z, minlength=len(uniq))
        out["sum_z4"] = np.bincount(inv, weights=z2 * z2, minlength=len(uniq))
        parts.append(out)
        # Let this level's answer-length arrays go before the next level makes its own.
        u = j = cell = inv = rj_z = rj_m = rj_resp = rj_j = rj_g = None
    return pd.concat(parts, ignore_index=True)


def _squared_terms(score_sums: pd.DataFrame, n_h: np.ndarray) -> np.ndarray:
    """Σ eᵢ² per score_sums row, eᵢ = cₕ(zᵢ − z̄ₕ)² respondent i's term of V: cₕ = nₕ/(nₕ−1),
    z̄ₕ = Σz/nₕ over the whole stratum (the nₕ − n_respondents respondents of the stratum
    outside the cell have z = 0 and add z̄ₕ⁴ each); a lonely PSU (nₕ = 1): eᵢ = zᵢ²."""
    s1, s2 = score_sums["sum_z"].to_numpy(), score_sums["sum_z2"].to_numpy()
    s3, s4 = score_sums["sum_z3"].to_numpy(), score_sums["sum_z4"].to_numpy()
    lonely = n_h <= 1
    m = np.where(lonely, 0.0, s1 / np.where(lonely, 1.0, n_h))
    c = np.where(lonely, 1.0, n_h / np.where(lonely, 2.0, n_h - 1))
    fourth = s4 - 4 * m * s3 + 6 * m * m * s2 - 4 * m**3 * s1 + n_h * m**4
    return c * c * np.maximum(np.where(lonely, s4, fourth), 0.0)


def effective_df(var: np.ndarray, sum_e2: np.ndarray, design_df: np.ndarray) -> np.ndarray:
    """Satterthwaite (1946) df of V = Σᵢ eᵢ with each respondent's term eᵢ taken as a
    one-df variance component: (Σe)²/Σe², never above the design df (respondents −
    strata). Equal terms give n; a few respondents carrying most of the variance
    (many answers each, extreme satisfaction) give few df, and a wider interval. Where
    V = 0 the design df is kept (the interval falls back anyway)."""
    var, sum_e2, design_df = (np.asarray(a, dtype=float) for a in (var, sum_e2, design_df))
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = np.where((var > 0) & (sum_e2 > 0), var * var / sum_e2, np.inf)
    return np.minimum(design_df, sat)


def finish(
    item_sums: pd.DataFrame,
    coefficients: pd.DataFrame,
    score_sums: pd.DataFrame,
    stratum_sizes: pd.DataFrame,
    by: Sequence[str] = (),
    method: str = "logit",
    level: float = 0.95,
) -> pd.DataFrame:
    """Estimates, SE, df, design effect and intervals from the sufficient statistics.

    estimate θ_j = Σ_k a_jk·sum_wy_k; V = Σₕ [nₕ>1]·nₕ/(nₕ−1)·(Σz² − (Σz)²/nₕ)
    + [nₕ=1]·Σz² (lonely PSU "adjust"); se = √V; design_df = respondents − strata among
    them (R ``degf`` of the domain subset); df = the Satterthwaite df of V, at most
    design_df (:func:`effective_df`), which the interval and so the verdict use;
    deff = V / (θ(1−θ)/n_respondents).
    Returns ``<by…>, level, index, estimate, ci_low, ci_high, se, df, design_df, deff,
    n_respondents, n_answers, method``.
    """
    by = list(by)
    keys = [*by, "level", "index"]
    # integer keys: group × item for the estimate, group × level × index for the rest
    gi_item, gi_coef = _joint_codes([item_sums, coefficients], [*by, "item"])
    gj_coef, gj_score = _joint_codes([coefficients, score_sums], keys)
    wy = pd.Series(item_sums["sum_wy"].to_numpy(), index=gi_item)
    contrib = coefficients["a"].to_numpy() * wy.reindex(gi_coef).to_numpy()
    est_by_key = pd.Series(contrib).groupby(gj_coef, sort=False).sum()
    first = pd.Series(np.arange(len(gj_coef))).groupby(gj_coef, sort=False).first()
    est = coefficients.iloc[first.to_numpy()][keys].reset_index(drop=True)
    est["estimate"] = est_by_key.reindex(first.index).to_numpy()
    est["_key"] = first.index.to_numpy()
    sizes = pd.Series(stratum_sizes["n_psu"].to_numpy(dtype=float),
                      index=stratum_sizes["stratum"].to_numpy())
    n_h = sizes.reindex(score_sums["stratum"].to_numpy()).to_numpy()
    if np.isnan(n_h).any() or (n_h < score_sums["n_respondents"].to_numpy()).any():
        raise ValueError("stratum_sizes must cover every stratum with n_psu ≥ n_respondents")
    s1, s2 = score_sums["sum_z"].to_numpy(), score_sums["sum_z2"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = np.where(n_h > 1, n_h / (n_h - 1) * (s2 - s1 * s1 / n_h), s2)
        squares = _squared_terms(score_sums, n_h)
    ss = pd.DataFrame({"_key": gj_score, "_v": np.maximum(centred, 0.0),
                       "_e2": squares,
                       "n_respondents": score_sums["n_respondents"].to_numpy(),
                       "n_answers": score_sums["n_answers"].to_numpy()})
    agg = ss.groupby("_key", sort=False).agg(
        var=("_v", "sum"), e2=("_e2", "sum"), n_respondents=("n_respondents", "sum"),
        n_answers=("n_answers", "sum"), n_strata=("_v", "size"),
    )
    res = est.join(agg, on="_key", how="inner")
    p = res["estimate"].to_numpy()
    se = np.sqrt(res["var"].to_numpy())
    design_df = (res["n_respondents"] - res["n_strata"]).to_numpy(dtype=float)
    df = effective_df(res["var"].to_numpy(), res["e2"].to_numpy(), design_df)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = res["var"].to_numpy() / (p * (1 - p) / res["n_respondents"].to_numpy())
    table = interval_table(p, se, df, res["n_answers"].to_numpy(),
                           res["n_respondents"].to_numpy(), method, level)
    out = res[keys].copy()
    out["estimate"] = table["p"]
    out["ci_low"], out["ci_high"], out["se"] = table["ci_low"], table["ci_high"], table["se"]
    out["df"] = df
    out["design_df"] = design_df
    out["deff"] = deff
    out["n_respondents"] = res["n_respondents"].to_numpy()
    out["n_answers"] = res["n_answers"].to_numpy()
    out["method"] = table["method"]
    return out
