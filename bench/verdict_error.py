"""One-sided error of the target verdict for small units (issue 13 item 7).

A unit surveys n respondents; respondent i has a respondent effect uᵢ ~ N(0, sd²) on
the logit scale and is satisfied with an item k it answers with probability
expit(a + bₖ + uᵢ) (bₖ an item's offset, 0 unless said). The intercept a is chosen so
that the true index is exactly the value asked for. The unit is one stratum, the
respondent the cluster, se by linearisation with n/(n−1), df = n − 1: what the engine
computes for a unit's row (docs/analysis.md, "Variance" and "Design"). Models
(``--model``, default all):

- ``pooled``: 3–7 items each (3 + Binomial(4, ½)), sd 1, pooled index Σy/Σx;
- ``pooled-unequal``: 1–20 items each (uniform), sd 1, pooled index;
- ``pooled-sd2``: 3–7 items each, sd 2, pooled index;
- ``overall-counter``: the overall index (mean of the element indices) of the counter
  form: 5 elements of 1 item each, every item answered, sd 1;
- ``overall-counter-sd2``: the same with sd 2;
- ``overall-sipas``: the overall index of SIPAS 2022: 5 elements of 4 items, each item
  answered with probability 0.8 (else "not applicable"), item offsets from −1 to +1
  logit, sd 1.

Printed per model, n = 10, 30, 100, 300 respondents and target t = 0.8, 0.9, 0.95,
0.98 (2,000 replicates a cell): P(met | true index = t), the one-sided error of "met"
at the boundary (nominal 2.5%: a 95% two-sided interval decides); P(met | t − 0.01);
P(below | t + 0.01); by the rule the reports use (analysis.targets.judge_targets with
the engine's df, the Satterthwaite df of docs/analysis.md: "after") and by the rule
before it (t(n − 1): "before").

    python bench/verdict_error.py [--reps 2000] [--seed 13] [--model NAME ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import optimize, special

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.engine import effective_df
from analysis.targets import judge_targets

SIZES = (10, 30, 100, 300)
TARGETS = (0.8, 0.9, 0.95, 0.98)
NOMINAL = 0.025
NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(80)  # E over u ~ N(0, 1)


@dataclass(frozen=True)
class Model:
    name: str
    index: str  # "pooled" or "overall"
    sd: float = 1.0
    items: tuple[int, int] = (3, 7)  # pooled: items per respondent, low..high
    uniform_items: bool = False  # pooled: uniform on low..high, else 3 + Binomial(4, ½)
    elements: int = 5  # overall: elements
    per_element: int = 1  # overall: items per element
    p_answer: float = 1.0  # overall: chance an item is answered
    offsets: float = 0.0  # overall: item offsets spread evenly on ±offsets

    def offsets_k(self) -> np.ndarray:
        k = self.elements * self.per_element
        return np.linspace(-self.offsets, self.offsets, k) if k > 1 else np.zeros(1)


MODELS = {m.name: m for m in (
    Model("pooled", "pooled"),
    Model("pooled-unequal", "pooled", items=(1, 20), uniform_items=True),
    Model("pooled-sd2", "pooled", sd=2.0),
    Model("overall-counter", "overall"),
    Model("overall-counter-sd2", "overall", sd=2.0),
    Model("overall-sipas", "overall", per_element=4, p_answer=0.8, offsets=1.0),
)}


def _mean_expit(a: float, sd: float, offsets: np.ndarray) -> float:
    vals = special.expit(a + offsets[:, None] + sd * NODES[None, :]) @ WEIGHTS / np.sum(WEIGHTS)
    return float(np.mean(vals))


def intercept(index: float, sd: float = 1.0, offsets: np.ndarray | None = None) -> float:
    """a with mean over items k of E[expit(a + bₖ + sd·u)] = index: the true item
    indices' mean, which is the true overall index (every element has as many items and
    answering is independent of satisfaction) and the true pooled index (bₖ = 0)."""
    offsets = np.zeros(1) if offsets is None else offsets
    return optimize.brentq(lambda a: _mean_expit(a, sd, offsets) - index, -25, 25, xtol=1e-13)


def _pooled(model: Model, n: int, true_index: float, reps: int, rng: np.random.Generator):
    a = intercept(true_index, model.sd)
    u = model.sd * rng.standard_normal((reps, n))
    lo, hi = model.items
    m = (rng.integers(lo, hi + 1, size=(reps, n)) if model.uniform_items
         else lo + rng.binomial(hi - lo, 0.5, size=(reps, n)))
    y = rng.binomial(m, special.expit(a + u))
    big_x = m.sum(axis=1)
    p = y.sum(axis=1) / big_x
    z = (y - p[:, None] * m) / big_x[:, None]
    return p, z, big_x


def overall_scores(y: np.ndarray, x: np.ndarray, elements: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The engine's overall index and linearised scores for arrays (reps, n, K) of
    satisfied (y) and answered (x) flags, items grouped in ``elements`` equal blocks:
    θ = mean over answered elements of the mean of their answered items' ratios Rₖ;
    zᵢ = Σₖ cₖ (yᵢₖ − Rₖ xᵢₖ)/Xₖ, cₖ = 1/(elements answered · items answered in e)."""
    reps, n, k = y.shape
    big_x = x.sum(axis=1)  # (reps, K)
    answered = big_x > 0
    ratio = np.where(answered, y.sum(axis=1) / np.maximum(big_x, 1), 0.0)
    block = answered.reshape(reps, elements, -1)
    k_e = block.sum(axis=2)  # answered items per element
    n_e = (k_e > 0).sum(axis=1)  # answered elements
    c = np.where(block, 1.0 / (np.maximum(k_e, 1)[:, :, None] * n_e[:, None, None]), 0.0)
    c = c.reshape(reps, k)
    p = (c * ratio).sum(axis=1)
    coef = c / np.maximum(big_x, 1)  # (reps, K)
    z = ((y - ratio[:, None, :] * x) * coef[:, None, :]).sum(axis=2)
    return p, z


