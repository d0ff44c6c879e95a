"""Weighting a unit's respondents to the dossiers it returned (issue 17 item 1).

A dossier matches a respondent, not an answer: respondent i of post-stratum h (unit ×
period × field, and × channel where the volumes carry it) weighs wᵢ = N_h / n_h
(dossiers / respondents), and every answer of i carries wᵢ. With only margins known
(dossiers by field and, separately, by channel) the weights are raked (iterative
proportional fitting) to every margin within unit × period.

Standard errors follow R ``survey`` (``postStratify`` / ``rake`` on a respondent-level
design, the unit as stratum, the respondent as cluster, then ``svyratio``): the
linearised scores zᵢ = wᵢuᵢ are replaced by their residuals from the post-stratum means,
zᵢ − wᵢ·ūₕ with ūₕ the mean of uᵢ over every respondent of h (svyrecvar); raking
repeats that over the margins ten times, as R does. Then V = Σₛ nₛ/(nₛ−1) Σ (zᵢ − z̄ₛ)²
over every respondent of stratum s, and the Satterthwaite df (analysis.engine).

Cells with dossiers but no respondents cannot be weighted: they are returned, with
their volumes, beside the table (never dropped silently), and each row says what share
of its group's dossiers the weighted respondents stand for (``volume_covered``).
See docs/analysis.md, "Weighting to dossier volumes".
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.answers import encode_answers, with_design_defaults
from analysis.choices import WEIGHTINGS
from analysis.engine import effective_df, finish, pass1_sums, pass2_sums, score_coefficients
from analysis.io import InputError
from analysis.methods import interval_table

__all__ = ["WEIGHTINGS", "VolumesError", "read_volumes", "respondent_weights", "uncovered",
           "weighted_indices"]

KEYS = ("unit", "period")  # weighting happens within each unit × period
MARGINS = ("field", "channel")  # what volumes may be broken down by
RAKE_ITERATIONS = 10  # svyrecvar's sweeps over the margins for the variance


class VolumesError(InputError):
    """Volumes that cannot be used, with the reason (the CLI prints it, exit 2)."""


def read_volumes(path: str | Path) -> pd.DataFrame:
    """Read VOLUMES.csv: the admin import's columns ``unit_code, field_code, period,
    received`` (``unit``/``field`` accepted too), optionally ``channel``. Returns
    ``unit, period, field, channel, received`` ('' where a row does not break down by
    that margin)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise VolumesError(f"cannot read volumes file: {exc}") from None
    df.columns = [c.strip() for c in df.columns]
    df = df.rename(columns={"unit_code": "unit", "field_code": "field"})
    for col in ("unit", "period", "received"):
        if col not in df.columns:
            raise VolumesError(f"volumes file lacks column {col!r}")
    if "field" not in df.columns and "channel" not in df.columns:
        raise VolumesError("volumes file needs a field_code or a channel column")
    for col in MARGINS:
        if col not in df.columns:
            df[col] = ""
    received = pd.to_numeric(df["received"].str.strip(), errors="coerce")
    bad = received.isna() | (received < 0)
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise VolumesError(f"line {line}: received must be a number ≥ 0")
    out = df[["unit", "period", *MARGINS]].apply(lambda s: s.str.strip())
    out["received"] = received.astype(float)
    keys = ["unit", "period", *MARGINS]
    if out.duplicated(keys).any():
        line = int(np.flatnonzero(out.duplicated(keys).to_numpy())[0]) + 2
        raise VolumesError(f"line {line}: the same unit, period, field and channel twice")
    return out


def _respondents(answers: pd.DataFrame, margins: Sequence[str]) -> pd.DataFrame:
    cols = ["response_id", *KEYS, *margins]
    missing = [c for c in cols if c not in answers.columns]
    if missing:
        raise VolumesError(f"answers lack column(s) {missing} needed for weighting")
    resp = answers[cols].drop_duplicates("response_id").reset_index(drop=True)
    return resp.astype({c: str for c in cols})


def _cells(volumes: pd.DataFrame, margins: Sequence[str]) -> pd.DataFrame:
    """The volume rows that break down by exactly ``margins`` (the others empty)."""
    others = [m for m in MARGINS if m not in margins]
    v = volumes
    for m in margins:
        v = v[v[m] != ""]
    for m in others:
        v = v[v[m] == ""]
    return v[[*KEYS, *margins, "received"]]


def respondent_weights(answers: pd.DataFrame, volumes: pd.DataFrame,
                       weighting: str = "poststratify", tol: float = 1e-13
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(respondents, empty_cells)``.

    ``respondents``: ``response_id, unit, period, <margins>, weight`` for every
    respondent of a unit × period that has volumes. poststratify: the cells are the
    finest volume rows (field, or field × channel); wᵢ = N_h/n_h. rake: every margin
    given on its own (field rows, channel rows), IPF from w = 1 until no margin is off
    by more than ``tol`` (relative). ``empty_cells``: volume cells with dossiers and no
    respondent: ``unit, period, <margins>, received``. Raises :class:`VolumesError`
    when a respondent of a weighted unit × period falls in no cell with volumes."""
    if weighting not in WEIGHTINGS:
        raise VolumesError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    if weighting == "poststratify":
        full = [m for m in MARGINS if (volumes[m] != "").any()]
        margin_sets = [full]
    else:
        margin_sets = [[m] for m in MARGINS if (volumes[m] != "").any()]
    used = sorted({m for s in margin_sets for m in s}, key=MARGINS.index)
    resp = _respondents(answers, used)
    covered = volumes[list(KEYS)].drop_duplicates()
    resp = resp.merge(covered, on=list(KEYS), how="inner")
    if resp.empty:
        raise VolumesError("no respondent is in a unit and period of the volumes file "
                           "(compare its unit_code and period with the answers)")
    resp["weight"] = 1.0
    empty = []
    tables = []
    for margins in margin_sets:
        cells = _cells(volumes, margins)
        counts = resp.groupby([*KEYS, *margins]).size().rename("n").reset_index()
        m = cells.merge(counts, on=[*KEYS, *margins], how="left")
        m["n"] = m["n"].fillna(0)
        empty.append(m[(m["n"] == 0) & (m["received"] > 0)].drop(columns="n"))
        joined = resp[["response_id", *KEYS, *margins]].merge(
            cells, on=[*KEYS, *margins], how="left")
        if joined["received"].isna().any():
            r = joined[joined["received"].isna()].iloc[0]
            where = ", ".join(f"{c} {r[c]!r}" for c in [*KEYS, *margins])
            raise VolumesError(f"respondent {r['response_id']!r} ({where}) falls in no "
                               "cell with dossier volumes: add the cell's volume")
        tables.append((margins, joined["received"].to_numpy(dtype=float)))
    groups = [resp.groupby([*KEYS, *margins], sort=False).ngroup().to_numpy()
              for margins, _ in tables]
    if len(tables) > 1:  # raking: every margin must count the same dossiers
        totals = [_margin_totals(volumes, m, resp) for m, _ in tables]
        for other in totals[1:]:
            off = (other - totals[0]).abs() > 1e-9 * totals[0].abs().clip(lower=1)
            if off.any():
                unit, period = off[off].index[0]
                raise VolumesError(f"unit {unit!r}, period {period!r}: the margins count "
                                   "different numbers of dossiers among cells with "
                                   "respondents; raking needs them equal")
    w = np.ones(len(resp))
    for _ in range(1000):
        worst = 0.0
        for g, (_, target) in zip(groups, tables, strict=True):
            total = np.bincount(g, weights=w)[g]
            worst = max(worst, float(np.max(np.abs(total / target - 1), initial=0.0)))
            w = w * target / total
        if weighting == "poststratify" or worst < tol:
            break
    else:
        raise VolumesError(f"raking did not converge (a margin still off by {worst:.1e} after "
                           "1000 sweeps): the margins may contradict each other")
    resp["weight"] = w
    empty_cells = (pd.concat(empty, ignore_index=True) if empty
                   else pd.DataFrame(columns=[*KEYS, *used, "received"]))
    for m in used:
        if m not in empty_cells.columns:
            empty_cells[m] = ""
    return resp, empty_cells[[*KEYS, *used, "received"]].reset_index(drop=True)


def uncovered(answers: pd.DataFrame, volumes: pd.DataFrame) -> pd.DataFrame:
    """``unit, period, n_respondents`` of the answers' unit × periods that the volumes do
    not cover: left out of a weighted table, so say which."""
    resp = _respondents(answers, [])
    keys = volumes[list(KEYS)].drop_duplicates().assign(_v=True)
    m = resp.merge(keys, on=list(KEYS), how="left")
    left = m[m["_v"].isna()]
    return left.groupby(list(KEYS)).size().rename("n_respondents").reset_index()


def _margin_totals(volumes: pd.DataFrame, margins: list[str], resp: pd.DataFrame
                   ) -> pd.Series:
    """Dossiers of the cells of one margin that have respondents, per unit × period."""
    cells = _cells(volumes, margins).merge(
        resp[[*KEYS, *margins]].drop_duplicates(), on=[*KEYS, *margins], how="inner")
    return cells.groupby(list(KEYS))["received"].sum()


def _respondent_scores(coded, coef: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """uᵢⱼ = Σₖ (aⱼₖ yᵢₖ − bⱼₖ) over i's valid answers (the unweighted score; zᵢⱼ = wᵢuᵢⱼ),
    one row per respondent × (group, level, index) with a valid answer there."""
    r = coded.answer_resp
    ans = coded.groups.iloc[coded.resp_group[r]].reset_index(drop=True) if by else \
        pd.DataFrame(index=np.arange(len(r)))
    ans["item"] = coded.items["item"].to_numpy()[coded.answer_item]
    ans["_resp"] = r
    ans["_y"] = coded.answer_satisfied
    m = ans.merge(coef, on=[*by, "item"], how="inner")
    m["_u"] = m["a"] * m["_y"] - m["b"]
    return m.groupby([*by, "level", "index", "_resp"], sort=False, as_index=False,
                     dropna=False)["_u"].sum()


def weighted_indices(answers: pd.DataFrame, volumes: pd.DataFrame, by: Sequence[str] = (),
                     weighting: str = "poststratify", method: str = "logit",
                     level: float = 0.95, element_rule: str = "mean"
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(table, empty_cells)``: the engine's index table (:func:`analysis.engine.finish`
    columns, plus ``weighting`` and ``volume_covered``) on the answers of respondents
    weighted to ``volumes`` (:func:`respondent_weights`), with design-based standard
    errors for the weighting; the unit is the stratum. ``by`` groups respondents
    (e.g. unit, period). Respondents are those with a scored answer, of unit × periods
    with volumes; ``design_df`` counts every respondent of the group (R ``degf`` of the
    domain of the respondent-level design)."""
    by = list(by)
    answers = with_design_defaults(answers)
    scored = answers[np.isfinite(answers["value"].to_numpy(dtype=float))]
    resp, empty = respondent_weights(scored, volumes, weighting)
    margins = [c for c in resp.columns if c in MARGINS]
    weights = resp.set_index("response_id")["weight"]
    df = answers.drop(columns=["weight", "stratum"])
    df = df[df["response_id"].astype(str).isin(weights.index)].reset_index(drop=True)
    df["weight"] = df["response_id"].astype(str).map(weights).to_numpy(dtype=float)
    df["stratum"] = df["unit"].astype(str)
    coded = encode_answers(df, by)
    item_sums, stratum_sizes = pass1_sums(coded)
    coef = score_coefficients(item_sums, coded.items, by, element_rule)
    out = finish(item_sums, coef, pass2_sums(coded, coef), stratum_sizes, by, method, level)

    ids = pd.unique(df.loc[np.isfinite(df["value"].to_numpy(dtype=float)), "response_id"]
                    .astype(str))  # the engine's respondent codes, in order
    r = resp.set_index("response_id").loc[ids].reset_index()
    sets = [margins] if weighting == "poststratify" else [[m] for m in margins]
    codes = [r.groupby([*KEYS, *m], sort=False).ngroup().to_numpy() for m in sets]
    u = _respondent_scores(coded, coef, by)
    keys = [*by, "level", "index"]
    u["_key"] = u.groupby(keys, sort=False, dropna=False, observed=True).ngroup()
    var, e2 = _adjusted_variance(u, coded.resp_weight, coded.resp_stratum, codes)
    key_table = u.drop_duplicates("_key")[[*keys, "_key"]].reset_index(drop=True)
    key_table["_var"] = var[key_table["_key"].to_numpy()]
    key_table["_e2"] = e2[key_table["_key"].to_numpy()]
    for col in by:  # plain labels on both sides of the join
        key_table[col] = np.asarray(key_table[col], dtype=object)
        out[col] = np.asarray(out[col], dtype=object)
    out = out.merge(key_table.drop(columns="_key"), on=keys, how="left")
    dom = _domain_counts(coded, by)
    out = out.merge(dom, on=by, how="left") if by else out.assign(
        _n_dom=dom["_n_dom"].iloc[0], _h_dom=dom["_h_dom"].iloc[0])
    v = np.maximum(out["_var"].to_numpy(dtype=float), 0.0)
    se = np.sqrt(v)
    design_df = (out["_n_dom"] - out["_h_dom"]).to_numpy(dtype=float)
    df_eff = effective_df(v, out["_e2"].to_numpy(dtype=float), design_df)
    p = out["estimate"].to_numpy(dtype=float)
    tab = interval_table(p, se, df_eff, out["n_answers"].to_numpy(),
                         out["n_respondents"].to_numpy(), method, level)
    out["ci_low"], out["ci_high"], out["se"] = tab["ci_low"], tab["ci_high"], tab["se"]
    out["estimate"], out["method"] = tab["p"], tab["method"]
    out["df"], out["design_df"] = df_eff, design_df
    with np.errstate(divide="ignore", invalid="ignore"):
        out["deff"] = v / (p * (1 - p) / out["n_respondents"].to_numpy(dtype=float))
    out["weighting"] = weighting
    out = out.drop(columns=["_var", "_e2", "_n_dom", "_h_dom"])
    return _coverage(out, resp, volumes, by), empty


def _adjusted_variance(u: pd.DataFrame, w: np.ndarray, stratum: np.ndarray,
                       codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per key (group × level × index): V and Σe² (Satterthwaite) of the residuals of
    zᵢ = wᵢuᵢ from the post-stratum means, over every respondent of the design: for each
    post-stratification ``codes`` (one for poststratify, one per margin for rake, swept
    RAKE_ITERATIONS times), z ← z − w·mean_h(z/w) (R ``svyrecvar``); then the stratified
    cluster variance with nₛ/(nₛ−1), a lonely respondent's z² uncentred."""
    n_keys = int(u["_key"].max()) + 1 if len(u) else 0
    n_s = np.bincount(stratum)
    sweeps = 1 if len(codes) == 1 else RAKE_ITERATIONS
    counts = [np.bincount(g) for g in codes]
    var, e2 = np.zeros(n_keys), np.zeros(n_keys)
    resp = u["_resp"].to_numpy()
    score = u["_u"].to_numpy(dtype=float)
    c = np.where(n_s > 1, n_s / np.maximum(n_s - 1, 1), 1.0)
    order = np.argsort(stratum, kind="stable")
    members = np.split(order, np.cumsum(n_s)[:-1])  # respondents of each stratum
    for key, rows in u.groupby("_key", sort=False).indices.items():
        # post-strata lie within a unit, the stratum: only the key's strata change
        sel = np.concatenate([members[h] for h in np.unique(stratum[resp[rows]])])
        pos = np.full(len(w), -1)
        pos[sel] = np.arange(len(sel))
        x = np.zeros(len(sel))
        x[pos[resp[rows]]] = w[resp[rows]] * score[rows]
        ws, hs = w[sel], stratum[sel]
        for _ in range(sweeps):
            for g, cnt in zip(codes, counts, strict=True):
                gs = g[sel]
                x = x - (np.bincount(gs, weights=x / ws, minlength=len(cnt)) / cnt)[gs] * ws
        total = np.bincount(hs, weights=x, minlength=len(n_s))
        centre = np.where(n_s > 1, total / np.maximum(n_s, 1), 0.0)
        e = c[hs] * (x - centre[hs]) ** 2
        var[key], e2[key] = e.sum(), (e * e).sum()
    return var, e2


def _domain_counts(coded, by: list[str]) -> pd.DataFrame:
    """Respondents and strata of each group (R ``degf`` of the domain subset of the
    respondent-level design: every respondent of the group counts)."""
    g = coded.resp_group
    n = np.bincount(g, minlength=len(coded.groups))
    pairs = np.unique(np.stack([g, coded.resp_stratum]), axis=1)
    h = np.bincount(pairs[0], minlength=len(coded.groups))
    out = coded.groups.reset_index(drop=True).copy() if by else pd.DataFrame(index=[0])
    out["_n_dom"], out["_h_dom"] = n, h
    return out


def _coverage(out: pd.DataFrame, resp: pd.DataFrame, volumes: pd.DataFrame, by: list[str]
              ) -> pd.DataFrame:
    """``volume_covered``: the share of the group's dossiers that the weighted
    respondents stand for (1 unless some cell has dossiers and no respondent)."""
    keys = [c for c in by if c in KEYS]
    finest = volumes
    cols = [m for m in MARGINS if (volumes[m] != "").any()]
    if cols:
        finest = _cells(volumes, cols[:1])  # one margin's rows count every dossier once
    total = finest.groupby(keys)["received"].sum() if keys else finest["received"].sum()
    weights = resp.groupby(keys)["weight"].sum() if keys else resp["weight"].sum()
    if keys:
        share = (weights / total).rename("volume_covered").reset_index()
        share = share.astype({k: out[k].dtype for k in keys if k in out.columns},
                             errors="ignore")
        out = out.merge(share, on=keys, how="left")
        out["volume_covered"] = out["volume_covered"].round(12)
        return out
    return out.assign(volume_covered=round(float(weights / total), 12) if total else np.nan)