def _overall(model: Model, n: int, true_index: float, reps: int, rng: np.random.Generator):
    offsets = model.offsets_k()
    a = intercept(true_index, model.sd, offsets)
    u = model.sd * rng.standard_normal((reps, n, 1))
    k = len(offsets)
    x = rng.random((reps, n, k)) < model.p_answer
    none = ~x.any(axis=2)  # every respondent answers at least one item (is a PSU)
    x[none, rng.integers(0, k, size=int(none.sum()))] = True
    y = x & (rng.random((reps, n, k)) < special.expit(a + offsets + u))
    p, z = overall_scores(y.astype(float), x.astype(float), model.elements)
    return p, z, x.sum(axis=(1, 2))


def simulate(n: int, true_index: float, reps: int, rng: np.random.Generator,
             model: Model = MODELS["pooled"]) -> dict[str, np.ndarray]:
    """Per replicate: estimate, se, df (the engine's Satterthwaite df and the design
    df n − 1), deff and counts of a unit with n respondents."""
    p, z, n_answers = (_pooled if model.index == "pooled" else _overall)(
        model, n, true_index, reps, rng)
    e = n / (n - 1) * (z - z.mean(axis=1, keepdims=True)) ** 2
    var = e.sum(axis=1)
    design_df = np.full(reps, n - 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        deff = var / (p * (1 - p) / n)
    return {"p": p, "se": np.sqrt(var), "design_df": design_df, "deff": deff,
            "df": effective_df(var, (e * e).sum(axis=1), design_df),
            "n_answers": n_answers.astype(float), "n": np.full(reps, float(n))}


def verdicts(sim: dict[str, np.ndarray], target: float) -> dict[str, np.ndarray]:
    """Status of each replicate by the reports' rule (analysis.targets.judge_targets with
    the engine's df: "after") and by the rule before issue 13's close, t(n − 1)."""
    t = np.full(sim["p"].shape, target)
    return {rule: judge_targets(sim["p"], sim["se"], sim[col], sim["deff"], t,
                                n_respondents=sim["n"], design_df=sim["design_df"])["status"]
            for rule, col in (("before", "design_df"), ("after", "df"))}


def error_table(reps: int = 2000, seed: int = 13, sizes=SIZES, targets=TARGETS,
                model: str = "pooled") -> list[dict]:
    """Rates of met at t, met at t − 0.01 and below at t + 0.01, per n and t, by the
    rule before (t(n − 1)) and after (Satterthwaite df)."""
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        for t in targets:
            row = {"model": model, "n": n, "target": t}
            for name, shift, status in (("met_at", 0.0, "met"), ("met_below", -0.01, "met"),
                                        ("below_above", 0.01, "below")):
                v = verdicts(simulate(n, t + shift, reps, rng, MODELS[model]), t)
                for rule in ("before", "after"):
                    row[f"{name}_{rule}"] = float(np.mean(v[rule] == status))
            rows.append(row)
    return rows


def print_table(rows: list[dict], reps: int) -> None:
    m = MODELS[rows[0]["model"]]
    print(f"\nmodel {m.name}: {m.index} index, respondent effect sd {m.sd:g}, "
          f"{reps} replicates a cell. P(met | index = t): before (t(n−1)) → after "
          "(Satterthwaite df); [after: met at t−1pt / below at t+1pt]")
    targets = sorted({r["target"] for r in rows})
    print("| n \\ target | " + " | ".join(f"{t:.2f}" for t in targets) + " |")
    print("| --- " * (len(targets) + 1) + "|")
    for n in sorted({r["n"] for r in rows}):
        cells = [r for r in rows if r["n"] == n]
        print(f"| {n} | " + " | ".join(
            f"{100 * r['met_at_before']:.2f} → {100 * r['met_at_after']:.2f}% "
            f"[{100 * r['met_below_after']:.2f} / {100 * r['below_above_after']:.2f}]"
            for r in cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--model", nargs="*", choices=sorted(MODELS), default=list(MODELS))
    args = ap.parse_args()
    began = time.perf_counter()
    worst = []
    for name in args.model:
        rows = error_table(args.reps, args.seed, model=name)
        print_table(rows, args.reps)
        for rule in ("before", "after"):
            worst += [(max(r[f"met_at_{rule}"], r[f"below_above_{rule}"]), rule, name,
                       r["n"], r["target"]) for r in rows]
    for rule in ("before", "after"):
        err, _, name, n, t = max(w for w in worst if w[1] == rule)
        print(f"worst one-sided error {rule}: {100 * err:.2f}% ({name}, n = {n}, "
              f"t = {t:.2f}; nominal {100 * NOMINAL:.1f}%)")
    print(f"({time.perf_counter() - began:.1f} s)")


if __name__ == "__main__":
    main()
